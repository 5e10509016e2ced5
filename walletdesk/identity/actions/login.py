"""Sign-in: the second factor at sign-in, the sign-in history and the devices it knows.

The steps that read or write the web session (password check with its lockouts, pending
second factor, signing the session in and out) are in `walletdesk.identity.web_session`."""

from __future__ import annotations

from dataclasses import dataclass

from walletdesk.identity import otp
from walletdesk.identity.actions.second_factor import has_totp, use_recovery_code, verify_totp
from walletdesk.identity.audit import RequestMeta
from walletdesk.identity.devices import describe_user_agent
from walletdesk.identity.enums import OtpPurpose
from walletdesk.identity.models import (
    Device,
    LoginEvent,
    User,
    UserSession,
)
from walletdesk.identity.regions import ip_prefix, region_for


@dataclass(frozen=True, slots=True)
class LoginOutcome:
    user: User
    needs_second_factor: bool


def needs_second_factor(user: User) -> bool:
    return user.is_staff or user.sms_second_factor or has_totp(user)


def verify_second_factor(user: User, code: str, *, kind: str, meta: RequestMeta) -> None:
    if kind == "totp":
        verify_totp(user, code, meta=meta)
    elif kind == "recovery":
        use_recovery_code(user, code, meta=meta)
    else:
        otp.verify_code(user, OtpPurpose.LOGIN, code, meta=meta)


def _login_event(
    user: User,
    meta: RequestMeta,
    result: str,
    *,
    method: str = "password",
    new_device: bool = False,
) -> None:
    LoginEvent.objects.create(
        user=user,
        ip=meta.ip or None,
        user_agent=meta.user_agent,
        device_label=describe_user_agent(meta.user_agent),
        region=region_for(meta.ip) if meta.ip else "",
        method=method,
        result=result,
        new_device=new_device,
    )


NETWORK_HISTORY = 50


def _networks_of(device: Device) -> set[str]:
    """The /24 (IPv4) and /48 (IPv6) networks this device signed in from (its last
    NETWORK_HISTORY sessions): a known device on one of them is not a new location."""
    ips = (
        UserSession.objects.filter(device=device, ip__isnull=False)
        .order_by("-pk")
        .values_list("ip", flat=True)[:NETWORK_HISTORY]
    )
    return {device.ip_prefix, *(ip_prefix(str(ip)) for ip in ips)} - {""}
