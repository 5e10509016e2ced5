"""Safe actions on a customer's wallet from the console (issue: "Safe actions from the console").

Each one: the agent's role must grant it (a refusal is audited), a reason code is required, the
sensitive ones (freeze, unfreeze, refund, lifting the payment-password lock) need a second factor
confirmed within the step-up window, and it runs through the owning app's own path — identity's
emergency freeze and four-eyes unfreeze, code sending, payment-password lock, identity review
and contact reveal, payments' staff refund (four eyes at or above the threshold) and rail
re-query. Each is audited with the agent as actor and kept as a `ConsoleAction`, the internal
note the conversation's workspace shows (and, from a ticket, an internal note on its timeline).

The caller's idempotency key (one per rendered form) makes a retried or double-clicked action run
once: the second call answers the first call's row. A revealed phone number or email is in the
first answer only: it is never stored, so a retry answers the row without it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from walletdesk.console.errors import (
    ConsoleActionNotApplicableError,
    ConsoleRateLimitedError,
    ConsoleReasonRequiredError,
)
from walletdesk.console.models import ActionKind, ActionOutcome, ConsoleAction
from walletdesk.core.actors import Actor
from walletdesk.core.errors import NotFoundError, PermissionDeniedError, WalletDeskError
from walletdesk.identity import facade as identity
from walletdesk.payments import facade as payments
from walletdesk.tickets import facade as tickets

PERMISSIONS: dict[str, str] = {
    ActionKind.FREEZE: "console.freeze_customer",
    # Asking for an unfreeze needs only the freeze permission; the two approvals need
    # identity.approve_unfreeze (identity's approval queue checks it).
    ActionKind.UNFREEZE: "console.freeze_customer",
    ActionKind.REQUERY: "console.requery_rail",
    ActionKind.REFUND: "identity.refund_payment",
    ActionKind.RESEND_CODE: "console.resend_code",
    # Senior agents and above: it reopens five guesses at a money credential. Not four eyes: it
    # sets no credential and moves no money (the security guide's ACC-4 list), so one staff
    # member with a fresh second factor.
    ActionKind.UNLOCK_PAYMENT_PASSWORD: "console.unlock_payment_password",
    ActionKind.KYC_APPROVE: "identity.review_kyc",
    ActionKind.KYC_REJECT: "identity.review_kyc",
    ActionKind.REVEAL_PHONE: "identity.view_customer_data",
    ActionKind.REVEAL_EMAIL: "identity.view_customer_data",
}
NEEDS_STEP_UP = frozenset(
    {
        ActionKind.FREEZE,
        ActionKind.UNFREEZE,
        ActionKind.REFUND,
        ActionKind.UNLOCK_PAYMENT_PASSWORD,
    }
)
# Each staff member's own limit per hour (P), on top of the owning app's: a reveal takes
# personal data out from under the mask, a code costs the customer a message.
HOUR = 3600
HOURLY_LIMITS: dict[str, tuple[str, int]] = {
    ActionKind.REVEAL_PHONE: ("console_reveal", 20),
    ActionKind.REVEAL_EMAIL: ("console_reveal", 20),
    ActionKind.RESEND_CODE: ("console_resend", 30),
}
REVEALS: dict[str, str] = {ActionKind.REVEAL_PHONE: "phone", ActionKind.REVEAL_EMAIL: "email"}

REASONS: dict[str, dict[str, Any]] = {
    ActionKind.FREEZE: {
        "customer_lost_phone": pgettext_lazy("console reason", "The customer lost their phone"),
        "customer_suspects_fraud": pgettext_lazy(
            "console reason", "The customer suspects someone else is using the account"
        ),
        "customer_request": pgettext_lazy("console reason", "The customer asked for it"),
    },
    ActionKind.UNFREEZE: {
        "identity_confirmed": pgettext_lazy(
            "console reason", "Identity confirmed; the customer asks to unfreeze"
        ),
        "phone_recovered": pgettext_lazy("console reason", "The customer recovered their phone"),
    },
    ActionKind.REQUERY: {
        "customer_asks_status": pgettext_lazy(
            "console reason", "The customer asks where the money is"
        ),
        "overdue": pgettext_lazy("console reason", "Past its expected time"),
    },
    ActionKind.REFUND: {code: label for code, label in payments.RefundReason.choices},
    ActionKind.RESEND_CODE: {
        "code_not_received": pgettext_lazy(
            "console reason", "The customer did not receive the code"
        ),
        "code_expired": pgettext_lazy(
            "console reason", "The code expired before the customer could use it"
        ),
    },
    ActionKind.UNLOCK_PAYMENT_PASSWORD: {
        "remembers_password": pgettext_lazy(
            "console reason", "Identity confirmed; the customer remembers the payment password now"
        ),
        "urgent_payment": pgettext_lazy(
            "console reason", "Identity confirmed; the customer cannot wait for the lock to end"
        ),
    },
    ActionKind.KYC_APPROVE: {
        "documents_match": pgettext_lazy(
            "console reason", "Clear documents that match the name and ID number"
        ),
    },
    ActionKind.KYC_REJECT: dict(identity.KYC_REJECT_REASONS),
    ActionKind.REVEAL_PHONE: dict(identity.CUSTOMER_DATA_REASONS),
    ActionKind.REVEAL_EMAIL: dict(identity.CUSTOMER_DATA_REASONS),
}


@dataclass(frozen=True, slots=True)
class ActionRequest:
    kind: str
    customer_id: int
    reason_code: str
    idempotency_key: str
    note: str = ""
    conversation: str = ""
    ticket: str = ""
    # requery: {"kind": "top_up"|"withdrawal", "id": …}; refund: {"payment": …, "amount": "12.30"};
    # identity review: {"submission": …}
    target: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class ActionResult:
    row: ConsoleAction
    # A revealed phone number or email: for this one answer, never stored.
    revealed: str = ""


@dataclass(frozen=True, slots=True)
class _Executed:
    outcome: str
    result: dict[str, Any]
    approval: str = ""
    revealed: str = ""


def reason_choices(kind: str) -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in REASONS.get(kind, {}).items()]


def _authorize(request: HttpRequest | None, agent: Any, action: ActionRequest) -> None:
    permission = PERMISSIONS[action.kind]
    if not (agent.is_active and agent.is_staff and agent.has_perm(permission)):
        if request is not None:
            identity.record_access_denied(request, permission)
        raise PermissionDeniedError()
    if action.reason_code not in REASONS.get(action.kind, {}):
        raise ConsoleReasonRequiredError()
    if action.kind in NEEDS_STEP_UP and (
        request is None or not identity.has_recent_step_up(request)
    ):
        raise identity.StepUpRequiredError()
    if action.kind in HOURLY_LIMITS:
        scope, limit = HOURLY_LIMITS[action.kind]
        ip = identity.client_ip(request) if request is not None else ""
        if not identity.within_rate_limit(scope, str(agent.pk), limit=limit, window=HOUR, ip=ip):
            raise ConsoleRateLimitedError()


def _actor(request: HttpRequest | None, agent_id: int) -> Actor:
    if request is None:
        return Actor.agent(agent_id)
    return Actor.agent(
        agent_id,
        ip=identity.client_ip(request) or None,
        device=request.META.get("HTTP_USER_AGENT", "")[:200] or None,
    )


def run(request: HttpRequest | None, agent: Any, action: ActionRequest) -> ActionResult:
    """Run one console action, or answer the row of the call with the same idempotency key."""
    if action.kind not in ActionKind.values or not action.idempotency_key:
        raise NotFoundError()
    existing = ConsoleAction.objects.filter(idempotency_key=action.idempotency_key).first()
    if existing is not None:
        return ActionResult(existing)
    _authorize(request, agent, action)
    customer = identity.customer_identity(action.customer_id)
    if customer is None:
        raise NotFoundError()
    actor = _actor(request, agent.pk)
    try:
        with transaction.atomic():
            done = _execute(request, agent.pk, actor, action, customer)
            row = ConsoleAction.objects.create(
                kind=action.kind,
                outcome=done.outcome,
                customer_id=action.customer_id,
                agent_id=agent.pk,
                conversation=action.conversation,
                ticket_number=action.ticket,
                reason_code=action.reason_code,
                note=action.note[:200],
                target=dict(action.target or {}),
                result=done.result,
                approval=done.approval,
                idempotency_key=action.idempotency_key,
            )
            identity.record_console_action(
                actor,
                action.customer_id,
                action.kind,
                done.outcome,
                reason_code=action.reason_code,
                console_action=str(row.public_id),
                conversation=action.conversation,
                ticket=action.ticket,
            )
            if action.ticket:
                tickets.add_internal_note(actor, action.ticket, note_text(row))
    except IntegrityError:
        # The same key committed first in a racing request: that one ran.
        return ActionResult(ConsoleAction.objects.get(idempotency_key=action.idempotency_key))
    except WalletDeskError as error:
        if error.http_status == 429:
            # The owning app's `rate_limited` row rolled back with the transaction: keep the
            # refusal in the log.
            identity.record_console_action(
                actor,
                action.customer_id,
                action.kind,
                "rate_limited",
                reason_code=action.reason_code,
                error=error.code,
            )
        raise
    return ActionResult(row, revealed=done.revealed)


def _execute(
    request: HttpRequest | None,
    agent_id: int,
    actor: Actor,
    action: ActionRequest,
    customer: identity.CustomerIdentity,
) -> _Executed:
    target = dict(action.target or {})
    if action.kind == ActionKind.FREEZE:
        identity.emergency_freeze_for_customer(action.customer_id, source="console", actor=actor)
        return _Executed(ActionOutcome.DONE, {"frozen": True})
    if action.kind == ActionKind.UNFREEZE:
        request_id = identity.request_unfreeze_for_customer(
            action.customer_id, agent_id, request=request
        )
        if request_id is None:
            raise ConsoleActionNotApplicableError()
        return _Executed(ActionOutcome.WAITING, {"unfreeze_request": request_id}, request_id)
    if action.kind in _SUPPORT_ACTIONS:
        return _SUPPORT_ACTIONS[action.kind](agent_id, actor, action, target)
    if action.kind == ActionKind.REQUERY:
        kind = target.get("kind", "")
        if kind not in ("top_up", "withdrawal"):
            raise NotFoundError()
        try:
            info = payments.requery_rail_operation(action.customer_id, kind, target.get("id", ""))
        except (ObjectDoesNotExist, ValidationError) as exc:
            # Another customer's record or a malformed id.
            raise NotFoundError() from exc
        return _Executed(ActionOutcome.DONE, {"status": info.status, "trace_id": info.trace_id})
    if action.kind == ActionKind.REFUND:
        payment_id = target.get("payment", "")
        if payment_id not in {
            p.public_id for p in payments.recent_payments(action.customer_id, 50)
        }:
            raise NotFoundError()
        outcome = payments.refund_by_staff(
            request=request,
            agent_id=agent_id,
            payment_id=payment_id,
            amount=target.get("amount", ""),
            reason_code=action.reason_code,
            note=action.note,
            idempotency_key=f"console:{action.idempotency_key}"[:80],
        )
        if isinstance(outcome, identity.ApprovalSummary):
            return _Executed(ActionOutcome.WAITING, {"approval": outcome.id}, outcome.id)
        return _Executed(ActionOutcome.DONE, {"refund": str(outcome.body.get("id", ""))})
    raise ConsoleActionNotApplicableError()


def _resend_code(
    agent_id: int, actor: Actor, action: ActionRequest, target: dict[str, str]
) -> _Executed:
    sent = identity.resend_code_for_customer(action.customer_id, actor=actor)
    if sent is None:
        raise ConsoleActionNotApplicableError(
            _(
                "The customer is not waiting for a code that can be sent again. Ask them to "
                "request one in the wallet first."
            )
        )
    return _Executed(
        ActionOutcome.DONE,
        {"purpose": sent.purpose, "channel": sent.channel, "to": sent.masked_destination},
    )


def _unlock_payment_password(
    agent_id: int, actor: Actor, action: ActionRequest, target: dict[str, str]
) -> _Executed:
    if not identity.unlock_payment_password_for_customer(
        action.customer_id, actor=actor, reason_code=action.reason_code
    ):
        raise ConsoleActionNotApplicableError(_("Payments are not locked by the payment password."))
    return _Executed(ActionOutcome.DONE, {"unlocked": True})


def _review_identity(
    agent_id: int, actor: Actor, action: ActionRequest, target: dict[str, str]
) -> _Executed:
    approve = action.kind == ActionKind.KYC_APPROVE
    submission = target.get("submission", "")
    if not identity.review_identity_for_customer(
        action.customer_id,
        submission,
        reviewer_id=agent_id,
        approve=approve,
        reason_code=action.reason_code,
        note=action.note,
        actor=actor,
    ):
        raise ConsoleActionNotApplicableError(
            _("This identity verification is no longer waiting for review.")
        )
    return _Executed(
        ActionOutcome.DONE,
        {"submission": submission, "decision": "approved" if approve else "rejected"},
    )


def _reveal(
    agent_id: int, actor: Actor, action: ActionRequest, target: dict[str, str]
) -> _Executed:
    field = REVEALS[action.kind]
    value = identity.reveal_contact_for_customer(
        action.customer_id, field, actor=actor, reason_code=action.reason_code
    )
    if not value:
        raise ConsoleActionNotApplicableError()
    return _Executed(ActionOutcome.DONE, {"field": field}, revealed=value)


_SUPPORT_ACTIONS: dict[str, Callable[[int, Actor, ActionRequest, dict[str, str]], _Executed]] = {
    ActionKind.RESEND_CODE: _resend_code,
    ActionKind.UNLOCK_PAYMENT_PASSWORD: _unlock_payment_password,
    ActionKind.KYC_APPROVE: _review_identity,
    ActionKind.KYC_REJECT: _review_identity,
    ActionKind.REVEAL_PHONE: _reveal,
    ActionKind.REVEAL_EMAIL: _reveal,
}


def note_text(row: ConsoleAction) -> str:
    """The internal note's words, in the active language."""
    label = str(ActionKind(row.kind).label)
    reason = str(REASONS.get(row.kind, {}).get(row.reason_code, row.reason_code))
    outcome = str(ActionOutcome(row.outcome).label)
    text = _("%(action)s — %(outcome)s. Reason: %(reason)s.") % {
        "action": label,
        "outcome": outcome,
        "reason": reason,
    }
    return f"{text} {row.note}".strip() if row.note else text


OUTCOME_MESSAGES = {
    ActionOutcome.DONE: gettext_lazy("Done. The action is on the timeline."),
    ActionOutcome.WAITING: gettext_lazy("Requested. It waits for a second approver."),
}
KIND_MESSAGES = {
    ActionKind.UNLOCK_PAYMENT_PASSWORD: gettext_lazy(
        "Done. The lock is lifted (the payment password is unchanged) and the customer was told."
    ),
    ActionKind.KYC_APPROVE: gettext_lazy(
        "Done. The identity verification is approved and the customer was told."
    ),
    ActionKind.KYC_REJECT: gettext_lazy(
        "Done. The identity verification is rejected and the customer was told why."
    ),
}


def result_message(result: ActionResult) -> str:
    """What the panel says at its top after an action (in the active language)."""
    row = result.row
    if row.kind == ActionKind.RESEND_CODE:
        values = {
            "purpose": str(identity.purpose_label(str(row.result.get("purpose", "")))),
            "destination": str(row.result.get("to", "")),
        }
        if row.result.get("channel") == "email":
            return _("A new code (%(purpose)s) was sent to the email %(destination)s.") % values
        return _("A new code (%(purpose)s) was sent by SMS to %(destination)s.") % values
    if row.kind in REVEALS:
        if result.revealed:
            return _("Shown this once and recorded in the audit log. Do not copy it elsewhere.")
        return _("That reveal was already shown once. Reveal it again with a reason to see it.")
    if row.kind in KIND_MESSAGES:
        return str(KIND_MESSAGES[ActionKind(row.kind)])
    return str(OUTCOME_MESSAGES[ActionOutcome(row.outcome)])
