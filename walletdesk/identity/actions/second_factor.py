"""Step-up, authenticator apps, SMS sign-in codes and recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from walletdesk.core.actors import Actor
from walletdesk.identity import audit, otp, sessions, throttle, totp
from walletdesk.identity.actions.alerts import _security_change
from walletdesk.identity.audit import Actions, RequestMeta
from walletdesk.identity.enums import OtpPurpose
from walletdesk.identity.errors import (
    CodeInvalidError,
    IdentifierTakenError,
    InvalidCredentialsError,
    StepUpRequiredError,
)
from walletdesk.identity.models import (
    RecoveryCode,
    TotpDevice,
    User,
)

RECOVERY_CODE_COUNT = 10


def has_totp(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def send_step_up_code(user: User, *, actor: Actor) -> otp.IssuedCode:
    meta = RequestMeta.from_actor(actor)
    return otp.issue_code(user, OtpPurpose.STEP_UP, ip=meta.ip, meta=meta)


def step_up(user: User, password: str, code: str, *, kind: str, actor: Actor) -> None:
    """Password + a current factor (SMS/email code or TOTP) → fresh step-up for 5 minutes.

    Returns normally when both check out; the caller then marks its session
    (`sessions.mark_step_up`), before anything else happens on it."""
    meta = RequestMeta.from_actor(actor)
    if throttle.is_limited(throttle.OTP_FAILURES, str(user.pk)):
        raise CodeInvalidError()
    if not user.check_password(password):
        throttle.hit(throttle.OTP_FAILURES, str(user.pk))
        audit.record(Actions.STEP_UP, "failed", subject=user, meta=meta)
        raise InvalidCredentialsError()
    if kind == "totp":
        verify_totp(user, code, meta=meta)
    else:
        otp.verify_code(user, OtpPurpose.STEP_UP, code, meta=meta)
    audit.record(Actions.STEP_UP, "ok", subject=user, meta=meta)


def require_step_up(stepped_up_at: float | None) -> None:
    """`stepped_up_at`: when the caller's session last stepped up (`sessions.step_up_time`)."""
    if not sessions.is_recent_step_up(stepped_up_at):
        raise StepUpRequiredError()


def start_totp_setup(user: User) -> TotpDevice:
    device, created = TotpDevice.objects.get_or_create(
        user=user, defaults={"secret": totp.new_secret()}
    )
    if not created and device.confirmed_at is None:
        device.secret = totp.new_secret()
        device.save(update_fields=["secret"])
    return device


def verify_totp(
    user: User,
    code: str,
    *,
    meta: RequestMeta,
    confirming: bool = False,
    throttle_scope: str = "",
) -> None:
    key = otp.failure_key(user.pk, throttle_scope)
    if throttle.is_limited(throttle.OTP_FAILURES, key):
        raise CodeInvalidError()
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        usable = device is not None and (confirming or device.confirmed_at is not None)
        step = (
            totp.match_step(device.secret, code, device.last_used_step)
            if usable and device
            else None
        )
        if device is not None and step is not None:
            device.last_used_step = step
            device.save(update_fields=["last_used_step"])
        audit.record(
            Actions.OTP_VERIFY, "ok" if step else "failed", subject=user, meta=meta, kind="totp"
        )
    if step is None:
        throttle.hit(throttle.OTP_FAILURES, key)
        raise CodeInvalidError()


def confirm_totp(user: User, code: str, *, actor: Actor) -> list[str]:
    meta = RequestMeta.from_actor(actor)
    verify_totp(user, code, meta=meta, confirming=True)
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).update(confirmed_at=timezone.now())
        audit.record(Actions.TOTP_ENABLE, subject=user, meta=meta)
        codes = _new_recovery_codes(user, meta)
        _security_change(user, _("An authenticator app was turned on"))
    return codes


def disable_totp(user: User, *, actor: Actor) -> None:
    meta = RequestMeta.from_actor(actor)
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        audit.record(Actions.TOTP_DISABLE, subject=user, meta=meta)
        _security_change(user, _("The authenticator app was turned off"))


def set_sms_second_factor(user: User, enabled: bool, *, actor: Actor) -> None:
    meta = RequestMeta.from_actor(actor)
    if not user.phone:
        raise IdentifierTakenError()
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(sms_second_factor=enabled)
        audit.record(
            Actions.TOTP_ENABLE if enabled else Actions.TOTP_DISABLE,
            subject=user,
            meta=meta,
            kind="sms",
        )
        _security_change(
            user,
            _("SMS sign-in codes were turned on")
            if enabled
            else _("SMS sign-in codes were turned off"),
        )


def _recovery_digest(user_id: int, code: str) -> str:
    key = hashlib.sha256(b"walletdesk.recovery|" + settings.SECRET_KEY.encode()).digest()
    normalised = code.replace("-", "").replace(" ", "").lower()
    return hmac.new(key, f"{user_id}|{normalised}".encode(), hashlib.sha256).hexdigest()


def _new_recovery_codes(user: User, meta: RequestMeta) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = []
    for _i in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(alphabet) for _j in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_recovery_digest(user.pk, code)) for code in codes
    )
    audit.record(Actions.RECOVERY_CODES, subject=user, meta=meta, count=len(codes))
    return codes


def regenerate_recovery_codes(user: User, *, actor: Actor) -> list[str]:
    meta = RequestMeta.from_actor(actor)
    with transaction.atomic():
        return _new_recovery_codes(user, meta)


def use_recovery_code(
    user: User, code: str, *, meta: RequestMeta, throttle_scope: str = ""
) -> None:
    key = otp.failure_key(user.pk, throttle_scope)
    if throttle.is_limited(throttle.OTP_FAILURES, key) or len(code) > 20:
        raise CodeInvalidError()
    digest = _recovery_digest(user.pk, code)
    with transaction.atomic():
        row = (
            RecoveryCode.objects.select_for_update()
            .filter(user=user, used_at__isnull=True, code_hash=digest)
            .first()
        )
        if row is not None:
            row.used_at = timezone.now()
            row.save(update_fields=["used_at"])
        audit.record(Actions.RECOVERY_CODE_USED, "ok" if row else "failed", subject=user, meta=meta)
    if row is None:
        throttle.hit(throttle.OTP_FAILURES, key)
        raise CodeInvalidError()
