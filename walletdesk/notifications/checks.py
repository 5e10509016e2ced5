"""Checks on where SMS and email go (see walletdesk/core/checks.py for the production guard)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.utils.module_loading import import_string

from walletdesk.notifications.providers import is_sandbox, sms_provider_path

# Django's own backends that keep mail in the process, a file or the log instead of sending it.
NON_DELIVERING_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}


def _sandbox_allowed() -> bool:
    return bool(settings.WALLETDESK.get("ALLOW_SANDBOX", False))


def _load(path: str) -> object | None:
    try:
        loaded: object = import_string(path)
    except ImportError:
        return None
    return loaded


@register(Tags.compatibility)
def check_providers_load(**kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    sms_class = _load(sms_provider_path())
    if sms_class is None or not callable(getattr(sms_class, "send", None)):
        errors.append(
            Error(
                f"WALLETDESK_SMS_PROVIDER={sms_provider_path()!r} is not an SMS provider "
                "(a class with `name` and `send(to, text)`).",
                hint='Use "dev-outbox" or the dotted path of your gateway\'s provider class.',
                id="notifications.E003",
            )
        )
    if _load(str(settings.EMAIL_BACKEND)) is None:
        errors.append(
            Error(
                f"DJANGO_EMAIL_BACKEND={settings.EMAIL_BACKEND!r} cannot be loaded.",
                hint='Use "smtp" (with DJANGO_EMAIL_HOST and friends) or a dotted path.',
                id="notifications.E004",
            )
        )
    return errors


@register(Tags.security, deploy=True)
def check_codes_reach_real_people(**kwargs: Any) -> list[CheckMessage]:
    """One-time codes sent to the developer outbox would let staff sign in as any customer."""
    if _sandbox_allowed():
        return []
    errors: list[CheckMessage] = []
    if is_sandbox(_load(sms_provider_path())):
        errors.append(
            Error(
                "SMS (one-time codes, alerts) goes to the developer outbox, not to phones.",
                hint="Set WALLETDESK_SMS_PROVIDER to your SMS gateway's provider class, or "
                "WALLETDESK_ALLOW_SANDBOX=1 for a sandbox deployment.",
                id="notifications.E001",
            )
        )
    backend = str(settings.EMAIL_BACKEND)
    if backend in NON_DELIVERING_EMAIL_BACKENDS or is_sandbox(_load(backend)):
        errors.append(
            Error(
                f"Email (one-time codes, alerts) is not delivered: EMAIL_BACKEND is {backend}.",
                hint="Set DJANGO_EMAIL_BACKEND=smtp with DJANGO_EMAIL_HOST, DJANGO_EMAIL_PORT, "
                "DJANGO_EMAIL_HOST_USER, DJANGO_EMAIL_HOST_PASSWORD and DJANGO_EMAIL_USE_TLS, or "
                "WALLETDESK_ALLOW_SANDBOX=1 for a sandbox deployment.",
                id="notifications.E002",
            )
        )
    return errors
