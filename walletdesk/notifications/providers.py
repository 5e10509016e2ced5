"""Delivery providers: an SMS interface with a developer-outbox default, and email over Django's
mail backends (real SMTP in production; the developer outbox in DEBUG).

The developer outbox keeps the last messages *as sent* (codes included) in the cache, never in the
database, and only the DEBUG-only outbox page shows them. Plug a real SMS gateway by setting
WALLETDESK_SMS_PROVIDER to the dotted path of a class with `name` and `send(to, text) ->
SendResult` (`SmsProvider`), constructed without arguments; "dev-outbox" names the built-in one.
Providers that deliver nowhere real say so with ``sandbox = True``: production refuses them unless
WALLETDESK_ALLOW_SANDBOX is on (notifications/checks.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import cache as django_cache
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django.utils.module_loading import import_string

DEV_OUTBOX_KEY = "notifications:dev-outbox"
DEV_OUTBOX_SIZE = 200


@dataclass(frozen=True, slots=True)
class SendResult:
    ok: bool
    provider_ref: str = ""
    error: str = ""


class SmsProvider(Protocol):
    """What an SMS gateway implements: `send` returns ``SendResult(ok=False, error=...)`` for a
    refused message (an exception is treated the same); messages other than codes are retried."""

    name: str

    def send(self, to: str, text: str) -> SendResult: ...


def dev_outbox_append(channel: str, to: str, subject: str, body: str) -> str:
    ref = uuid.uuid4().hex[:16]
    items: list[dict[str, str]] = django_cache.get(DEV_OUTBOX_KEY) or []
    items.insert(
        0,
        {
            "ref": ref,
            "channel": channel,
            "to": to,
            "subject": subject,
            "body": body,
            "at": timezone.now().isoformat(),
        },
    )
    django_cache.set(DEV_OUTBOX_KEY, items[:DEV_OUTBOX_SIZE], 86400)
    return ref


def dev_outbox() -> list[dict[str, str]]:
    return list(django_cache.get(DEV_OUTBOX_KEY) or [])


def dev_outbox_clear() -> None:
    django_cache.delete(DEV_OUTBOX_KEY)


# Numbers the development provider cannot reach, as a carrier answers for a number switched off
# or out of service (the demo's "code never arrived" case, docs/demo.md).
UNREACHABLE_PREFIX = "+861700000"


class DevOutboxSmsProvider:
    name = "dev-outbox"
    sandbox = True

    def send(self, to: str, text: str) -> SendResult:
        if to.startswith(UNREACHABLE_PREFIX):
            return SendResult(ok=False, error="unreachable")
        return SendResult(ok=True, provider_ref=dev_outbox_append("sms", to, "", text))


class DevOutboxEmailBackend(BaseEmailBackend):
    sandbox = True

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            dev_outbox_append(
                "email", ", ".join(message.to), str(message.subject), str(message.body)
            )
        return len(email_messages)


SMS_PROVIDER_NAMES = {"dev-outbox": "walletdesk.notifications.providers.DevOutboxSmsProvider"}


def sms_provider_path() -> str:
    """The configured SMS provider as a dotted path (names resolved)."""
    configured = str(settings.WALLETDESK_NOTIFICATIONS["SMS_PROVIDER"]).strip() or "dev-outbox"
    return SMS_PROVIDER_NAMES.get(configured, configured)


def is_sandbox(component: object) -> bool:
    """Whether a provider class or instance delivers nowhere real (declares ``sandbox = True``)."""
    return bool(getattr(component, "sandbox", False))


@cache
def _sms_provider(path: str) -> Any:
    return import_string(path)()


def sms_provider() -> SmsProvider:
    provider: SmsProvider = _sms_provider(sms_provider_path())
    return provider
