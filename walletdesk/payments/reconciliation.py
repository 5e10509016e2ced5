"""Rail results in, whichever way they come: signed callbacks, reconciliation, "check now".

All three apply the rail's answer through `topups.apply_top_up_result` and
`withdrawals.apply_withdrawal_result`, which lock the operation row, never change a terminal
status and move money at most once. So a callback delivered three times, a callback that arrives
after reconciliation already settled the operation, or a stale "pending" after "succeeded" all
change nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from walletdesk.api.parsers import loads_strict
from walletdesk.core.errors import (
    InvalidTextError,
    JsonTooDeepError,
    NotFoundError,
    WalletDeskError,
)
from walletdesk.core.money import parse_amount
from walletdesk.payments.enums import FailureReason, RailMethod, RailOperationStatus
from walletdesk.payments.errors import (
    CallbackSignatureError,
    CallbackStaleError,
    OperationNotFoundError,
)
from walletdesk.payments.models import RailCallback, TopUp, Withdrawal
from walletdesk.payments.rails.base import RailOutcome, RailStatus
from walletdesk.payments.rails.registry import get_provider
from walletdesk.payments.rails.signing import verify_signature
from walletdesk.payments.topups import (
    OPEN_STATUSES,
    TOP_UP,
    WITHDRAWAL,
    RailOperation,
    apply_top_up_result,
    expire_top_up,
    get_top_up,
    submit_top_up,
)
from walletdesk.payments.withdrawals import (
    apply_withdrawal_result,
    get_withdrawal,
    submit_withdrawal,
)

logger = logging.getLogger("walletdesk.payments.rails")

REQUERY_INTERVAL = timedelta(minutes=1)
RECONCILE_BATCH = 500
_CALLBACK_STATUSES = {
    "pending": RailOutcome.PENDING,
    "succeeded": RailOutcome.SUCCEEDED,
    "failed": RailOutcome.FAILED,
}


class CallbackInvalidError(WalletDeskError):
    code = "callback_invalid"
    http_status = 400
    message = gettext_lazy("The callback body is not a valid rail event.")


class CallbackMismatchError(WalletDeskError):
    code = "callback_mismatch"
    http_status = 409
    message = gettext_lazy("The callback does not match the operation it names.")


class RequeryTooSoonError(WalletDeskError):
    code = "requery_too_soon"
    http_status = 429
    message = gettext_lazy(
        "We checked with the payment channel less than a minute ago. Please try again shortly."
    )


# --- callbacks --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallbackResult:
    result: str  # "applied" | "unchanged" | "duplicate"
    event_id: str
    operation: str
    status: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class CallbackEvent:
    event_id: str
    operation: str
    reference: uuid.UUID
    trace_id: str
    outcome: RailOutcome
    failure_reason: str
    amount: str
    currency: str
    payload: dict[str, Any]


def _text(payload: dict[str, Any], key: str, max_length: int, *, required: bool = True) -> str:
    value = payload.get(key, "")
    if value is None and not required:
        return ""
    if not isinstance(value, str) or len(value) > max_length or (required and not value):
        raise CallbackInvalidError(field=key)
    return value


def parse_callback(raw_body: bytes) -> CallbackEvent:
    try:
        payload = loads_strict(raw_body.decode("utf-8"))
    except (ValueError, InvalidTextError, JsonTooDeepError) as exc:
        raise CallbackInvalidError() from exc
    if not isinstance(payload, dict):
        raise CallbackInvalidError()
    operation = _text(payload, "operation", 20)
    status = _text(payload, "status", 20)
    if operation not in (TOP_UP, WITHDRAWAL) or status not in _CALLBACK_STATUSES:
        raise CallbackInvalidError()
    try:
        reference = uuid.UUID(_text(payload, "reference", 64))
    except ValueError as exc:
        raise CallbackInvalidError(field="reference") from exc
    return CallbackEvent(
        event_id=_text(payload, "event_id", 64),
        operation=operation,
        reference=reference,
        trace_id=_text(payload, "trace_id", 64),
        outcome=_CALLBACK_STATUSES[status],
        failure_reason=_text(payload, "failure_reason", 40, required=False),
        amount=_text(payload, "amount", 20),
        currency=_text(payload, "currency", 3),
        payload=payload,
    )


def handle_callback(
    method: str, raw_body: bytes, signature: str | None, *, now: float | None = None
) -> CallbackResult:
    """Verify, dedupe and apply one rail callback (the callback view calls exactly this)."""
    if method not in RailMethod.values:
        raise NotFoundError()
    try:
        verify_signature(raw_body, signature, now=now)
    except CallbackSignatureError:
        # Never log the body, the header or the secret: only what helps to spot an attack.
        logger.warning(
            "rail callback rejected: bad signature (rail=%s, %d bytes)", method, len(raw_body)
        )
        raise
    except CallbackStaleError:
        logger.warning("rail callback rejected: stale timestamp (rail=%s)", method)
        raise
    event = parse_callback(raw_body)
    with transaction.atomic():
        try:
            with transaction.atomic():
                RailCallback.objects.create(
                    rail=method, event_id=event.event_id, payload=event.payload
                )
        except IntegrityError:
            logger.info("rail callback %s/%s already processed", method, event.event_id)
            return CallbackResult("duplicate", event.event_id, event.operation, "")
        operation = _operation_for(method, event)
        detail = f"event {event.event_id}"
        changed = _apply(event.operation, operation.pk, _status_of(event), "callback", detail)
        operation.refresh_from_db(fields=["status"])
        return CallbackResult(
            "applied" if changed else "unchanged", event.event_id, event.operation, operation.status
        )


def _status_of(event: CallbackEvent) -> RailStatus:
    return RailStatus(
        trace_id=event.trace_id, outcome=event.outcome, failure_reason=event.failure_reason
    )


def _operation_for(method: str, event: CallbackEvent) -> RailOperation:
    model: type[TopUp] | type[Withdrawal] = TopUp if event.operation == TOP_UP else Withdrawal
    operation = model.objects.filter(public_id=event.reference, method=method).first()
    if operation is None:
        raise OperationNotFoundError()
    try:
        amount = parse_amount(event.amount, event.currency)
    except WalletDeskError as exc:
        raise CallbackInvalidError(field="amount") from exc
    if amount.currency != operation.currency or amount.minor != operation.amount:
        logger.error(
            "rail callback %s for %s %s: amount %s %s does not match",
            event.event_id,
            event.operation,
            operation.public_id,
            event.amount,
            event.currency,
        )
        raise CallbackMismatchError()
    return operation


def _apply(kind: str, operation_id: int, status: RailStatus, source: str, detail: str) -> bool:
    reason = status.failure_reason
    if status.outcome == RailOutcome.FAILED and reason not in FailureReason.values:
        reason = FailureReason.RAIL_ERROR
    apply = apply_top_up_result if kind == TOP_UP else apply_withdrawal_result
    return apply(
        operation_id,
        status.outcome,
        trace_id=status.trace_id,
        failure_reason=reason,
        source=source,
        detail=detail,
    )


# --- reconciliation ---------------------------------------------------------------------------


@dataclass
class ReconcileSummary:
    checked: int = 0
    succeeded: int = 0
    failed: int = 0
    still_pending: int = 0
    unknown: int = 0
    resubmitted: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def __str__(self) -> str:
        return ", ".join(f"{key}={value}" for key, value in self.as_dict().items())


def reconcile_after() -> timedelta:
    value = settings.WALLETDESK["RECONCILE_AFTER"]
    assert isinstance(value, timedelta)
    return value


def top_up_expires_after() -> timedelta:
    value = settings.WALLETDESK["TOPUP_EXPIRES_AFTER"]
    assert isinstance(value, timedelta)
    return value


def reconcile_operation(
    operation: RailOperation, *, source: str = "reconciliation", now: datetime | None = None
) -> str:
    """Ask the rail about one open operation and apply the answer; returns the rail's outcome."""
    now = now or timezone.now()
    kind = TOP_UP if isinstance(operation, TopUp) else WITHDRAWAL
    status = get_provider(operation.method).query(
        reference=str(operation.public_id), on_demand=source == "requery"
    )
    if status.outcome == RailOutcome.UNKNOWN:
        if operation.status == RailOperationStatus.CREATED:
            # Never reached the rail (the submission was lost before it left): send it again.
            # The rail dedupes by our reference, so this cannot pay or collect twice.
            (submit_top_up if kind == TOP_UP else submit_withdrawal)(operation.pk)
            return "resubmitted"
        if kind == WITHDRAWAL and operation.created_at <= now - top_up_expires_after():
            _apply(
                kind,
                operation.pk,
                RailStatus("", RailOutcome.FAILED, FailureReason.RAIL_TIMEOUT),
                source,
                "the rail has no record of this payout; the reserved money is returned",
            )
        return str(RailOutcome.UNKNOWN)
    detail = f"rail reports {status.outcome}"
    _apply(kind, operation.pk, status, source, detail)
    return str(status.outcome)


def _due(model: type[TopUp] | type[Withdrawal], cutoff: datetime) -> list[Any]:
    return list(
        model.objects.filter(status__in=OPEN_STATUSES, created_at__lte=cutoff)
        .filter(Q(last_queried_at__isnull=True) | Q(last_queried_at__lte=cutoff))
        .order_by("created_at")[:RECONCILE_BATCH]
    )


def reconcile_pending_operations(
    *,
    older_than: timedelta | None = None,
    now: datetime | None = None,
    progress: Callable[[RailOperation, str], None] | None = None,
) -> ReconcileSummary:
    """Query the rail for every top-up and withdrawal open for longer than `older_than`."""
    now = now or timezone.now()
    cutoff = now - (reconcile_after() if older_than is None else older_than)
    summary = ReconcileSummary()
    for model in (TopUp, Withdrawal):
        for operation in _due(model, cutoff):
            model.objects.filter(pk=operation.pk).update(
                last_queried_at=now, query_count=F("query_count") + 1
            )
            try:
                outcome = reconcile_operation(operation, now=now)
            except Exception:
                logger.exception("reconciliation of %s failed", operation)
                summary.errors += 1
                outcome = "error"
            summary.checked += 1
            _count(summary, outcome)
            if progress is not None:
                progress(operation, outcome)
    log = logger.info if not summary.errors else logger.warning
    log("rail reconciliation: %s", summary)
    return summary


def _count(summary: ReconcileSummary, outcome: str) -> None:
    if outcome == RailOutcome.SUCCEEDED:
        summary.succeeded += 1
    elif outcome == RailOutcome.FAILED:
        summary.failed += 1
    elif outcome == RailOutcome.PENDING:
        summary.still_pending += 1
    elif outcome == RailOutcome.UNKNOWN:
        summary.unknown += 1
    elif outcome == "resubmitted":
        summary.resubmitted += 1


def expire_stale_top_ups(*, now: datetime | None = None) -> int:
    """Top-ups still open after TOPUP_EXPIRES_AFTER that the rail does not know become expired.

    If the rail does know the result, that result is applied instead (a late success still
    credits the wallet); if it is still processing there, the top-up stays open.
    """
    now = now or timezone.now()
    cutoff = now - top_up_expires_after()
    expired = 0
    stale = TopUp.objects.filter(status__in=OPEN_STATUSES, created_at__lte=cutoff).order_by(
        "created_at"
    )
    for top_up in stale[:RECONCILE_BATCH]:
        status = get_provider(top_up.method).query(reference=str(top_up.public_id))
        if status.outcome == RailOutcome.UNKNOWN:
            expired += expire_top_up(
                top_up.pk, detail="the payment channel has no record of this top-up"
            )
        elif status.outcome in (RailOutcome.SUCCEEDED, RailOutcome.FAILED):
            _apply(TOP_UP, top_up.pk, status, "reconciliation", f"rail reports {status.outcome}")
    if expired:
        logger.info("expired %d stale top-up(s)", expired)
    return expired


# --- the customer's "check now" ---------------------------------------------------------------


def requery(*, user_id: int, kind: str, public_id: Any) -> RailOperation:
    """Ask the rail now about one of the customer's open operations (at most once a minute)."""
    operation: RailOperation = (
        get_top_up(user_id, public_id) if kind == TOP_UP else get_withdrawal(user_id, public_id)
    )
    if operation.status not in OPEN_STATUSES:
        return operation
    now = timezone.now()
    model = type(operation)
    claimed = (
        model.objects.filter(pk=operation.pk)
        .filter(Q(last_queried_at__isnull=True) | Q(last_queried_at__lte=now - REQUERY_INTERVAL))
        .update(last_queried_at=now, query_count=F("query_count") + 1)
    )
    if not claimed:
        raise RequeryTooSoonError()
    reconcile_operation(operation, source="requery", now=now)
    operation.refresh_from_db()
    return operation
