"""Helpers every identity action shares: settings, the clock text, notifications."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from walletdesk.identity.identifiers import (
    normalise_login_name,
)

PASSWORD_BACKEND = "walletdesk.identity.backends.LoginNameBackend"  # noqa: S105


PASSKEY_BACKEND = "walletdesk.identity.backends.PasskeyBackend"


CONSECUTIVE_FAILURE_CEILING = 100  # NIST 800-63B §5.2.2; then only a password reset unlocks


JUST_CREATED = timedelta(hours=1)


PENDING_2FA_KEY = "_wd_pending_2fa"


PENDING_2FA_TTL = 300


def _identity_settings() -> dict[str, Any]:
    values: dict[str, Any] = settings.WALLETDESK_IDENTITY
    return values


def _now_text() -> str:
    return timezone.localtime().strftime("%Y-%m-%d %H:%M")


def _notify(user_id: int, kind: str, context: dict[str, Any], **kwargs: Any) -> None:
    from walletdesk.notifications import facade as notifications

    notifications.notify(user_id, kind, context, **kwargs)


def _username_key(identifier: str) -> str:
    return normalise_login_name(identifier) or identifier.strip().lower()[:254]
