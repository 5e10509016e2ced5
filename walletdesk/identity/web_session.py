"""The sign-in flow on a web session: the one place identity's writes meet `request.session`.

Checking a password with its lockouts (AUTH-3), keeping the pending second factor, signing
the session in (device recognition, history, new-device alert) and out. Views and the API call
these; everything else in identity takes plain values and an `Actor` (`identity.actions`).
"""

from __future__ import annotations

import time

from django.contrib.auth import authenticate, login
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from walletdesk.identity import audit, otp, sessions, throttle
from walletdesk.identity.actions._shared import (
    CONSECUTIVE_FAILURE_CEILING,
    JUST_CREATED,
    PASSKEY_BACKEND,
    PASSWORD_BACKEND,
    PENDING_2FA_KEY,
    PENDING_2FA_TTL,
    _notify,
    _now_text,
    _username_key,
)
from walletdesk.identity.actions.alerts import freeze_link
from walletdesk.identity.actions.holds import mark_security_change
from walletdesk.identity.actions.login import (
    LoginOutcome,
    _login_event,
    _networks_of,
    needs_second_factor,
    verify_second_factor,
)
from walletdesk.identity.audit import Actions, RequestMeta
from walletdesk.identity.devices import describe_user_agent, ensure_device_token, hash_device_token
from walletdesk.identity.enums import LoginResult, OtpChannel, OtpPurpose
from walletdesk.identity.errors import (
    InvalidCredentialsError,
    LoginThrottledError,
    SecondFactorRequiredError,
)
from walletdesk.identity.models import (
    Device,
    LoginEvent,
    User,
)
from walletdesk.identity.regions import ip_prefix, region_for


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
        record_failed_sign_in(identifier, meta)
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
                    "link": freeze_link(user.pk, request.build_absolute_uri("/")),
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


def record_failed_sign_in(identifier: str, meta: RequestMeta) -> int:
    """A wrong password for `identifier`: the account's failure streak, its login event, the
    audit rows and the cool-offs (per account and per address). Returns the account's new
    cool-off in seconds (0: none started). Also used by the demo seed for its locked account."""
    key = _username_key(identifier)
    user = User.objects.filter(login_name=key).first()
    lock = (
        throttle.LOGIN_LOCK_USERNAME_STAFF
        if user is not None and user.is_staff
        else throttle.LOGIN_LOCK_USERNAME
    )
    streak: int | None = None
    audit.record(Actions.LOGIN, "failed", subject=user, meta=meta)
    if user is not None:
        User.objects.filter(pk=user.pk).update(failed_login_streak=F("failed_login_streak") + 1)
        streak = (
            User.objects.filter(pk=user.pk).values_list("failed_login_streak", flat=True).first()
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
        audit.record(Actions.LOCKOUT, "locked", meta=meta, scope="ip", cool_off_seconds=ip_cool_off)
    return cool_off
