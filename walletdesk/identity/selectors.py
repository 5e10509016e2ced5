"""Reads for identity pages, always scoped to the signed-in user (or to staff queues)."""

from __future__ import annotations

from typing import Any

from walletdesk.core.masking import mask_email as mask_email  # re-exported
from walletdesk.core.masking import mask_phone
from walletdesk.identity import actions
from walletdesk.identity.enums import KycStatus
from walletdesk.identity.models import (
    ApiToken,
    Device,
    KycSubmission,
    LoginEvent,
    Passkey,
    PaymentCredential,
    RecoveryCode,
    User,
    UserSession,
)


def security_overview(user: User) -> dict[str, Any]:
    return {
        "masked_phone": mask_phone(user.phone) if user.phone else "",
        "masked_email": mask_email(user.email) if user.email else "",
        "has_totp": actions.has_totp(user),
        "sms_second_factor": user.sms_second_factor,
        "passkey_count": Passkey.objects.filter(user=user).count(),
        "recovery_left": RecoveryCode.objects.filter(user=user, used_at__isnull=True).count(),
        "has_payment_password": has_payment_password(user),
        "frozen_at": user.frozen_at,
        "unfreeze_at": actions.unfreeze_available_at(user),
        "kyc_level": user.get_kyc_level_display(),
        "withdrawals_held_until": actions.withdrawals_blocked_until(user.pk),
        "outflow_hold": actions.outflow_hold(user.pk),
        "session_count": UserSession.objects.filter(user=user, revoked_at__isnull=True).count(),
        "api_tokens": live_api_tokens(user),
    }


def live_api_tokens(user: User) -> list[ApiToken]:
    """The customer's API tokens that still work, newest first (for listing and revoking)."""
    from django.utils import timezone

    from walletdesk.identity.authentication import is_live

    now = timezone.now()
    rows = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now)
    return [row for row in rows.order_by("-created_at")[:50] if is_live(row, user, now)]


def has_payment_password(user: User) -> bool:
    return PaymentCredential.objects.filter(user=user).exists()


def passkeys_of(user: User) -> list[Passkey]:
    return list(Passkey.objects.filter(user=user).order_by("-created_at"))


def devices_page(user: User, current: UserSession | None) -> dict[str, Any]:
    return {
        "sessions": list(
            UserSession.objects.filter(user=user, revoked_at__isnull=True)
            .select_related("device")
            .order_by("-last_seen_at")[:50]
        ),
        "current_session_id": current.pk if current else None,
        "devices": list(
            Device.objects.filter(user=user, forgotten_at__isnull=True).order_by("-last_seen_at")[
                :50
            ]
        ),
        "history": list(LoginEvent.objects.filter(user=user).order_by("-occurred_at")[:30]),
    }


def kyc_submissions_of(user: User) -> list[KycSubmission]:
    return list(KycSubmission.objects.filter(user=user).order_by("-submitted_at")[:10])


def kyc_queue() -> list[KycSubmission]:
    return list(
        KycSubmission.objects.filter(status=KycStatus.PENDING)
        .select_related("user")
        .order_by("submitted_at")[:100]
    )
