"""What other apps may use from identity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.functional import Promise

from walletdesk.identity import actions, audit, identifiers, sessions, throttle, wallet_hooks
from walletdesk.identity.actions.demo import change_phone as demo_change_phone
from walletdesk.identity.actions.demo import enrol_passkey as demo_enrol_passkey
from walletdesk.identity.actions.demo import enrol_totp as demo_enrol_totp
from walletdesk.identity.actions.demo import freeze_after_lost_phone as demo_freeze_after_lost_phone
from walletdesk.identity.actions.demo import lock_payment_password as demo_lock_payment_password
from walletdesk.identity.actions.demo import lock_sign_in as demo_lock_sign_in
from walletdesk.identity.actions.demo import reject_identity as demo_reject_identity
from walletdesk.identity.actions.demo import (
    send_undeliverable_code as demo_send_undeliverable_code,
)
from walletdesk.identity.actions.demo import submit_identity as demo_submit_identity
from walletdesk.identity.enums import OtpPurpose, Role
from walletdesk.identity.errors import StepUpRequiredError
from walletdesk.identity.models import User
from walletdesk.identity.passkeys import PasskeyChallenge
from walletdesk.identity.payment_password import set_payment_password, verify_payment_password
from walletdesk.identity.wallet_hooks import WalletHooks


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


def client_ip(request: HttpRequest) -> str:
    """The client's IP address: the one function every per-IP limit and log line uses."""
    return audit.client_ip(request)


def record_access_denied(request: HttpRequest, permission: str) -> None:
    """The `denied` audit row other apps' staff pages write when a role lacks `permission`
    (ACC-4), the same row identity's own staff pages write."""
    audit.record(
        audit.Actions.ACCESS_DENIED,
        "denied",
        request=request,
        path=request.path[:100],
        permission=permission,
    )


def staff_permission_required(
    permission: str,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """View decorator for other apps' staff pages: signed-out callers go to the login, active
    staff holding `permission` get the view, everyone else a 403 with the `denied` audit row."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            from django.contrib.auth.views import redirect_to_login
            from django.core.exceptions import PermissionDenied

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            user: Any = request.user
            if not (user.is_active and user.is_staff and user.has_perm(permission)):
                record_access_denied(request, permission)
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def record_staff_data_access(request: HttpRequest, action: str, **data: str | int) -> None:
    """The audit row for a staff member's export or account link made in another app's pages
    (`action`: "data_export" or "ticket_account_link"); `data` holds no personal data."""
    if action not in (audit.Actions.DATA_EXPORT, audit.Actions.TICKET_ACCOUNT_LINK):
        raise ValueError(f"not a staff data action: {action}")
    subject = data.pop("subject", None)
    fields: dict[str, Any] = dict(data)
    audit.record(action, "ok", request=request, subject=int(subject) if subject else None, **fields)


def within_rate_limit(scope: str, key: str, *, limit: int, window: int, ip: str = "") -> bool:
    """Count one attempt at `scope` by `key` (an IP, an address) in a sliding window of
    `window` seconds, the same counters sign-in and password reset use; False (and a
    `rate_limited` audit row) once more than `limit` were made."""
    if throttle.hit(throttle.Rule(scope, limit, window), key) <= limit:
        return True
    audit.record(
        audit.Actions.RATE_LIMITED,
        "denied",
        meta=audit.RequestMeta(ip=ip[:64], user_agent=""),
        what=scope,
    )
    return False


def _paused(until: datetime | None) -> bool:
    return until is not None and until > timezone.now()


def recipient_lookups_blocked(user_id: int) -> bool:
    """True for an hour after `user_id` met "no such recipient" 10 times (one query; with the
    user's row at hand, `recipient_lookups_blocked_of` needs none)."""
    return _paused(
        User.objects.filter(pk=user_id)
        .values_list("recipient_lookups_paused_until", flat=True)
        .first()
    )


def recipient_lookups_blocked_of(user: Any) -> bool:
    """`recipient_lookups_blocked` for a user object already loaded (a request's signed-in
    user), without a query."""
    return _paused(getattr(user, "recipient_lookups_paused_until", None))


def record_recipient_miss(user_id: int, identifier_kind: str) -> None:
    """Audit one answer that told `user_id` a recipient has no wallet; the 10th in an hour
    blocks their transfers for an hour and is audited as a rate-limit hit."""
    rule = throttle.RECIPIENT_MISSES
    count = throttle.hit(rule, str(user_id))
    meta = audit.RequestMeta(ip="", user_agent="")
    audit.record(
        audit.Actions.RECIPIENT_LOOKUP,
        "not_found",
        subject=user_id,
        actor_type="customer",
        meta=meta,
        kind=identifier_kind,
        count=count,
    )
    if count >= rule.limit:
        User.objects.filter(pk=user_id).update(
            recipient_lookups_paused_until=timezone.now() + timedelta(seconds=rule.window)
        )
        audit.record(
            audit.Actions.RATE_LIMITED,
            "denied",
            subject=user_id,
            actor_type="customer",
            meta=meta,
            what="recipient_lookup",
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


def normalise_login_name(identifier: str) -> str | None:
    """A phone number or email in the one form accounts are found by (E.164, lower case); None
    for what cannot name an account (invalid, invisible characters, look-alike letters)."""
    return identifiers.normalise_login_name(identifier)


def customer_for_verified_email(address: str) -> int | None:
    """The id of the active customer whose verified email is `address` (case-insensitive), or
    None. An account's email column holds an address only once its owner proved it with a code
    (sign-up or contact change), and closure releases it."""
    address = (address or "").strip().lower()
    if not address or "@" not in address:
        return None
    return (
        User.objects.filter(
            email__iexact=address, is_active=True, role=Role.CUSTOMER, closed_at__isnull=True
        )
        .values_list("pk", flat=True)
        .first()
    )


def purpose_label(purpose: str) -> str | Promise:
    try:
        return OtpPurpose(purpose).label
    except ValueError:
        return purpose


def withdrawals_blocked_until(user_id: int) -> datetime | None:
    """End of the 24 h withdrawal hold after a phone or email change (AUTH-10), or None."""
    return actions.withdrawals_blocked_until(user_id)


OutflowHold = actions.OutflowHold


@dataclass(frozen=True, slots=True)
class PayeeCard:
    """Who receives the money, as the payer may see it on the confirm step: the real name from
    an approved identity check (or else the nickname) with all but its first character masked,
    and the masked phone number (or email)."""

    masked_name: str
    name_verified: bool
    masked_contact: str


def mask_name(name: str) -> str:
    """李雷 → 李*, 欧阳娜娜 → 欧***, Ann Lee → A** L**."""
    words = name.split()
    if len(words) > 1:
        return " ".join(mask_name(word) for word in words)
    return name[:1] + "*" * max(len(name) - 1, 1) if name else "*"


def payee_card(user_id: int) -> PayeeCard:
    from walletdesk.identity.enums import KycStatus
    from walletdesk.identity.identifiers import mask_phone
    from walletdesk.identity.models import KycSubmission
    from walletdesk.identity.selectors import mask_email

    user = User.objects.only("display_name", "phone", "email", "login_name").get(pk=user_id)
    real_name = (
        KycSubmission.objects.filter(user_id=user_id, status=KycStatus.APPROVED)
        .order_by("-reviewed_at", "-pk")
        .values_list("real_name", flat=True)
        .first()
    )
    name = real_name or user.display_name or ""
    if user.phone:
        contact = mask_phone(user.phone)
    elif user.email:
        contact = mask_email(user.email)
    else:
        contact = ""
    return PayeeCard(mask_name(name.strip()), bool(real_name), contact)


def outflow_hold(user_id: int) -> actions.OutflowHold | None:
    """The hold on every outflow (withdrawals, transfers, merchant payments) after a password,
    phone or email change or a sign-in from a new device: `since`, `until` and whether a contact
    change is behind it; None when money may leave. Payees paid successfully before `since` stay
    payable (payments decides that)."""
    return actions.outflow_hold(user_id)


def outflow_hold_of(user: Any) -> actions.OutflowHold | None:
    """`outflow_hold` for a user object already loaded (a request's signed-in user), without a
    query."""
    return actions.hold_from(
        getattr(user, "security_changed_at", None), getattr(user, "contact_changed_at", None)
    )


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
    freeze and returns True. A customer, staff without `identity.approve_unfreeze`, the account
    holder, or the first approver again is refused with 403 `permission_denied` and a `denied`
    audit row. The console must have checked the agent's fresh second factor (step-up) first."""
    from walletdesk.identity.audit import RequestMeta

    approver = User.objects.get(pk=approver_id)
    return actions.approve_unfreeze_request(
        request_id, approver, meta=RequestMeta.from_request(request)
    )


def verify_payment_passkey(
    challenge: PasskeyChallenge | None, user_id: int, credential: dict[str, Any] | str
) -> None:
    """Confirm a payment with a passkey (fingerprint / face).

    Call `payment_passkey_options(request, user_id)` first and hand its JSON to
    `navigator.credentials.get`; then take the session's challenge out with
    `payment_passkey_challenge` and pass it with the browser's credential JSON here. Raises
    PasskeyInvalidError (400 `passkey_invalid`) unless a passkey of this user, with user
    verification, signed that challenge. Each challenge works once.
    """
    from walletdesk.identity import passkeys

    passkeys.check_assertion(challenge, credential, purpose="payment", user_id=user_id)


def payment_passkey_challenge(
    request: HttpRequest, passkey_assertion: object
) -> PasskeyChallenge | None:
    """For a web or API view: the session's payment challenge, taken out of it when the
    customer answers with a passkey (`passkey_assertion` given), as the plain value money
    operations take. None otherwise, or when the session has none."""
    from walletdesk.identity import passkeys

    if not _given(passkey_assertion):
        return None
    return passkeys.take_challenge(request, "payment")


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
    passkey_challenge: PasskeyChallenge | None = None,
) -> None:
    """Confirm a payment with the one method given: `verify_payment_password`, or
    `verify_payment_passkey` (against `passkey_challenge`, from `payment_passkey_challenge`).
    Call it before opening the payment transaction."""
    from walletdesk.identity.errors import PasskeyInvalidError

    check_payment_confirmation(payment_password, passkey_assertion)
    if passkey_assertion:
        if passkey_challenge is None or len(passkey_assertion) > MAX_ASSERTION_LENGTH:
            raise PasskeyInvalidError()
        verify_payment_passkey(passkey_challenge, user_id, passkey_assertion)
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
    "OutflowHold",
    "PasskeyChallenge",
    "PayeeCard",
    "UserSummary",
    "WalletHooks",
    "approve_unfreeze_request",
    "check_payment_confirmation",
    "customer_for_verified_email",
    "freeze_link",
    "get_contact",
    "get_user_summary",
    "has_passkey",
    "has_recent_step_up",
    "is_frozen_by_customer",
    "mask_name",
    "normalise_login_name",
    "outflow_hold",
    "outflow_hold_of",
    "payee_card",
    "payment_passkey_challenge",
    "payment_passkey_options",
    "purpose_label",
    "recipient_lookups_blocked_of",
    "record_access_denied",
    "register_wallet_hooks",
    "require_recent_step_up",
    "session_is_live",
    "set_payment_password",
    "verify_payment_confirmation",
    "verify_payment_passkey",
    "verify_payment_password",
    "withdrawals_blocked_until",
]


# --- Staff permissions and four-eyes approvals (ACC-4) -----------------------------------------


@dataclass(frozen=True, slots=True)
class ApprovalSummary:
    id: str
    kind: str
    status: str
    amount: int | None
    currency: str
    reason_code: str
    created_at: datetime
    expires_at: datetime


def _approval_summary(row: Any) -> ApprovalSummary:
    return ApprovalSummary(
        id=str(row.public_id),
        kind=str(row.kind),
        status=str(row.status),
        amount=row.amount,
        currency=row.currency,
        reason_code=row.reason_code,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


def authorize_money_action(
    request: HttpRequest | None,
    user_id: int,
    *,
    permission: str,
    reason_code: str,
    reason_codes: Any,
) -> None:
    """Before staff move money: the role's permission (403 `permission_denied`, audited), a
    reason code from `reason_codes` (400 `money_action_reason_required`) and a second factor
    confirmed within the step-up window (403 `step_up_required`)."""
    from walletdesk.identity import audit
    from walletdesk.identity.audit import RequestMeta
    from walletdesk.identity.errors import MoneyActionReasonRequiredError

    user = User.objects.get(pk=user_id)
    if not (user.is_active and user.is_staff and user.has_perm(permission)):
        audit.record(
            audit.Actions.ACCESS_DENIED,
            "denied",
            actor=user,
            meta=RequestMeta.from_request(request),
            what=permission,
        )
        from walletdesk.core.errors import PermissionDeniedError

        raise PermissionDeniedError()
    if reason_code not in reason_codes:
        raise MoneyActionReasonRequiredError()
    if request is None or not sessions.has_recent_step_up(request):
        raise StepUpRequiredError()


def money_threshold_minor(currency: str) -> int | None:
    """The configured four-eyes threshold for `currency` (minor units), or None when the
    CNY-equivalent threshold applies (`money_threshold_minor("CNY")`)."""
    from walletdesk.identity import approvals

    return approvals.threshold_minor(currency)


def request_approval(
    *,
    kind: str,
    subject_id: int,
    requester_id: int,
    reason_code: str,
    note: str,
    payload: dict[str, Any],
    amount: int | None,
    currency: str,
    request: HttpRequest | None = None,
) -> ApprovalSummary:
    """Put an action in the approval queue; the executor registered for `kind` runs it later."""
    from walletdesk.identity import approvals
    from walletdesk.identity.audit import RequestMeta

    row = approvals.request_approval(
        kind=kind,
        subject_id=subject_id,
        requested_by=User.objects.get(pk=requester_id),
        reason_code=reason_code,
        note=note,
        payload=payload,
        amount=amount,
        currency=currency,
        meta=RequestMeta.from_request(request),
    )
    return _approval_summary(row)


def register_approval_executor(
    kind: str, executor: Any, reason_labels: dict[str, Any] | None = None
) -> None:
    """`executor(payload: dict, approver_id: int, approval_id: str) -> dict` runs the approved
    action exactly once, inside the approving transaction; what it returns is kept as the
    request's result. Raise a WalletDeskError to refuse (the request then stays requested)."""
    from walletdesk.identity import approvals

    def run(row: Any, approver: User) -> dict[str, Any]:
        return dict(executor(dict(row.payload), approver.pk, str(row.public_id)))

    approvals.register_executor(kind, run, reason_labels)


def register_wallet_hooks(hooks: WalletHooks) -> None:
    """What the emergency freeze, the unfreeze and the account closure do to the customer's
    wallet: the wallet's owner (payments) registers them when Django starts."""
    wallet_hooks.register(hooks)


def sync_staff_role_groups() -> None:
    """Create the role groups with their permissions and put every staff member in their role's
    group (idempotent; `migrate` runs it too)."""
    from walletdesk.identity import roles

    roles.sync_role_groups()


@dataclass(frozen=True, slots=True)
class SecurityState:
    """What support may tell a customer about their own account's state (no secrets)."""

    frozen_at: datetime | None
    unfreeze_available_at: datetime | None
    payment_password_set: bool
    payment_password_locked_until: datetime | None
    kyc_level: int
    kyc_status: str  # latest submission: "", "pending", "approved", "rejected"
    kyc_reject_reason: str
    has_authenticator: bool
    has_passkey: bool
    sms_second_factor: bool
    outflow_hold_until: datetime | None
    closed: bool


def security_state(user_id: int) -> SecurityState:
    from walletdesk.identity.models import KycSubmission, PaymentCredential, TotpDevice

    user = User.objects.get(pk=user_id)
    credential = PaymentCredential.objects.filter(user_id=user_id).first()
    submission = (
        KycSubmission.objects.filter(user_id=user_id).order_by("-submitted_at", "-pk").first()
    )
    hold = actions.outflow_hold(user_id)
    return SecurityState(
        frozen_at=user.frozen_at,
        unfreeze_available_at=actions.unfreeze_available_at(user),
        payment_password_set=credential is not None,
        payment_password_locked_until=credential.locked_until if credential else None,
        kyc_level=user.kyc_level,
        kyc_status=submission.status if submission else "",
        kyc_reject_reason=submission.reject_reason if submission else "",
        has_authenticator=TotpDevice.objects.filter(
            user_id=user_id, confirmed_at__isnull=False
        ).exists(),
        has_passkey=has_passkey(user_id),
        sms_second_factor=user.sms_second_factor,
        outflow_hold_until=hold.until if hold is not None else None,
        closed=user.closed_at is not None,
    )


def emergency_freeze_for_customer(user_id: int, *, source: str, actor: Any = None) -> None:
    """Freeze the customer's account at once (AUTH-12) on their confirmed request through a
    support channel (`source`, e.g. "assistant"): every debit blocked, sessions revoked. `actor`
    is the typed `core.actors.Actor` who carried the request out (its ip/device go to the audit
    row); the customer is the subject."""
    from walletdesk.core.actors import Actor

    who = actor if isinstance(actor, Actor) else Actor.assistant()
    user = User.objects.get(pk=user_id)
    actions.emergency_freeze(user, source=source, actor=who)


def customer_id_for_login(login_name: str) -> int | None:
    """The id of the active customer who signs in as `login_name` (evaluations, tools)."""
    return (
        User.objects.filter(login_name=login_name, is_active=True, role="customer")
        .values_list("pk", flat=True)
        .first()
    )


# The demo world (`seed_demo` only): identity/actions/demo.py, imported above.
__all__ += [
    "demo_change_phone",
    "demo_enrol_passkey",
    "demo_enrol_totp",
    "demo_freeze_after_lost_phone",
    "demo_lock_payment_password",
    "demo_lock_sign_in",
    "demo_reject_identity",
    "demo_send_undeliverable_code",
    "demo_submit_identity",
]


# --- The agent console's customer 360 ----------------------------------------------------------
from walletdesk.identity.customer_view import (  # noqa: E402
    CustomerIdentity,
    DeviceLine,
    LoginLine,
    RiskFlag,
    SecurityRecord,
    customer_identity,
    customer_security_records,
)

__all__ += [
    "CustomerIdentity",
    "DeviceLine",
    "LoginLine",
    "RiskFlag",
    "SecurityRecord",
    "customer_identity",
    "customer_security_records",
]


def record_console_action(
    actor: Any, customer_id: int, action: str, outcome: str, **data: str | int
) -> None:
    """The audit row of an action an agent took on a customer from the console (`actor`: the
    agent's typed `core.actors.Actor`; `data` holds no personal data). Runs in the caller's
    transaction."""
    audit.record(
        audit.Actions.CONSOLE_ACTION,
        outcome,
        subject=customer_id,
        actor=actor,
        what=action,
        details={name: str(value) for name, value in data.items()},
    )


def request_unfreeze_for_customer(
    customer_id: int, agent_id: int, *, request: HttpRequest | None = None
) -> str | None:
    """An agent asks, for the customer, to lift an emergency freeze before the cool-off: the same
    unfreeze request (and approval needing two other staff members) the customer's own request
    opens; the agent who asks cannot approve it. Answers the request's id (None when the account
    is not frozen); asking while one is pending answers that one."""
    from walletdesk.identity import unfreeze_review
    from walletdesk.identity.audit import RequestMeta
    from walletdesk.identity.enums import UnfreezeRequestStatus
    from walletdesk.identity.models import UnfreezeRequest

    customer = User.objects.get(pk=customer_id, role=Role.CUSTOMER)
    if customer.frozen_at is None:
        return None
    pending = UnfreezeRequest.objects.filter(
        user=customer, status=UnfreezeRequestStatus.PENDING
    ).first()
    if pending is not None:
        return str(pending.public_id)
    row = unfreeze_review.open_request(
        customer,
        meta=RequestMeta.from_request(request),
        requested_by=User.objects.get(pk=agent_id),
    )
    return str(row.public_id)


def pending_unfreeze_request(customer_id: int) -> str | None:
    """The id of the customer's unfreeze request waiting for approvals, if any."""
    from walletdesk.identity.enums import UnfreezeRequestStatus
    from walletdesk.identity.models import UnfreezeRequest

    public_id = (
        UnfreezeRequest.objects.filter(user_id=customer_id, status=UnfreezeRequestStatus.PENDING)
        .values_list("public_id", flat=True)
        .first()
    )
    return str(public_id) if public_id is not None else None


__all__ += [
    "StepUpRequiredError",
    "pending_unfreeze_request",
    "record_console_action",
    "request_unfreeze_for_customer",
]


# --- The agent console's support actions (docs/console.md, "Safe actions") --------------------
from walletdesk.identity.actions.staff_support import ResentCode  # noqa: E402
from walletdesk.identity.enums import CustomerDataReason, KycRejectReason  # noqa: E402

#: Why a staff member opens a customer's data (reveal with a reason): (code, label) pairs.
CUSTOMER_DATA_REASONS: list[tuple[str, Any]] = list(CustomerDataReason.choices)
#: Why an identity verification is rejected: (code, label) pairs.
KYC_REJECT_REASONS: list[tuple[str, Any]] = list(KycRejectReason.choices)


def resend_code_for_customer(customer_id: int, *, actor: Any) -> ResentCode | None:
    """Send the code the customer is waiting for again (their latest unused one of the last 30
    minutes, if it goes to the account's own phone or email), through the same path and limits
    as the customer's own "send again" (429 `code_cooldown` / `code_send_limited`). The staff
    member (`actor`, a `core.actors.Actor`) never sees the code. None when no code is waiting."""
    from walletdesk.identity.actions import staff_support

    return staff_support.resend_code(customer_id, actor=actor)


def unlock_payment_password_for_customer(customer_id: int, *, actor: Any, reason_code: str) -> bool:
    """Lift the lock wrong payment passwords put on payments (never sets a password); the
    customer is told. False when payments are not locked. Writes `payment_password_unlock`."""
    from walletdesk.identity.actions import staff_support

    return staff_support.unlock_payment_password(customer_id, actor=actor, reason_code=reason_code)


def review_identity_for_customer(
    customer_id: int,
    submission_id: str,
    *,
    reviewer_id: int,
    approve: bool,
    reason_code: str,
    note: str,
    actor: Any,
) -> bool:
    """The identity-review queue's approve / reject for the customer's pending submission
    (`reason_code` from KYC_REJECT_REASONS when rejecting); the customer is told. False when it
    is no longer pending; NotFoundError when it is not this customer's."""
    from walletdesk.identity.actions import staff_support

    return staff_support.review_identity(
        customer_id,
        submission_id,
        reviewer_id=reviewer_id,
        approve=approve,
        reason_code=reason_code,
        note=note,
        actor=actor,
    )


def reveal_contact_for_customer(
    customer_id: int, field: str, *, actor: Any, reason_code: str
) -> str:
    """The full phone number (`field` "phone") or email ("email"), audited as `contact_reveal`
    with the reason; "" when the account has none. Show it once; never store or cache it."""
    from walletdesk.identity.actions import staff_support

    return staff_support.reveal_contact(customer_id, field, actor=actor, reason_code=reason_code)


__all__ += [
    "CUSTOMER_DATA_REASONS",
    "KYC_REJECT_REASONS",
    "ResentCode",
    "resend_code_for_customer",
    "reveal_contact_for_customer",
    "review_identity_for_customer",
    "unlock_payment_password_for_customer",
]
