"""The outflow hold after a password, phone or email change or a new device."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from walletdesk.identity.actions._shared import _identity_settings
from walletdesk.identity.models import (
    User,
)


def mark_security_change(user_id: int) -> None:
    """Start the outflow hold: a password, phone or email change, or a new device."""
    User.objects.filter(pk=user_id).update(security_changed_at=timezone.now())


@dataclass(frozen=True, slots=True)
class OutflowHold:
    """Money may not leave the wallet (except to payees paid before `since`) until `until`.
    `contact_change` says whether a phone or email change is behind it (withdrawals keep their
    own code for that case)."""

    since: datetime
    until: datetime
    contact_change: bool


def outflow_hold(user_id: int) -> OutflowHold | None:
    """The hold after the latest password, phone or email change or new-device sign-in."""
    row = (
        User.objects.filter(pk=user_id)
        .values_list("security_changed_at", "contact_changed_at")
        .first()
    )
    return None if row is None else hold_from(*row)


def hold_from(security: datetime | None, contact: datetime | None) -> OutflowHold | None:
    """`outflow_hold` from the two timestamps of an account row the caller already has."""
    hours = timedelta(hours=_identity_settings()["CONTACT_CHANGE_HOLD_HOURS"])
    now = timezone.now()
    since = max((moment for moment in (security, contact) if moment is not None), default=None)
    if since is None or since + hours <= now:
        return None
    contact_change = contact is not None and contact + hours > now
    return OutflowHold(since=since, until=since + hours, contact_change=contact_change)


def withdrawals_blocked_until(user_id: int) -> datetime | None:
    changed = User.objects.filter(pk=user_id).values_list("contact_changed_at", flat=True).first()
    if changed is None:
        return None
    until = changed + timedelta(hours=_identity_settings()["CONTACT_CHANGE_HOLD_HOURS"])
    return until if until > timezone.now() else None
