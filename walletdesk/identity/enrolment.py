"""First sign-in of a staff account: enrol a strong second factor before anything else.

Staff always sign in with two factors (ACC-4, PCI DSS 8.4). An account that has none yet (a new
agent, the demo agent) stops after the password in the pending state of the login, enrols an
authenticator app (TOTP) or a passkey there, receives recovery codes once, and only then gets a
session. SMS is not offered to staff: it is the factor a SIM swap defeats.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from walletdesk.core.actors import actor_from_request
from walletdesk.identity import actions, passkeys, web_session
from walletdesk.identity.errors import SecondFactorRequiredError
from walletdesk.identity.models import Passkey, TotpDevice, User

CODES_DUE_KEY = "_wd_enrol_codes_due"


def has_strong_factor(user: User) -> bool:
    return actions.has_totp(user) or Passkey.objects.filter(user=user).exists()


def needs_enrolment(user: User) -> bool:
    return user.is_staff and not has_strong_factor(user)


def second_factor_methods(user: User) -> list[str]:
    """The ways this account can finish a password login, in the order they are offered."""
    methods = []
    if actions.has_totp(user):
        methods.append("totp")
    if user.phone and not user.is_staff and (user.sms_second_factor or not methods):
        methods.append("sms")
    if user.recovery_codes.filter(used_at__isnull=True).exists():
        methods.append("recovery")
    return methods


def pending_enrolment_user(request: HttpRequest) -> User | None:
    user = web_session.pending_second_factor_user(request)
    return user if user is not None and needs_enrolment(user) else None


def start_totp(request: HttpRequest) -> TotpDevice:
    user = pending_enrolment_user(request)
    if user is None:
        raise SecondFactorRequiredError()
    return actions.start_totp_setup(user)


def finish_totp(request: HttpRequest, code: str) -> list[str]:
    """Confirm the authenticator with one of its codes, sign in, and return the recovery codes
    (shown once; only their HMAC is stored)."""
    user = pending_enrolment_user(request)
    if user is None:
        raise SecondFactorRequiredError()
    codes = actions.confirm_totp(user, code, actor=actor_from_request(request, user=user))
    request.session.pop(actions.PENDING_2FA_KEY, None)
    web_session.complete_login(request, user, method="totp")
    return codes


def passkey_options(request: HttpRequest) -> str:
    user = pending_enrolment_user(request)
    if user is None:
        raise SecondFactorRequiredError()
    return passkeys.registration_options(request, user)


def finish_passkey(request: HttpRequest, credential: dict[str, Any] | str, name: str) -> None:
    """Register the passkey (user verification required) and sign in; the recovery codes are
    made and shown by the next page load (`take_due_recovery_codes`)."""
    user = pending_enrolment_user(request)
    if user is None:
        raise SecondFactorRequiredError()
    passkeys.register(request, user, credential, name)
    request.session.pop(actions.PENDING_2FA_KEY, None)
    web_session.complete_login(request, user, method="passkey")
    request.session[CODES_DUE_KEY] = True


def take_due_recovery_codes(request: HttpRequest, user: User) -> list[str] | None:
    """New recovery codes, once, right after a passkey enrolment; None otherwise."""
    if not request.session.pop(CODES_DUE_KEY, False):
        return None
    return actions.regenerate_recovery_codes(user, actor=actor_from_request(request, user=user))
