"""What the agent console's customer 360 shows of a customer's identity: profile, verification,
masked contact, freezes and holds, recent sign-ins and devices, and the risk flags derived from
them. A fixed number of queries whatever the history's length (the panel's count is pinned)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from walletdesk.core.ids import valid_uuids
from walletdesk.core.masking import mask_email, mask_phone
from walletdesk.identity.actions.holds import hold_from
from walletdesk.identity.enums import LoginResult
from walletdesk.identity.models import (
    Device,
    KycSubmission,
    LoginEvent,
    PaymentCredential,
    User,
)

RECENT_LOGINS = 5
RECENT_DEVICES = 5
# Failed sign-ins within a day at or above which the account is flagged.
FAILED_LOGINS_FLAG = 3
NEW_DEVICE_DAYS = 7


@dataclass(frozen=True, slots=True)
class LoginLine:
    occurred_at: datetime
    result: str
    result_label: str
    device_label: str
    region: str
    new_device: bool


@dataclass(frozen=True, slots=True)
class DeviceLine:
    label: str
    region: str
    first_seen_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class RiskFlag:
    code: str
    label: str


@dataclass(frozen=True, slots=True)
class CustomerIdentity:
    user_id: int
    public_id: str
    display_name: str
    masked_phone: str
    masked_email: str
    language: str
    joined_at: datetime
    kyc_level: int
    kyc_status: str
    # The pending submission's public id (the console's review form), else "".
    kyc_submission_id: str
    frozen_at: datetime | None
    closed: bool
    payment_password_locked_until: datetime | None
    outflow_hold_until: datetime | None
    logins: tuple[LoginLine, ...]
    devices: tuple[DeviceLine, ...]
    risk_flags: tuple[RiskFlag, ...]


def customer_identity(user_id: int) -> CustomerIdentity | None:
    """None for an unknown id or a staff account (the console shows customers only)."""
    user = User.objects.filter(pk=user_id, role="customer").first()
    if user is None:
        return None
    now = timezone.now()
    locked_until = (
        PaymentCredential.objects.filter(user_id=user_id)
        .values_list("locked_until", flat=True)
        .first()
    )
    latest = (
        KycSubmission.objects.filter(user_id=user_id)
        .order_by("-submitted_at", "-pk")
        .values_list("status", "public_id")
        .first()
    )
    kyc_status = latest[0] if latest is not None else ""
    logins = [
        LoginLine(
            occurred_at=row.occurred_at,
            result=row.result,
            result_label=str(LoginResult(row.result).label),
            device_label=row.device_label,
            region=row.region,
            new_device=row.new_device,
        )
        for row in LoginEvent.objects.filter(user_id=user_id).order_by("-occurred_at", "-pk")[
            :RECENT_LOGINS
        ]
    ]
    devices = [
        DeviceLine(
            label=row.label,
            region=row.region,
            first_seen_at=row.first_seen_at,
            last_seen_at=row.last_seen_at,
        )
        for row in Device.objects.filter(user_id=user_id, forgotten_at__isnull=True).order_by(
            "-last_seen_at"
        )[:RECENT_DEVICES]
    ]
    hold = hold_from(user.security_changed_at, user.contact_changed_at)
    locked = locked_until if locked_until is not None and locked_until > now else None
    flags: list[RiskFlag] = []
    if user.frozen_at is not None:
        flags.append(RiskFlag("frozen", _("Account frozen")))
    failed = sum(
        1
        for line in logins
        if line.result in (LoginResult.FAILED, LoginResult.LOCKED)
        and line.occurred_at >= now - timedelta(days=1)
    )
    if failed >= FAILED_LOGINS_FLAG or user.failed_login_streak >= FAILED_LOGINS_FLAG:
        flags.append(RiskFlag("failed_logins", _("Repeated failed sign-ins")))
    if any(
        line.new_device and line.occurred_at >= now - timedelta(days=NEW_DEVICE_DAYS)
        for line in logins
    ):
        flags.append(RiskFlag("new_device", _("Signed in on a new device this week")))
    if hold is not None and hold.contact_change:
        flags.append(RiskFlag("contact_changed", _("Phone or email changed recently")))
    if locked is not None:
        flags.append(RiskFlag("payment_password_locked", _("Payment password locked")))
    return CustomerIdentity(
        user_id=user.pk,
        public_id=str(user.public_id),
        display_name=user.display_name or user.login_name[:1] + "***",
        masked_phone=mask_phone(user.phone or ""),
        masked_email=mask_email(user.email) if user.email else "",
        language=user.preferred_language,
        joined_at=user.date_joined,
        kyc_level=user.kyc_level,
        kyc_status=kyc_status,
        kyc_submission_id=str(latest[1]) if latest is not None and kyc_status == "pending" else "",
        frozen_at=user.frozen_at,
        closed=user.closed_at is not None,
        payment_password_locked_until=locked,
        outflow_hold_until=hold.until if hold is not None else None,
        logins=tuple(logins),
        devices=tuple(devices),
        risk_flags=tuple(flags),
    )


@dataclass(frozen=True, slots=True)
class SecurityRecord:
    """A device or a sign-in of the customer's that a support ticket is about, with its state now
    (a device removed since, the sign-in's result); `public_id` is what the ticket link stores."""

    kind: str  # "device" or "login"
    public_id: str
    title: str
    status: str
    status_label: str
    created_at: datetime
    url: str


def customer_security_records(
    user_id: int, *, devices: Iterable[str] = (), logins: Iterable[str] = ()
) -> dict[tuple[str, str], SecurityRecord]:
    """The customer's own devices (by public id) and sign-ins (by id) among those asked for, one
    query per kind asked; another customer's row or a malformed id is simply absent."""
    device_ids = valid_uuids(devices)
    login_ids = [int(value) for value in logins if str(value).isdigit() and len(str(value)) < 19]
    url = reverse("identity:devices")
    found: dict[tuple[str, str], SecurityRecord] = {}
    if device_ids:
        for device in Device.objects.filter(user_id=user_id, public_id__in=device_ids):
            removed = device.forgotten_at is not None
            found[("device", str(device.public_id))] = SecurityRecord(
                kind="device",
                public_id=str(device.public_id),
                title=device.label or _("Unknown device"),
                status="removed" if removed else "active",
                status_label=pgettext("device", "Removed")
                if removed
                else pgettext("device", "In use"),
                created_at=device.first_seen_at,
                url=url,
            )
    if login_ids:
        for event in LoginEvent.objects.filter(user_id=user_id, pk__in=login_ids):
            found[("login", str(event.pk))] = SecurityRecord(
                kind="login",
                public_id=str(event.pk),
                title=event.device_label or _("Unknown device"),
                status=event.result,
                status_label=str(LoginResult(event.result).label),
                created_at=event.occurred_at,
                url=url,
            )
    return found
