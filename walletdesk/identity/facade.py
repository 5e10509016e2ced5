"""What other apps may use from identity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from walletdesk.identity.models import User
from walletdesk.identity.payment_password import set_payment_password, verify_payment_password

WITHDRAWAL_HOLD_AFTER_CONTACT_CHANGE = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class UserSummary:
    id: int
    public_id: str
    display_name: str
    login_name: str
    role: str
    kyc_level: int
    preferred_language: str


def get_user_summary(user_id: int) -> UserSummary:
    user = User.objects.get(pk=user_id)
    return _summary(user)


def _summary(user: User) -> UserSummary:
    return UserSummary(
        id=user.pk,
        public_id=str(user.public_id),
        display_name=str(user),
        login_name=user.login_name,
        role=user.role,
        kyc_level=user.kyc_level,
        preferred_language=user.preferred_language,
    )


__all__ = [
    "UserSummary",
    "get_user_summary",
    "set_payment_password",
    "verify_payment_password",
    "withdrawals_blocked_until",
]


def withdrawals_blocked_until(user_id: int) -> datetime | None:
    """When withdrawals may resume after a recent phone or email change (AUTH-10), else None."""
    from walletdesk.identity.models import User

    changed_at = (
        User.objects.filter(pk=user_id).values_list("contact_changed_at", flat=True).first()
        if any(f.name == "contact_changed_at" for f in User._meta.get_fields())
        else None
    )
    if changed_at is None:
        return None
    until = changed_at + WITHDRAWAL_HOLD_AFTER_CONTACT_CHANGE
    return until if until > timezone.now() else None
