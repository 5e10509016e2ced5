"""New passwords, password reset (AUTH-9) and password change."""

from __future__ import annotations

import contextlib

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from walletdesk.core.actors import Actor
from walletdesk.identity import audit, otp, sessions, throttle
from walletdesk.identity.actions._shared import _notify, _now_text, _username_key
from walletdesk.identity.actions.alerts import _security_change, freeze_link
from walletdesk.identity.actions.second_factor import has_totp, use_recovery_code, verify_totp
from walletdesk.identity.audit import Actions, RequestMeta
from walletdesk.identity.devices import hash_device_token
from walletdesk.identity.enums import OtpChannel, OtpPurpose
from walletdesk.identity.errors import (
    CodeCooldownError,
    CodeInvalidError,
    CodeSendLimitedError,
    InvalidCredentialsError,
    SecondFactorRequiredError,
)
from walletdesk.identity.models import (
    Device,
    User,
    UserSession,
)


def validate_new_password(password: str, user: User | None = None) -> None:
    """AUTH-2: 12..128 characters, any Unicode, not common, not about us or the user."""
    password_validation.validate_password(password, user)
    lowered = password.lower()
    for word in ("walletdesk", "wallet", "钱包"):
        rest = "".join(lowered.replace(word, "").split())
        if word in lowered and len(rest) < 10:
            raise ValidationError(
                _("Your password is too close to the name of this service."),
                code="password_context",
            )


def _owners_device_scope(user: User | None, device_token: str | None) -> str:
    """ "device:<id>" when the request carries the cookie of a device this account signed in
    on before, else "". Rate limits and code-failure budgets of the password reset are kept
    apart for it: a third party can spend the shared ones, never the owner's own."""
    if user is None or not device_token:
        return ""
    device_id = (
        Device.objects.filter(
            user=user, cookie_hash=hash_device_token(device_token), forgotten_at__isnull=True
        )
        .values_list("pk", flat=True)
        .first()
    )
    return f"device:{device_id}" if device_id else ""


def request_password_reset(
    identifier: str, *, meta: RequestMeta, device_token: str | None = None
) -> str:
    """Send a reset code if the account exists. Always returns the normalised key, never tells."""
    key = _username_key(identifier)
    user = User.objects.filter(login_name=key, is_active=True).first()
    scope = _owners_device_scope(user, device_token)
    bucket = f"{key}|{scope}" if scope else key
    hourly = throttle.hit(throttle.RESET_HOURLY, bucket)
    daily = throttle.hit(throttle.RESET_DAILY, bucket)
    if hourly > throttle.RESET_HOURLY.limit or daily > throttle.RESET_DAILY.limit:
        audit.record(Actions.RATE_LIMITED, "denied", subject=user, meta=meta, what="password_reset")
        return key
    audit.record(
        Actions.PASSWORD_RESET_REQUEST, "ok" if user else "unknown", subject=user, meta=meta
    )
    if user is not None:
        channel = OtpChannel.SMS if key.startswith("+") else OtpChannel.EMAIL
        with contextlib.suppress(CodeCooldownError, CodeSendLimitedError):
            otp.issue_code(
                user, OtpPurpose.PASSWORD_RESET, channel=channel, target=key, ip=meta.ip, meta=meta
            )
    return key


def reset_password(
    key: str,
    code: str,
    new_password: str,
    second_factor: str,
    *,
    meta: RequestMeta,
    device_token: str | None = None,
) -> User:
    """Finish a reset: code, then (for 2FA accounts) TOTP or recovery code, then the password.

    Every session and API token is revoked and the other channel is told. On a device the owner
    signed in on before, wrong codes count against that device's own budget."""
    user = User.objects.filter(login_name=key, is_active=True).first()
    if user is None:
        raise CodeInvalidError()
    scope = _owners_device_scope(user, device_token)
    validate_new_password(new_password, user)
    if has_totp(user):
        if not second_factor:
            raise SecondFactorRequiredError()
        if otp.is_well_formed(second_factor):
            verify_totp(user, second_factor, meta=meta, throttle_scope=scope)
        else:
            use_recovery_code(user, second_factor, meta=meta, throttle_scope=scope)
    otp.verify_code(
        user, OtpPurpose.PASSWORD_RESET, code, target=key, meta=meta, throttle_scope=scope
    )
    with transaction.atomic():
        user.set_password(new_password)
        user.failed_login_streak = 0
        user.security_changed_at = timezone.now()
        user.save(update_fields=["password", "failed_login_streak", "security_changed_at"])
        sessions.revoke_everything(user, reason="password_reset")
        audit.record(Actions.PASSWORD_RESET, subject=user, meta=meta)
        # Tell the customer on the *other* channel; with only one channel, on that one.
        by_phone = key.startswith("+")
        other = "email" if by_phone else "sms"
        has_other = bool(user.email if by_phone else user.phone)
        channels = ["inbox", other if has_other else ("sms" if by_phone else "email")]
        _notify(
            user.pk,
            "security_change",
            {
                "change": _("Your password was reset"),
                "time": _now_text(),
                "link": freeze_link(user.pk),
            },
            channels=channels,
        )
    # The owner proved the phone or email: sign-in reopens, whatever a third party tried.
    for name in {key, user.login_name}:
        throttle.clear_lockout(throttle.LOGIN_LOCK_USERNAME, name)
    return user


def change_password(
    user: User, old: str, new: str, *, keep: UserSession | None, actor: Actor
) -> None:
    """Every other session of `user` is signed out; `keep` (the caller's own) stays, and the
    web caller then refreshes its session's auth hash (`update_session_auth_hash`)."""
    meta = RequestMeta.from_actor(actor)
    if not user.check_password(old):
        throttle.hit(throttle.OTP_FAILURES, str(user.pk))
        audit.record(Actions.PASSWORD_CHANGE, "failed", subject=user, meta=meta)
        raise InvalidCredentialsError()
    validate_new_password(new, user)
    with transaction.atomic():
        user.set_password(new)
        user.security_changed_at = timezone.now()
        user.save(update_fields=["password", "security_changed_at"])
        sessions.revoke_everything(user, reason="password_change", keep=keep)
        audit.record(Actions.PASSWORD_CHANGE, subject=user, meta=meta)
        _security_change(user, _("Your password was changed"))
