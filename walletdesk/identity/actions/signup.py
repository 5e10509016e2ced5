"""Sign-up: the request, the job behind it, and the verification."""

from __future__ import annotations

import contextlib

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from walletdesk.core.db import on_commit
from walletdesk.identity import audit, otp, throttle
from walletdesk.identity.actions._shared import _notify, _now_text
from walletdesk.identity.actions.passwords import validate_new_password
from walletdesk.identity.actions.profile import _clean_display_name
from walletdesk.identity.audit import Actions, RequestMeta
from walletdesk.identity.enums import OtpPurpose
from walletdesk.identity.errors import (
    CodeCooldownError,
    CodeInvalidError,
    CodeSendLimitedError,
    IdentifierTakenError,
)
from walletdesk.identity.identifiers import (
    check_identifier_characters,
    normalise_login_name,
)
from walletdesk.identity.models import (
    User,
)


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
