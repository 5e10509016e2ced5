"""What other apps may use from identity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise

from walletdesk.identity import actions, sessions
from walletdesk.identity.enums import OtpPurpose
from walletdesk.identity.errors import StepUpRequiredError
from walletdesk.identity.models import User
from walletdesk.identity.payment_password import set_payment_password, verify_payment_password


@dataclass(frozen=True, slots=True)
class UserSummary:
    id: int
    public_id: str
    display_name: str
    login_name: str
    role: str
    kyc_level: int
    preferred_language: str


@dataclass(frozen=True, slots=True)
class Contact:
    phone: str | None
    email: str | None
    language: str
    public_id: str = ""


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


def get_contact(user_id: int) -> Contact:
    """Where to reach the user (for notifications)."""
    row = (
        User.objects.filter(pk=user_id)
        .values("phone", "email", "preferred_language", "public_id")
        .first()
    )
    if row is None:
        return Contact(None, None, "zh-hans")
    return Contact(
        row["phone"], row["email"], row["preferred_language"] or "zh-hans", str(row["public_id"])
    )


def login_name_for_contact(identifier: str) -> str | None:
    """The login name of the account whose bound phone number or email is `identifier` (already
    normalised). A customer who signed up with a phone and later bound an email signs in with the
    phone, yet others may reach them by either."""
    column = "email" if "@" in identifier else "phone"
    return (
        User.objects.filter(**{column: identifier}).values_list("login_name", flat=True).first()
        if identifier
        else None
    )


def purpose_label(purpose: str) -> str | Promise:
    try:
        return OtpPurpose(purpose).label
    except ValueError:
        return purpose


def withdrawals_blocked_until(user_id: int) -> datetime | None:
    """End of the 24 h withdrawal hold after a phone or email change (AUTH-10), or None."""
    return actions.withdrawals_blocked_until(user_id)


def freeze_link(user_id: int) -> str:
    """The signed "this wasn't me — freeze my account" link used in alerts."""
    return actions.freeze_link(user_id)


def freeze_link_for(public_id: str) -> str:
    """The same link for a user whose public id the caller already has (no query)."""
    return actions.freeze_link_for_public_id(public_id)


def has_recent_step_up(request: HttpRequest, max_age_seconds: int | None = None) -> bool:
    return sessions.has_recent_step_up(request, max_age_seconds)


def require_recent_step_up(request: HttpRequest, max_age_seconds: int | None = None) -> None:
    """Raise StepUpRequiredError (403 `step_up_required`) unless the session re-authenticated
    with password + a second factor within `max_age_seconds` (default 5 min). Send the user to
    `/account/security/verify/?next=...` to do it."""
    if not sessions.has_recent_step_up(request, max_age_seconds):
        raise StepUpRequiredError()


def session_is_live(session: Any, user: Any) -> bool:
    """For WebSocket consumers: True when the handshake's Django session is a live indexed
    session of `user` (signed in, not revoked, not idle or past the absolute limit). Sync: call
    it through `database_sync_to_async`."""
    return sessions.session_is_live(session, user)


def is_frozen_by_customer(user_id: int) -> bool:
    return User.objects.filter(pk=user_id, frozen_at__isnull=False).exists()


def approve_unfreeze_request(
    request_id: str, approver_id: int, *, request: HttpRequest | None = None
) -> bool:
    """Console hook (ACC-4): record one staff approval of a customer's unfreeze request.

    The first approval returns False; the approval of a second, different staff member lifts the
    freeze and returns True. A customer, the account holder, or the first approver again is
    refused with 403 `permission_denied` and a `denied` audit row. The console must have checked
    the agent's 2FA, permission and reason code first."""
    from walletdesk.identity.audit import RequestMeta

    approver = User.objects.get(pk=approver_id)
    return actions.approve_unfreeze_request(
        request_id, approver, meta=RequestMeta.from_request(request)
    )


def verify_payment_passkey(
    request: HttpRequest, user_id: int, credential: dict[str, Any] | str
) -> None:
    """Confirm a payment with a passkey (fingerprint / face).

    Call `payment_passkey_options(request, user_id)` first and hand its JSON to
    `navigator.credentials.get`; then pass the browser's credential JSON here. Raises
    PasskeyInvalidError (400 `passkey_invalid`) unless a passkey of this user, with user
    verification, signed the challenge issued for this session. Each challenge works once.
    """
    from walletdesk.identity import passkeys

    passkeys.verify_assertion(request, credential, purpose="payment", user_id=user_id)


#: A WebAuthn assertion in JSON is well under 2 KiB; anything much larger is not one.
MAX_ASSERTION_LENGTH = 8192


def _given(value: object) -> bool:
    return value is not None and value != ""


def check_payment_confirmation(payment_password: object, passkey_assertion: object) -> None:
    """Input check for a payment: exactly one of the payment password and a passkey assertion.
    Neither → PaymentConfirmationRequiredError (400 `payment_confirmation_required`); both →
    PaymentConfirmationAmbiguousError (400 `payment_confirmation_ambiguous`)."""
    from walletdesk.identity.errors import (
        PaymentConfirmationAmbiguousError,
        PaymentConfirmationRequiredError,
    )

    has_password, has_passkey = _given(payment_password), _given(passkey_assertion)
    if has_password and has_passkey:
        raise PaymentConfirmationAmbiguousError()
    if not has_password and not has_passkey:
        raise PaymentConfirmationRequiredError()


def verify_payment_confirmation(
    user_id: int,
    *,
    payment_password: object = None,
    passkey_assertion: str | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Confirm a payment with the one method given: `verify_payment_password`, or
    `verify_payment_passkey` (which needs the HTTP `request` whose session holds the challenge
    from `payment_passkey_options`). Call it before opening the payment transaction."""
    from walletdesk.identity.errors import PasskeyInvalidError

    check_payment_confirmation(payment_password, passkey_assertion)
    if passkey_assertion:
        if request is None or len(passkey_assertion) > MAX_ASSERTION_LENGTH:
            raise PasskeyInvalidError()
        verify_payment_passkey(request, user_id, passkey_assertion)
    else:
        verify_payment_password(user_id, payment_password)


def has_passkey(user_id: int) -> bool:
    """Whether the user registered a passkey (the pay page offers "Pay with passkey" then)."""
    from walletdesk.identity.models import Passkey

    return Passkey.objects.filter(user_id=user_id).exists()


def payment_passkey_options(request: HttpRequest, user_id: int) -> str:
    from walletdesk.identity import passkeys

    return passkeys.assertion_options(request, purpose="payment", user_id=user_id)


__all__ = [
    "Contact",
    "UserSummary",
    "approve_unfreeze_request",
    "check_payment_confirmation",
    "freeze_link",
    "get_contact",
    "get_user_summary",
    "has_passkey",
    "has_recent_step_up",
    "is_frozen_by_customer",
    "payment_passkey_options",
    "purpose_label",
    "require_recent_step_up",
    "session_is_live",
    "set_payment_password",
    "verify_payment_confirmation",
    "verify_payment_passkey",
    "verify_payment_password",
    "withdrawals_blocked_until",
]
