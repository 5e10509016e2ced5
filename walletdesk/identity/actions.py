"""Every write in identity: sign-up, sign-in, second factors, recovery, contact changes,
emergency freeze, profile, closure. Views and API endpoints call these and nothing else.

Functions that verify a code must run outside the caller's transaction (like
`verify_payment_password`): a wrong attempt has to stay counted while the request is refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, login, password_validation
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from walletdesk.core.db import on_commit
from walletdesk.identity import audit, otp, sessions, throttle, totp, unfreeze_review
from walletdesk.identity.audit import Actions, RequestMeta
from walletdesk.identity.devices import describe_user_agent, ensure_device_token, hash_device_token
from walletdesk.identity.enums import LoginResult, OtpChannel, OtpPurpose, Role
from walletdesk.identity.errors import (
    AccountFrozenError,
    ClosureBlockedError,
    CodeCooldownError,
    CodeInvalidError,
    CodeSendLimitedError,
    IdentifierTakenError,
    InvalidCredentialsError,
    LoginThrottledError,
    RateLimitedActionError,
    SecondFactorRequiredError,
    StepUpRequiredError,
    UnfreezeCoolOffError,
)
from walletdesk.identity.identifiers import (
    check_identifier_characters,
    normalise_email,
    normalise_login_name,
    normalise_phone,
)
from walletdesk.identity.models import (
    Device,
    LoginEvent,
    RecoveryCode,
    TotpDevice,
    UnfreezeRequest,
    User,
    UserSession,
)
from walletdesk.identity.regions import ip_prefix, region_for
from walletdesk.identity.text import clean_display_text, skeleton

PASSWORD_BACKEND = "walletdesk.identity.backends.LoginNameBackend"  # noqa: S105
PASSKEY_BACKEND = "walletdesk.identity.backends.PasskeyBackend"
CONSECUTIVE_FAILURE_CEILING = 100  # NIST 800-63B §5.2.2; then only a password reset unlocks
JUST_CREATED = timedelta(hours=1)
PENDING_2FA_KEY = "_wd_pending_2fa"
PENDING_2FA_TTL = 300
FREEZE_LINK_SALT = "walletdesk.identity.freeze-link"
FREEZE_LINK_MAX_AGE = 7 * 86400
RECOVERY_CODE_COUNT = 10


def _identity_settings() -> dict[str, Any]:
    values: dict[str, Any] = settings.WALLETDESK_IDENTITY
    return values


def _now_text() -> str:
    return timezone.localtime().strftime("%Y-%m-%d %H:%M")


def _notify(user_id: int, kind: str, context: dict[str, Any], **kwargs: Any) -> None:
    from walletdesk.notifications import facade as notifications

    notifications.notify(user_id, kind, context, **kwargs)


# --- Passwords ------------------------------------------------------------------------------


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


# --- Sign-up --------------------------------------------------------------------------------


def is_pending_signup(user: User) -> bool:
    return not user.is_active and user.closed_at is None and user.last_login is None


def start_signup(identifier: str, password: str, display_name: str, *, meta: RequestMeta) -> str:
    """Check the input, hash the password, and queue the rest (`register_signup`) as a job.

    The request does the same work whether or not the identifier is registered: the same checks,
    one run of the password hasher, the same queries, one job queued. Whether the account exists
    is only looked at in the job, after the response has gone (issue 12: the signup's timing
    told registered numbers apart). Returns the normalised login name, which the verify step
    uses to find the pending account; a registered owner gets a heads-up instead of a code.
    """
    check_identifier_characters(identifier)
    login_name = normalise_login_name(identifier)
    if login_name is None:
        raise IdentifierTakenError()
    name = _clean_display_name(display_name)
    validate_new_password(password, User(login_name=login_name, display_name=name))
    if throttle.hit(throttle.SIGNUP_IP, meta.ip) > throttle.SIGNUP_IP.limit:
        audit.record(Actions.RATE_LIMITED, "denied", meta=meta, what="signup")
        return login_name
    password_hash = make_password(password)
    on_commit(_queue_signup, login_name, password_hash, name, meta.ip, meta.user_agent)
    return login_name


def _queue_signup(
    login_name: str, password_hash: str, display_name: str, ip: str, user_agent: str
) -> None:
    from walletdesk.identity.tasks import process_signup

    process_signup.delay(login_name, password_hash, display_name, ip, user_agent)


def register_signup(
    login_name: str, password_hash: str, display_name: str, *, meta: RequestMeta
) -> int | None:
    """The job behind `start_signup`: create (or refresh) an unverified account and send a code
    to prove the phone or email; or, when the identifier belongs to an active account, tell its
    owner someone tried (at most once an hour). Returns the pending account's id, or None."""
    name = display_name
    is_phone = login_name.startswith("+")
    with transaction.atomic():
        user = User.objects.select_for_update().filter(login_name=login_name).first()
        if user is not None and not is_pending_signup(user):
            audit.record(Actions.SIGNUP, "existing", subject=user, meta=meta)
            if throttle.hit(throttle.RESET_HOURLY, f"signup-notice:{login_name}") <= 1:
                _notify(user.pk, "signup_attempt", {"time": _now_text()})
            return None
        if user is None:
            try:
                with transaction.atomic():
                    user = User(
                        login_name=login_name,
                        password=password_hash,
                        phone=login_name if is_phone else None,
                        email=None if is_phone else login_name,
                        display_name=name,
                        is_active=False,
                    )
                    user.save()
            except IntegrityError:
                return None
        else:
            user.password = password_hash
            user.display_name = name
            user.save(update_fields=["password", "display_name"])
        audit.record(Actions.SIGNUP, "pending", subject=user, meta=meta)
    with contextlib.suppress(CodeCooldownError, CodeSendLimitedError):
        otp.issue_code(user, OtpPurpose.SIGNUP, ip=meta.ip, meta=meta)
    return user.pk


def complete_signup(login_name: str, code: str, *, meta: RequestMeta) -> User:
    user = User.objects.filter(login_name=login_name).first()
    if user is None or not is_pending_signup(user):
        raise CodeInvalidError()
    otp.verify_code(user, OtpPurpose.SIGNUP, code, meta=meta)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=True, date_joined=timezone.now())
        audit.record(Actions.SIGNUP, "ok", subject=user, meta=meta)
    user.refresh_from_db()
    return user


# --- Sign-in --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoginOutcome:
    user: User
    needs_second_factor: bool


def _username_key(identifier: str) -> str:
    return normalise_login_name(identifier) or identifier.strip().lower()[:254]


def check_password_login(
    request: HttpRequest, identifier: str, password: str, *, establish_session: bool = True
) -> LoginOutcome:
    """First step of a password login, with AUTH-3 throttling.

    Every 5th consecutive failure on a username (10th for staff) starts a cool-off of 30 min,
    1 h, 2 h, … capped at 24 h; 20 failures from one IP inside 10 minutes lock that IP on the
    same schedule. A third party guessing as fast as the locks allow needs about two weeks to
    reach CONSECUTIVE_FAILURE_CEILING, the only thing that closes the password path for good,
    and the owner reopens it with a password reset through their verified phone or email.

    Refusals are InvalidCredentialsError (400) or LoginThrottledError (429) with bodies that do not
    depend on whether the account exists.
    """
    meta = RequestMeta.from_request(request)
    key = _username_key(identifier)
    user = User.objects.filter(login_name=key).first()
    lock = (
        throttle.LOGIN_LOCK_USERNAME_STAFF
        if user is not None and user.is_staff
        else throttle.LOGIN_LOCK_USERNAME
    )
    locked = (
        throttle.locked_for(throttle.LOGIN_LOCK_IP, meta.ip) > 0
        or throttle.locked_for(lock, key) > 0
        or (user is not None and user.failed_login_streak >= CONSECUTIVE_FAILURE_CEILING)
    )
    if locked:
        audit.record(Actions.LOGIN, "locked", subject=user, meta=meta)
        if user is not None:
            _login_event(user, meta, LoginResult.LOCKED)
        raise LoginThrottledError()
    authed = authenticate(request, username=identifier, password=password)
    if authed is None:
        streak: int | None = None
        audit.record(Actions.LOGIN, "failed", subject=user, meta=meta)
        if user is not None:
            User.objects.filter(pk=user.pk).update(failed_login_streak=F("failed_login_streak") + 1)
            streak = (
                User.objects.filter(pk=user.pk)
                .values_list("failed_login_streak", flat=True)
                .first()
            )
            _login_event(user, meta, LoginResult.FAILED)
        cool_off = throttle.record_failure(lock, key, consecutive=streak)
        if cool_off:
            audit.record(
                Actions.LOCKOUT,
                "locked",
                subject=user,
                meta=meta,
                limit=lock.threshold,
                cool_off_seconds=cool_off,
            )
        if streak is not None and streak == CONSECUTIVE_FAILURE_CEILING:
            audit.record(Actions.LOCKOUT, "closed", subject=user, meta=meta, streak=streak)
        ip_cool_off = throttle.record_failure(throttle.LOGIN_LOCK_IP, meta.ip)
        if ip_cool_off:
            audit.record(
                Actions.LOCKOUT, "locked", meta=meta, scope="ip", cool_off_seconds=ip_cool_off
            )
        raise InvalidCredentialsError()
    assert isinstance(authed, User)
    throttle.clear_lockout(lock, key)
    if authed.failed_login_streak:
        User.objects.filter(pk=authed.pk).update(failed_login_streak=0)
    if not establish_session:
        return LoginOutcome(authed, needs_second_factor(authed))
    if needs_second_factor(authed):
        request.session[PENDING_2FA_KEY] = {"user": authed.pk, "at": time.time()}
        _login_event(authed, meta, LoginResult.SECOND_FACTOR)
        audit.record(Actions.LOGIN, "second_factor", subject=authed, meta=meta)
        return LoginOutcome(authed, True)
    complete_login(request, authed, method="password")
    return LoginOutcome(authed, False)


def needs_second_factor(user: User) -> bool:
    return user.is_staff or user.sms_second_factor or has_totp(user)


def has_totp(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def pending_second_factor_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING_2FA_KEY)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_2FA_TTL:
        return None
    user_id = pending.get("user")
    if not isinstance(user_id, int):
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def send_login_code(request: HttpRequest) -> otp.IssuedCode:
    user = pending_second_factor_user(request)
    if user is None or not user.phone:
        raise SecondFactorRequiredError()
    meta = RequestMeta.from_request(request)
    return otp.issue_code(user, OtpPurpose.LOGIN, channel=OtpChannel.SMS, ip=meta.ip, meta=meta)


def complete_second_factor(request: HttpRequest, code: str, *, kind: str) -> User:
    """Finish a login with a TOTP code, an SMS code or a recovery code."""
    user = pending_second_factor_user(request)
    if user is None:
        raise SecondFactorRequiredError()
    verify_second_factor(user, code, kind=kind, meta=RequestMeta.from_request(request))
    request.session.pop(PENDING_2FA_KEY, None)
    complete_login(request, user, method=kind)
    return user


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


def complete_login(request: HttpRequest, user: User, *, method: str) -> None:
    """Sign the user in: new session id, session index row, device check, history, alert."""
    meta = RequestMeta.from_request(request)
    backend = PASSKEY_BACKEND if method == "passkey" else PASSWORD_BACKEND
    with transaction.atomic():
        first_login = not LoginEvent.objects.filter(
            user=user, result=LoginResult.SUCCEEDED
        ).exists()
        device, is_new_device, region_changed = _recognise_device(request, user, meta)
        login(request, user, backend=backend)  # cycles the session key; signal indexes it
        row = sessions.current_session(request)
        if row is not None:
            row.device = device
            row.save(update_fields=["device"])
        alert = (is_new_device or region_changed) and not (
            first_login and timezone.now() - user.date_joined < JUST_CREATED
        )
        _login_event(user, meta, LoginResult.SUCCEEDED, method=method, new_device=is_new_device)
        audit.record(Actions.LOGIN, "ok", subject=user, actor=user, meta=meta, method=method)
        if alert and is_new_device:
            mark_security_change(user.pk)
        if alert:
            audit.record(
                Actions.NEW_DEVICE,
                "alerted",
                subject=user,
                actor=user,
                meta=meta,
                device=device.label,
                region=device.region,
            )
            _notify(
                user.pk,
                "new_device",
                {
                    "time": _now_text(),
                    "device": device.label,
                    "region": _(device.region) if device.region else _("unknown region"),
                    "ip": meta.ip or "-",
                    "link": freeze_link(user.pk, request),
                },
            )


def _recognise_device(
    request: HttpRequest, user: User, meta: RequestMeta
) -> tuple[Device, bool, bool]:
    token = ensure_device_token(request)
    digest = hash_device_token(token)
    label = describe_user_agent(meta.user_agent)
    region = region_for(meta.ip) if meta.ip else ""
    device = Device.objects.filter(user=user, cookie_hash=digest, forgotten_at__isnull=True).first()
    now = timezone.now()
    if device is None:
        device, _created = Device.objects.update_or_create(
            user=user,
            cookie_hash=digest,
            defaults={
                "label": label,
                "ip_prefix": ip_prefix(meta.ip),
                "region": region,
                "first_seen_at": now,
                "last_seen_at": now,
                "forgotten_at": None,
            },
        )
        return device, True, False
    network = ip_prefix(meta.ip)
    region_changed = (
        bool(region)
        and region != device.region
        and bool(network)
        and network not in _networks_of(device)
    )
    device.last_seen_at = now
    device.label = label
    device.ip_prefix = network
    device.region = region or device.region
    device.save(update_fields=["last_seen_at", "label", "ip_prefix", "region"])
    return device, False, region_changed


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


def log_out(request: HttpRequest) -> None:
    from django.contrib.auth import logout

    row = sessions.current_session(request)
    user = request.user if request.user.is_authenticated else None
    if row is not None:
        sessions.revoke_rows(type(row).objects.filter(pk=row.pk), "logout")
    if isinstance(user, User):
        audit.record(Actions.LOGOUT, subject=user, actor=user, request=request)
        sessions.force_close_websockets(user.pk, "logout")
    logout(request)


# --- Step-up and second factors -------------------------------------------------------------


def send_step_up_code(request: HttpRequest, user: User) -> otp.IssuedCode:
    meta = RequestMeta.from_request(request)
    return otp.issue_code(user, OtpPurpose.STEP_UP, ip=meta.ip, meta=meta)


def step_up(request: HttpRequest, user: User, password: str, code: str, *, kind: str) -> None:
    """Password + a current factor (SMS/email code or TOTP) → fresh step-up for 5 minutes."""
    meta = RequestMeta.from_request(request)
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
    sessions.mark_step_up(request)
    audit.record(Actions.STEP_UP, "ok", subject=user, meta=meta)


def require_step_up(request: HttpRequest) -> None:
    if not sessions.has_recent_step_up(request):
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


def confirm_totp(user: User, code: str, *, meta: RequestMeta) -> list[str]:
    verify_totp(user, code, meta=meta, confirming=True)
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).update(confirmed_at=timezone.now())
        audit.record(Actions.TOTP_ENABLE, subject=user, meta=meta)
        codes = _new_recovery_codes(user, meta)
        _security_change(user, _("An authenticator app was turned on"))
    return codes


def disable_totp(user: User, *, meta: RequestMeta) -> None:
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        audit.record(Actions.TOTP_DISABLE, subject=user, meta=meta)
        _security_change(user, _("The authenticator app was turned off"))


def set_sms_second_factor(user: User, enabled: bool, *, meta: RequestMeta) -> None:
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


def regenerate_recovery_codes(user: User, *, meta: RequestMeta) -> list[str]:
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


def _security_change(user: User, change: str) -> None:
    _notify(
        user.pk,
        "security_change",
        {"change": change, "time": _now_text(), "link": freeze_link(user.pk)},
    )


# --- Password reset (AUTH-9) ----------------------------------------------------------------


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


def change_password(request: HttpRequest, user: User, old: str, new: str) -> None:
    meta = RequestMeta.from_request(request)
    if not user.check_password(old):
        throttle.hit(throttle.OTP_FAILURES, str(user.pk))
        audit.record(Actions.PASSWORD_CHANGE, "failed", subject=user, meta=meta)
        raise InvalidCredentialsError()
    validate_new_password(new, user)
    with transaction.atomic():
        user.set_password(new)
        user.security_changed_at = timezone.now()
        user.save(update_fields=["password", "security_changed_at"])
        keep = sessions.current_session(request)
        sessions.revoke_everything(user, reason="password_change", keep=keep)
        from django.contrib.auth import update_session_auth_hash

        update_session_auth_hash(request, user)
        audit.record(Actions.PASSWORD_CHANGE, subject=user, meta=meta)
        _security_change(user, _("Your password was changed"))


# --- Phone / email change (AUTH-10) ---------------------------------------------------------


CONTACT_PENDING_KEY = "_wd_contact_change"


def start_contact_change(request: HttpRequest, user: User, kind: str, raw: str) -> str:
    require_step_up(request)
    meta = RequestMeta.from_request(request)
    check_identifier_characters(raw)
    new = normalise_phone(raw) if kind == "phone" else normalise_email(raw)
    if new is None:
        raise IdentifierTakenError()
    key = str(user.pk)
    if throttle.is_limited(throttle.CONTACT_CHANGE_HOURLY, key) or throttle.is_limited(
        throttle.CONTACT_CHANGE_DAILY, key
    ):
        audit.record(Actions.RATE_LIMITED, "denied", subject=user, meta=meta, what="contact_change")
        raise RateLimitedActionError()
    taken = (
        User.objects.exclude(pk=user.pk)
        .filter(**({"phone": new} if kind == "phone" else {"email": new}))
        .exists()
        or User.objects.exclude(pk=user.pk).filter(login_name=new).exists()
    )
    if taken or new in (user.phone, user.email):
        raise IdentifierTakenError()
    throttle.hit(throttle.CONTACT_CHANGE_HOURLY, key)
    throttle.hit(throttle.CONTACT_CHANGE_DAILY, key)
    purpose = OtpPurpose.PHONE_CHANGE if kind == "phone" else OtpPurpose.EMAIL_CHANGE
    channel = OtpChannel.SMS if kind == "phone" else OtpChannel.EMAIL
    otp.issue_code(user, purpose, channel=channel, target=new, ip=meta.ip, meta=meta)
    request.session[CONTACT_PENDING_KEY] = {"kind": kind, "value": new}
    return new


def finish_contact_change(request: HttpRequest, user: User, code: str) -> None:
    require_step_up(request)
    meta = RequestMeta.from_request(request)
    pending = request.session.get(CONTACT_PENDING_KEY)
    if not isinstance(pending, dict):
        raise CodeInvalidError()
    kind, new = pending["kind"], pending["value"]
    purpose = OtpPurpose.PHONE_CHANGE if kind == "phone" else OtpPurpose.EMAIL_CHANGE
    otp.verify_code(user, purpose, code, target=new, meta=meta)
    old_phone, old_email = user.phone, user.email
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        old = locked.phone if kind == "phone" else locked.email
        if kind == "phone":
            locked.phone = new
        else:
            locked.email = new
        if locked.login_name == old:
            locked.login_name = new
        locked.contact_changed_at = locked.security_changed_at = timezone.now()
        try:
            with transaction.atomic():
                locked.save(
                    update_fields=[
                        "phone",
                        "email",
                        "login_name",
                        "contact_changed_at",
                        "security_changed_at",
                    ]
                )
        except IntegrityError as exc:
            raise IdentifierTakenError() from exc
        audit.record(
            Actions.PHONE_CHANGE if kind == "phone" else Actions.EMAIL_CHANGE,
            subject=locked,
            meta=meta,
        )
        change = (
            _("Your phone number was changed") if kind == "phone" else _("Your email was changed")
        )
        context = {"change": change, "time": _now_text(), "link": freeze_link(user.pk, request)}
        destinations = {}
        channels = ["inbox"]
        if old_phone:
            channels.append("sms")
            destinations["sms"] = old_phone
        if old_email or locked.email:
            channels.append("email")
            destinations["email"] = old_email or locked.email or ""
        _notify(user.pk, "security_change", context, channels=channels, destinations=destinations)
    request.session.pop(CONTACT_PENDING_KEY, None)
    sessions.clear_step_up(request)
    user.refresh_from_db()


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


# --- Emergency freeze (AUTH-12) -------------------------------------------------------------


def freeze_link(user_id: int, request: HttpRequest | None = None) -> str:
    user = User.objects.filter(pk=user_id).only("public_id").first()
    return freeze_link_for_public_id(str(user.public_id) if user else "", request)


def freeze_link_for_public_id(public_id: str, request: HttpRequest | None = None) -> str:
    token = signing.dumps({"u": public_id}, salt=FREEZE_LINK_SALT, compress=True)
    path = f"/account/freeze/link/{token}/"
    if request is not None:
        return request.build_absolute_uri(path)
    return str(settings.WALLETDESK_NOTIFICATIONS.get("SITE_URL", "")).rstrip("/") + path


def user_from_freeze_link(token: str) -> User | None:
    try:
        data = signing.loads(token, salt=FREEZE_LINK_SALT, max_age=FREEZE_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    return (
        User.objects.filter(public_id=str(data.get("u") or ""), is_active=True).first()
        if isinstance(data, dict)
        else None
    )


def emergency_freeze(
    user: User, *, source: str, meta: RequestMeta, actor: User | None = None
) -> None:
    """One action: block every debit, revoke all sessions and API tokens, close open sockets.

    All in one transaction, so a debit racing the freeze either committed before it or is refused
    by the wallet's own status check inside its transaction."""
    from walletdesk.payments.facade import (  # type: ignore[import-not-found,unused-ignore]
        ensure_wallet,
        freeze_wallet,
    )

    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        ensure_wallet(locked.pk)  # a wallet opened later must start frozen too
        freeze_wallet(locked.pk, reason=f"emergency_freeze:{source}"[:64], frozen_by="customer")
        already = locked.frozen_at is not None
        if not already:
            locked.frozen_at = timezone.now()
            locked.save(update_fields=["frozen_at"])
        sessions.revoke_everything(locked, reason="freeze")
        audit.record(
            Actions.FREEZE,
            "ok",
            subject=locked,
            actor=actor,
            meta=meta,
            source=source,
            repeated=already,
        )
        assert locked.frozen_at is not None
        available = locked.frozen_at + timedelta(
            hours=_identity_settings()["UNFREEZE_COOL_OFF_HOURS"]
        )
        _notify(
            locked.pk,
            "frozen",
            {
                "time": _now_text(),
                "available_at": timezone.localtime(available).strftime("%Y-%m-%d %H:%M"),
            },
        )


def unfreeze_available_at(user: User) -> datetime | None:
    if user.frozen_at is None:
        return None
    return user.frozen_at + timedelta(hours=_identity_settings()["UNFREEZE_COOL_OFF_HOURS"])


def self_unfreeze(request: HttpRequest, user: User, code: str) -> None:
    """Full verification: a fresh step-up (password + factor) plus an unfreeze code, after the
    cool-off. Earlier than that, the customer asks for agent review (UnfreezeRequest)."""
    require_step_up(request)
    meta = RequestMeta.from_request(request)
    available = unfreeze_available_at(user)
    if available is None:
        return
    if timezone.now() < available:
        raise UnfreezeCoolOffError(
            available_at=timezone.localtime(available).strftime("%Y-%m-%d %H:%M")
        )
    if has_totp(user):
        verify_totp(user, code, meta=meta)
    else:
        otp.verify_code(user, OtpPurpose.UNFREEZE, code, meta=meta)
    _do_unfreeze(user, meta=meta, by="customer")


def _do_unfreeze(user: User, *, meta: RequestMeta, by: str, actor: User | None = None) -> None:
    from walletdesk.payments.facade import unfreeze_wallet  # type: ignore[import-not-found,unused-ignore]

    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        unfreeze_wallet(locked.pk, frozen_by="customer")
        locked.frozen_at = None
        locked.save(update_fields=["frozen_at"])
        unfreeze_review.complete_pending(
            locked, actor=f"agent:{actor.pk}" if actor is not None else f"customer:{locked.pk}"
        )
        audit.record(Actions.UNFREEZE, subject=locked, actor=actor, meta=meta, by=by)
        _notify(locked.pk, "unfrozen", {"time": _now_text()})


def request_unfreeze_review(user: User, *, meta: RequestMeta) -> UnfreezeRequest:
    with transaction.atomic():
        existing = UnfreezeRequest.objects.filter(user=user, status="pending").first()
        if existing is not None:
            return existing
        row = unfreeze_review.open_request(user, meta=meta)
        audit.record(Actions.UNFREEZE_REQUEST, subject=user, meta=meta)
    return row


def approve_unfreeze_request(
    request_id: str, approver: User, *, meta: RequestMeta, decision_reason: str = "checked"
) -> bool:
    """Agent-review hook (ACC-4), through the approval queue (`unfreeze_review`): two different
    staff members with `identity.approve_unfreeze` must approve; the second approval lifts the
    freeze. Returns True when the account was unfrozen. The caller checks the approver's fresh
    second factor.

    Refusals (403 `permission_denied`) are audited and the audit row survives the refusal: a
    customer, staff without the permission, the account's own holder, or the first approver
    approving a second time."""
    return unfreeze_review.approve(request_id, approver, meta=meta, decision_reason=decision_reason)


# --- Profile --------------------------------------------------------------------------------


def _clean_display_name(raw: str, user: User | None = None) -> str:
    """A customer's display name is shown to payees: it may not imitate staff (UPL-7).
    Staff names themselves are set by the operator and may say who they are."""
    if not raw:
        return ""
    if user is not None and user.role != Role.CUSTOMER:
        return clean_display_text(raw, reserved_check=False)
    staff_names = (
        User.objects.exclude(role=Role.CUSTOMER)
        .exclude(display_name="")
        .values_list("display_name", flat=True)
    )
    return clean_display_text(raw, staff_skeletons=frozenset(skeleton(n) for n in staff_names))


def update_profile(user: User, *, display_name: str, address: str, meta: RequestMeta) -> User:
    name = _clean_display_name(display_name, user)
    place = clean_display_text(address, max_length=200, reserved_check=False) if address else ""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(display_name=name, address=place)
        audit.record(Actions.PROFILE_CHANGE, subject=user, meta=meta, fields="display_name,address")
    user.refresh_from_db()
    return user


def set_language(user: User, language: str) -> None:
    if language in dict(settings.LANGUAGES):
        User.objects.filter(pk=user.pk).update(preferred_language=language)


# --- Payment password -----------------------------------------------------------------------


def send_payment_password_reset_code(request: HttpRequest, user: User) -> otp.IssuedCode:
    meta = RequestMeta.from_request(request)
    return otp.issue_code(user, OtpPurpose.PAYMENT_PASSWORD_RESET, ip=meta.ip, meta=meta)


def set_payment_password_with_code(
    user: User, code: str | None, new: str, *, meta: RequestMeta
) -> None:
    """First time: just set it. Afterwards: only with a payment-password-reset code."""
    from walletdesk.identity.models import PaymentCredential
    from walletdesk.identity.payment_password import set_payment_password

    exists = PaymentCredential.objects.filter(user=user).exists()
    if exists:
        otp.verify_code(user, OtpPurpose.PAYMENT_PASSWORD_RESET, code or "", meta=meta)
    with transaction.atomic():
        set_payment_password(user.pk, new)
        audit.record(Actions.PAYMENT_PASSWORD_SET, subject=user, meta=meta, reset=exists)
        if exists:
            _security_change(user, _("Your payment password was changed"))


# --- Sessions, devices and API tokens -------------------------------------------------------


def revoke_session(user: User, session_public_id: str, *, meta: RequestMeta) -> bool:
    from walletdesk.identity.models import UserSession

    with transaction.atomic():
        count = sessions.revoke_rows(
            UserSession.objects.filter(
                user=user, public_id=session_public_id, revoked_at__isnull=True
            ),
            "user",
        )
        if count:
            audit.record(Actions.SESSION_REVOKE, subject=user, meta=meta, session=session_public_id)
    return bool(count)


def revoke_other_sessions(request: HttpRequest, user: User) -> int:
    meta = RequestMeta.from_request(request)
    with transaction.atomic():
        count = sessions.revoke_sessions(
            user, reason="user", keep=sessions.current_session(request)
        )
        audit.record(Actions.SESSION_REVOKE, subject=user, meta=meta, count=count, scope="others")
    return count


def forget_device(user: User, device_public_id: str, *, meta: RequestMeta) -> bool:
    from walletdesk.identity.models import UserSession

    with transaction.atomic():
        device = Device.objects.filter(
            user=user, public_id=device_public_id, forgotten_at__isnull=True
        ).first()
        if device is None:
            return False
        device.forgotten_at = timezone.now()
        device.save(update_fields=["forgotten_at"])
        sessions.revoke_rows(
            UserSession.objects.filter(user=user, device=device, revoked_at__isnull=True), "device"
        )
        audit.record(
            Actions.SESSION_REVOKE, subject=user, meta=meta, device=device.label, scope="device"
        )
    return True


def issue_api_token(user: User, name: str, *, meta: RequestMeta) -> tuple[str, str]:
    """A bearer token after a successful sign-in (password and, when enrolled, second factor).

    Records the sign-in. A token asked from a device this account has not used before (its user
    agent on its network, for web sessions and earlier tokens alike) alerts the customer like a
    new-device web sign-in — not for the first sign-in right after sign-up — and starts the
    outflow hold."""
    from walletdesk.identity.authentication import create_api_token
    from walletdesk.identity.models import ApiToken

    label = describe_user_agent(meta.user_agent)
    network = ip_prefix(meta.ip)
    region = region_for(meta.ip) if meta.ip else ""
    with transaction.atomic():
        first_login = not LoginEvent.objects.filter(
            user=user, result=LoginResult.SUCCEEDED
        ).exists()
        known = (
            Device.objects.filter(
                user=user, label=label, ip_prefix=network, forgotten_at__isnull=True
            ).exists()
            or ApiToken.objects.filter(user=user, device_label=label, ip_prefix=network).exists()
        )
        alert = not known and not (first_login and timezone.now() - user.date_joined < JUST_CREATED)
        _login_event(user, meta, LoginResult.SUCCEEDED, method="api_token", new_device=not known)
        audit.record(Actions.LOGIN, "ok", subject=user, actor=user, meta=meta, method="api_token")
        row, token = create_api_token(
            user, name, device_label=label, ip_prefix=network, region=region
        )
        audit.record(
            Actions.TOKEN_CREATE, subject=user, actor=user, meta=meta, token_id=str(row.public_id)
        )
        if alert:
            mark_security_change(user.pk)
            audit.record(
                Actions.NEW_DEVICE,
                "alerted",
                subject=user,
                actor=user,
                meta=meta,
                device=label,
                region=region,
                method="api_token",
            )
            _notify(
                user.pk,
                "new_device",
                {
                    "time": _now_text(),
                    "device": label,
                    "region": _(region) if region else _("unknown region"),
                    "ip": meta.ip or "-",
                    "link": freeze_link(user.pk),
                },
            )
    return str(row.public_id), token


def revoke_api_token(user: User, token_public_id: str, *, meta: RequestMeta) -> bool:
    from walletdesk.identity.models import ApiToken

    with transaction.atomic():
        count = ApiToken.objects.filter(
            user=user, public_id=token_public_id, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if count:
            audit.record(Actions.TOKEN_REVOKE, subject=user, meta=meta, token_id=token_public_id)
    return bool(count)


# --- Closure (注销) --------------------------------------------------------------------------


RETENTION_YEARS = 5


def closure_blockers(user: User) -> list[Any]:
    from walletdesk.payments.facade import (  # type: ignore[import-not-found,unused-ignore]
        closure_blockers as payment_blockers,
    )

    blockers = list(payment_blockers(user.pk))
    return blockers


def send_closure_code(request: HttpRequest, user: User) -> otp.IssuedCode:
    if closure_blockers(user):
        raise ClosureBlockedError()
    meta = RequestMeta.from_request(request)
    return otp.issue_code(user, OtpPurpose.CLOSURE, ip=meta.ip, meta=meta)


def close_account(request: HttpRequest, user: User, code: str) -> None:
    from walletdesk.payments.facade import close_wallet  # type: ignore[import-not-found,unused-ignore]

    meta = RequestMeta.from_request(request)
    if user.frozen_at is not None:
        raise AccountFrozenError()
    otp.verify_code(user, OtpPurpose.CLOSURE, code, meta=meta)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if closure_blockers(locked):
            raise ClosureBlockedError()
        close_wallet(locked.pk)
        # Tell the customer on their own channels before the identifiers are released.
        _notify(locked.pk, "account_closed", {"time": _now_text()})
        now = timezone.now()
        locked.closed_at = now
        locked.is_active = False
        locked.login_name = f"closed:{locked.public_id}"
        locked.retained_contact = f"{locked.phone or ''}|{locked.email or ''}"
        locked.phone = None
        locked.email = None
        locked.set_unusable_password()
        locked.save(
            update_fields=[
                "closed_at",
                "is_active",
                "login_name",
                "phone",
                "email",
                "password",
                "retained_contact",
            ]
        )
        sessions.revoke_everything(locked, reason="closed")
        audit.record(Actions.CLOSURE, subject=locked, actor=locked, meta=meta)


def closure_retention() -> dict[str, Any]:
    return {"years": RETENTION_YEARS}


__all__ = ["Role"]
