"""Top-ups: money comes into the wallet from a rail.

Life cycle (RAIL_OPERATION_TRANSITIONS): created → pending → succeeded / failed / expired. Every
change writes a `RailOperationEvent` (the timeline the customer and support see). The wallet is
credited only on success, exactly once, in the same transaction as the status change, with the
TopUp row locked: rail clearing −amount, wallet +(amount − fee), fee revenue +fee.

Callbacks, reconciliation, the customer's "check now" and the submission answer all end in
`apply_top_up_result`, so the same result applied twice (or out of order) changes nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from walletdesk.core.db import on_commit
from walletdesk.core.errors import InvalidStateTransitionError, WalletDeskError
from walletdesk.core.money import Money, format_amount, parse_amount
from walletdesk.ledger import facade as ledger
from walletdesk.ledger.facade import AccountKind, EntryKind, IdempotentOutcome, run_idempotent
from walletdesk.payments import activity, announce
from walletdesk.payments.caps import CappedOperation, check_cap
from walletdesk.payments.enums import (
    RAIL_OPERATION_TRANSITIONS,
    ActivityStatus,
    ActivityType,
    FailureReason,
    RailMethod,
    RailOperationStatus,
    WalletStatus,
)
from walletdesk.payments.errors import (
    CardNotFoundError,
    OperationNotFoundError,
    RailTimeoutError,
    RailUnavailableError,
    WalletClosedError,
    WalletNotFoundError,
)
from walletdesk.payments.fees import compute_fee
from walletdesk.payments.limits import check_and_record_usage, release_usage
from walletdesk.payments.models import BankCard, RailOperationEvent, TopUp, Wallet, Withdrawal
from walletdesk.payments.rails import sandbox
from walletdesk.payments.rails.base import RailOutcome, RailSubmission
from walletdesk.payments.rails.registry import get_provider
from walletdesk.payments.wallets import wallet_account

logger = logging.getLogger("walletdesk.payments.rails")

TOP_UP = "top_up"
WITHDRAWAL = "withdrawal"
OPEN_STATUSES = (RailOperationStatus.CREATED, RailOperationStatus.PENDING)
TERMINAL_STATUSES = (
    RailOperationStatus.SUCCEEDED,
    RailOperationStatus.FAILED,
    RailOperationStatus.EXPIRED,
)


class AmountBelowFeeError(WalletDeskError):
    code = "amount_below_fee"
    http_status = 400
    message = gettext_lazy("The amount must be larger than the fee of %(fee)s.")


class CardRequiredError(WalletDeskError):
    code = "card_required"
    http_status = 400
    message = gettext_lazy("Choose one of your bound bank cards for this method.")


RailOperation = TopUp | Withdrawal


@dataclass(frozen=True, slots=True)
class ReplayedMoment:
    """When a rail's answer happened, given by a trusted in-process caller that replays history
    (the demo seeding) against the sandbox rail.

    Only such a caller can build one: no request, callback or rail message carries it, and the
    paths they take (the callback view, reconciliation, "check now") never pass one, so a real
    rail's answer is always dated now. A moment is aware and never in the future."""

    at: datetime

    def __post_init__(self) -> None:
        if timezone.is_naive(self.at):
            raise ValueError("a replayed moment needs a time zone")
        if self.at > timezone.now():
            raise ValueError("a replayed moment must not lie in the future")


def moment_of(replayed_at: ReplayedMoment | None) -> datetime:
    return replayed_at.at if replayed_at is not None else timezone.now()


# --- shared by top-ups and withdrawals --------------------------------------------------------


def operation_kind(operation: RailOperation) -> str:
    return TOP_UP if isinstance(operation, TopUp) else WITHDRAWAL


def transition(
    operation: RailOperation,
    new: str,
    *,
    source: str,
    detail: str = "",
    replayed_at: ReplayedMoment | None = None,
) -> None:
    """Move to `new` if the state machine allows it and write the timeline row (caller saves),
    dated now or, replaying history, at `replayed_at`."""
    old = operation.status
    if new not in RAIL_OPERATION_TRANSITIONS.get(old, frozenset()):
        raise InvalidStateTransitionError(current=old, target=new)
    at = moment_of(replayed_at)
    RailOperationEvent.objects.create(
        operation_type=operation_kind(operation),
        operation_id=operation.pk,
        old_status=old,
        new_status=new,
        source=source[:20],
        detail=detail[:200],
        created_at=at,
    )
    operation.status = new
    if new in TERMINAL_STATUSES:
        operation.completed_at = at


def record_created(operation: RailOperation, *, source: str = "customer") -> None:
    """The first timeline row, dated when the operation was asked for."""
    RailOperationEvent.objects.create(
        operation_type=operation_kind(operation),
        operation_id=operation.pk,
        old_status="",
        new_status=RailOperationStatus.CREATED,
        source=source,
        created_at=operation.created_at or timezone.now(),
    )


def timeline(operation: RailOperation) -> list[RailOperationEvent]:
    return list(
        RailOperationEvent.objects.filter(
            operation_type=operation_kind(operation), operation_id=operation.pk
        ).order_by("id")
    )


def parse_rail_amount(raw: object, currency: str, operation: CappedOperation) -> Money:
    return check_cap(operation, parse_amount(raw, currency))


def open_wallet_of(user_id: int) -> Wallet:
    wallet = Wallet.objects.filter(user_id=user_id).first()
    if wallet is None:
        raise WalletNotFoundError()
    if wallet.status == WalletStatus.CLOSED:
        raise WalletClosedError()
    return wallet


def active_card(user_id: int, card_id: str | None) -> BankCard:
    if not card_id:
        raise CardRequiredError()
    try:
        public_id = uuid.UUID(str(card_id))
    except ValueError as exc:
        raise CardNotFoundError() from exc
    card = BankCard.objects.filter(public_id=public_id, user_id=user_id, status="active").first()
    if card is None:
        raise CardNotFoundError()
    return card


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def failure_message(reason: str) -> str:
    if not reason:
        return ""
    try:
        return str(FailureReason(reason).label)
    except ValueError:
        return str(FailureReason.RAIL_ERROR.label)


def operation_body(operation: RailOperation) -> dict[str, Any]:
    """The JSON form of a top-up or withdrawal (also what idempotent replays return)."""
    money = Money(operation.amount, operation.currency)
    fee = Money(operation.fee, operation.currency)
    card = operation.card
    body: dict[str, Any] = {
        "id": str(operation.public_id),
        "type": operation_kind(operation),
        "status": operation.status,
        "method": operation.method,
        "amount": money.to_decimal_string(),
        "fee": fee.to_decimal_string(),
        "currency": operation.currency,
        "failure_reason": operation.failure_reason or None,
        "trace_id": operation.rail_trace_id or None,
        "card": (
            {"id": str(card.public_id), "brand": card.brand, "last4": card.last4}
            if card is not None
            else None
        ),
        "created_at": iso(operation.created_at),
        "completed_at": iso(operation.completed_at),
    }
    if isinstance(operation, TopUp):
        body["credited_amount"] = (money - fee).to_decimal_string()
    else:
        body["total_debit"] = (money + fee).to_decimal_string()
        # The amount is what the card receives, whichever way the fee was borne.
        body["arrives_amount"] = money.to_decimal_string()
        body["fee_method"] = getattr(operation, "fee_method", "on_top")
    return body


# How long each kind of operation usually takes, for the "expected by" the record page shows
# (help articles quote the same times: cards and wallets within minutes, bank transfers and
# payouts within about 2 hours).
TYPICAL_DURATION = {
    (TOP_UP, RailMethod.BANK_CARD.value): timedelta(minutes=10),
    (TOP_UP, RailMethod.THIRD_PARTY_WALLET.value): timedelta(minutes=10),
    (TOP_UP, RailMethod.BANK_TRANSFER.value): timedelta(hours=2),
}
TYPICAL_PAYOUT_DURATION = timedelta(hours=2)


def expected_by(operation: RailOperation) -> datetime | None:
    """When an open top-up or withdrawal should normally have arrived; None once it has ended."""
    if operation.status not in OPEN_STATUSES:
        return None
    kind = operation_kind(operation)
    duration = TYPICAL_DURATION.get((kind, operation.method), TYPICAL_PAYOUT_DURATION)
    return operation.created_at + duration


def next_step(operation: RailOperation) -> str:
    """What the customer should expect now, in their language."""
    status = operation.status
    incoming = isinstance(operation, TopUp)
    if status == RailOperationStatus.CREATED:
        return _("We are sending this to the payment channel. This usually takes a few seconds.")
    if status == RailOperationStatus.PENDING:
        if incoming:
            return _(
                "The payment channel is processing it. Most top-ups arrive within a few minutes. "
                "If it is still processing after 10 minutes, tap “Check now”: we ask the channel "
                "directly. Nothing is charged twice."
            )
        return _(
            "The bank is processing it. Withdrawals usually arrive within 2 hours, at the latest "
            "by the next working day. The money stays reserved in your wallet until then."
        )
    if status == RailOperationStatus.SUCCEEDED:
        if incoming:
            return _("The money is in your wallet.")
        return _("The bank has paid it out. It should show in your bank account now.")
    if status == RailOperationStatus.EXPIRED:
        return _(
            "The payment channel never confirmed this top-up, so it expired and nothing was "
            "added. If money left your bank account, contact support with the trace id."
        )
    if incoming:
        return _("Nothing was added to your wallet. If money left your bank, contact support.")
    return _("The reserved money has been returned to your available balance.")


# --- top-ups ----------------------------------------------------------------------------------


def create_top_up(
    *,
    user_id: int,
    kyc_level: int,
    amount: object,
    currency: str,
    method: str,
    card_id: str | None,
    idempotency_key: str | None,
    at: datetime | None = None,
) -> IdempotentOutcome:
    """Record a top-up and submit it to the rail once the transaction commits (idempotent).

    `at`: when the customer asked (default now), for in-process callers that replay history
    (demo seeding): it dates the top-up, its record, its first timeline row and the daily
    limit's day. The rail still answers, and the wallet is credited, when it does: now, unless
    the history is replayed through `replay_top_up`."""
    request = {
        "amount": amount,
        "currency": currency,
        "method": method,
        "card_id": str(card_id or ""),
    }

    def command() -> tuple[int, dict[str, Any]]:
        money = parse_rail_amount(amount, currency, CappedOperation.TOP_UP)
        if method not in RailMethod.values:
            raise RailUnavailableError()
        open_wallet_of(user_id)
        card = active_card(user_id, card_id) if method == RailMethod.BANK_CARD else None
        fee = compute_fee("top_up", currency, money.minor, method)
        if fee >= money.minor:
            raise AmountBelowFeeError(fee=format_amount(Money(fee, currency)))
        check_and_record_usage(
            user_id=user_id, operation="top_up", money=money, kyc_level=kyc_level, at=at
        )
        top_up = TopUp.objects.create(
            created_at=at or timezone.now(),
            user_id=user_id,
            method=method,
            currency=currency,
            amount=money.minor,
            fee=fee,
            card=card,
        )
        record_created(top_up)
        activity.record(
            activity.activity(
                user_id=user_id,
                type=ActivityType.TOP_UP,
                status=ActivityStatus.PENDING,
                currency=currency,
                amount=money.minor,
                fee=fee,
                title=_("Top-up"),
                counterparty=_counterparty(method, card),
                object_public_id=top_up.public_id,
                created_at=top_up.created_at,
            )
        )
        on_commit(submit_top_up, top_up.pk)
        return 201, operation_body(top_up)

    return run_idempotent(
        scope=f"user:{user_id}:top_up", key=idempotency_key, request=request, command=command
    )


def _counterparty(method: str, card: BankCard | None) -> str:
    if card is not None:
        from walletdesk.payments.cards import card_label

        return card_label(card)
    return str(RailMethod(method).label)


def submit_to_rail(
    operation: RailOperation,
    start: Callable[..., RailSubmission],
    apply: Callable[..., bool],
    *,
    timeout_detail: str,
) -> None:
    """Send a created top-up or withdrawal to its rail (after commit, outside any transaction)
    and apply the rail's immediate answer through `apply` (the same path callbacks take).

    A timeout leaves the operation pending: we do not know whether the rail got it, so the money
    stays as it is until a callback or reconciliation says.
    """
    if operation.status != RailOperationStatus.CREATED:
        return
    try:
        submission = start(
            reference=str(operation.public_id),
            amount=operation.amount,
            currency=operation.currency,
            card_token=operation.card.rail_token if operation.card else None,
        )
    except RailTimeoutError:
        apply(operation.pk, RailOutcome.PENDING, source="rail", detail=timeout_detail)
        return
    except WalletDeskError as exc:
        apply(
            operation.pk,
            RailOutcome.FAILED,
            failure_reason=FailureReason.RAIL_ERROR,
            source="rail",
            detail=exc.code,
        )
        return
    apply(
        operation.pk,
        submission.outcome,
        trace_id=submission.trace_id,
        failure_reason=submission.failure_reason,
        source="rail",
        detail="submitted to the rail",
    )


TOP_UP_TIMEOUT_DETAIL = "rail_timeout: no answer to the submission; reconciliation will query"


def submit_top_up(top_up_id: int) -> None:
    top_up = TopUp.objects.select_related("card").get(pk=top_up_id)
    submit_to_rail(
        top_up,
        get_provider(top_up.method).start_top_up,
        apply_top_up_result,
        timeout_detail=TOP_UP_TIMEOUT_DETAIL,
    )


def apply_top_up_result(
    top_up_id: int,
    outcome: str,
    *,
    trace_id: str = "",
    failure_reason: str = "",
    source: str,
    detail: str = "",
    replayed_at: ReplayedMoment | None = None,
) -> bool:
    """Apply what the rail says, idempotently; returns whether anything changed.

    A terminal status never changes; "pending" after a final result is ignored; success credits
    the wallet exactly once (the TopUp row is locked while the entry is posted).

    The timeline rows and the credit are dated now. Only `replay_top_up` (demo history, against
    the sandbox rail) passes `replayed_at`; callbacks, reconciliation and re-queries never do.
    """
    dated = partial(transition, replayed_at=replayed_at)
    with transaction.atomic():
        top_up = TopUp.objects.select_for_update().get(pk=top_up_id)
        if top_up.status in TERMINAL_STATUSES:
            return False
        if trace_id and top_up.rail_trace_id and trace_id != top_up.rail_trace_id:
            logger.warning(
                "top-up %s: rail trace id %s differs from recorded %s; ignored",
                top_up.public_id,
                trace_id[:64],
                top_up.rail_trace_id,
            )
            return False
        fields = {"status", "completed_at", "updated_at"}
        if trace_id and not top_up.rail_trace_id:
            top_up.rail_trace_id = trace_id[:64]
            fields.add("rail_trace_id")
        before = top_up.status
        if outcome == RailOutcome.PENDING:
            if top_up.status == RailOperationStatus.CREATED:
                dated(top_up, RailOperationStatus.PENDING, source=source, detail=detail)
        elif outcome == RailOutcome.SUCCEEDED:
            if top_up.status == RailOperationStatus.CREATED:
                dated(top_up, RailOperationStatus.PENDING, source=source, detail=detail)
            dated(top_up, RailOperationStatus.SUCCEEDED, source=source, detail=detail)
            top_up.entry_id = _credit(top_up, replayed_at)
            fields.add("entry_id")
            activity.set_status(ActivityType.TOP_UP, top_up.public_id, ActivityStatus.SUCCEEDED)
        elif outcome == RailOutcome.FAILED:
            _fail(
                top_up,
                failure_reason or FailureReason.RAIL_ERROR,
                source=source,
                detail=detail,
                replayed_at=replayed_at,
            )
            fields.add("failure_reason")
        top_up.save(update_fields=sorted(fields))
        if top_up.status != before:
            announce.rail_operation_changed(top_up)
        return top_up.status != before or "rail_trace_id" in fields


def _credit(top_up: TopUp, replayed_at: ReplayedMoment | None = None) -> int:
    clearing = ledger.get_or_create_account(
        kind=AccountKind.RAIL_CLEARING, currency=top_up.currency, qualifier=top_up.method
    )
    wallet = wallet_account(top_up.user_id, top_up.currency)
    legs = [
        ledger.Leg(clearing.pk, -top_up.amount),
        ledger.Leg(wallet.pk, top_up.amount - top_up.fee),
    ]
    if top_up.fee:
        fees = ledger.get_or_create_account(kind=AccountKind.FEE_REVENUE, currency=top_up.currency)
        legs.append(ledger.Leg(fees.pk, top_up.fee))
    entry = ledger.post_entry(
        kind=EntryKind.TOP_UP,
        legs=legs,
        memo=f"top-up {top_up.public_id} via {top_up.method}",
        reference=f"top_up:{top_up.public_id}",
        actor=f"rail:{top_up.method}",
        at=replayed_at.at if replayed_at is not None else None,
    )
    return entry.pk


def _fail(
    top_up: TopUp,
    reason: str,
    *,
    source: str,
    detail: str,
    expired: bool = False,
    replayed_at: ReplayedMoment | None = None,
) -> None:
    target = RailOperationStatus.EXPIRED if expired else RailOperationStatus.FAILED
    transition(top_up, target, source=source, detail=detail or reason, replayed_at=replayed_at)
    top_up.failure_reason = reason[:40]
    activity.set_status(ActivityType.TOP_UP, top_up.public_id, ActivityStatus.FAILED)
    release_usage(
        user_id=top_up.user_id,
        operation="top_up",
        money=Money(top_up.amount, top_up.currency),
        day=timezone.localdate(top_up.created_at),
    )


def expire_top_up(top_up_id: int, *, detail: str) -> bool:
    """Expire a top-up the rail never confirmed (it knows nothing about it)."""
    with transaction.atomic():
        top_up = TopUp.objects.select_for_update().get(pk=top_up_id)
        if top_up.status not in OPEN_STATUSES:
            return False
        _fail(top_up, FailureReason.EXPIRED, source="expiry", detail=detail, expired=True)
        top_up.save(update_fields=["status", "failure_reason", "completed_at", "updated_at"])
        announce.rail_operation_changed(top_up)
        return True


def get_top_up(user_id: int, public_id: str | uuid.UUID) -> TopUp:
    """One of the customer's top-ups; someone else's is as missing as one that does not exist."""
    top_up = (
        TopUp.objects.select_related("card").filter(public_id=public_id, user_id=user_id).first()
    )
    if top_up is None:
        raise OperationNotFoundError()
    return top_up


def redate_open_operation(operation: RailOperation, created_at: datetime) -> bool:
    """Demo seeding only: show a top-up or withdrawal that is still open (nothing posted to the
    ledger yet) as asked for at `created_at`, its record and timeline too, so a case like
    "overdue" or "in flight, expected at …" stays true on any day the demo is loaded. Refuses
    (False) once the operation has ended."""
    if operation.status not in OPEN_STATUSES:
        return False
    shift = created_at - operation.created_at
    with transaction.atomic():
        type(operation).objects.filter(pk=operation.pk, status__in=OPEN_STATUSES).update(
            created_at=created_at
        )
        # Its timeline moves with it, so the record page never shows a row before the request.
        RailOperationEvent.objects.filter(
            operation_type=operation_kind(operation), operation_id=operation.pk
        ).update(created_at=F("created_at") + shift)
        activity.redate(
            ActivityType.TOP_UP if isinstance(operation, TopUp) else ActivityType.WITHDRAWAL,
            operation.public_id,
            created_at,
        )
    operation.created_at = created_at
    return True


def replay_top_up(
    *,
    user_id: int,
    kyc_level: int,
    amount: object,
    currency: str,
    method: str,
    card_id: str | None,
    idempotency_key: str,
    requested_at: ReplayedMoment | None = None,
    deliver: bool = True,
) -> IdempotentOutcome:
    """Demo seeding: a top-up asked for at `requested_at` (default now) that the sandbox rail
    answers at once and settles one rail latency later (capped at now); its timeline and its
    credit carry those moments, so a balance over time never credits a past top-up today.
    `deliver=False` leaves it with the rail (a rail that has not answered, or is stuck).
    Idempotent like `create_top_up`: a replay changes nothing.

    Only against a sandbox rail: a real rail's answer is always dated when it arrives. Creation,
    submission and settlement commit together, so the sandbox's own delivery (a job after its
    latency; at once when jobs run eagerly) finds the top-up settled and changes nothing."""
    provider = get_provider(method)
    if not isinstance(provider, sandbox.SandboxRail):
        raise RailUnavailableError()
    settled_at = None
    if requested_at is not None:
        settles = requested_at.at + sandbox.latency()
        settled_at = ReplayedMoment(settles) if settles < timezone.now() else None
    with transaction.atomic():
        outcome = create_top_up(
            user_id=user_id,
            kyc_level=kyc_level,
            amount=amount,
            currency=currency,
            method=method,
            card_id=card_id,
            idempotency_key=idempotency_key,
            at=requested_at.at if requested_at is not None else None,
        )
        top_up = TopUp.objects.select_related("card").get(public_id=outcome.body["id"])
        # The submission `create_top_up` scheduled waits for this block and then finds the
        # top-up no longer created.
        submit_to_rail(
            top_up,
            provider.start_top_up,
            partial(apply_top_up_result, replayed_at=requested_at),
            timeout_detail=TOP_UP_TIMEOUT_DETAIL,
        )
        top_up.refresh_from_db()
        if deliver and top_up.status in OPEN_STATUSES:
            answer = provider.answer_now(reference=str(top_up.public_id))
            apply_top_up_result(
                top_up.pk,
                answer.outcome,
                trace_id=answer.trace_id,
                failure_reason=answer.failure_reason,
                source="rail",
                detail="settled at the rail",
                replayed_at=settled_at,
            )
    return outcome
