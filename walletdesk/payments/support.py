"""Reads (and the one "check now") that support uses about a customer's own money: the assistant
and the console reach them through `payments.facade`. Everything is scoped to `user_id`."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from walletdesk.core.errors import WalletDeskError
from walletdesk.core.money import Money
from walletdesk.payments import fx
from walletdesk.payments.enums import FailureReason
from walletdesk.payments.models import FeeRule, LimitRule, Payment, TopUp, Withdrawal
from walletdesk.payments.topups import OPEN_STATUSES, TOP_UP, WITHDRAWAL, expected_by, next_step


@dataclass(frozen=True, slots=True)
class RailOperationInfo:
    """A top-up or withdrawal as the record page shows it, with what happens next."""

    kind: str  # "top_up" | "withdrawal"
    public_id: str
    method: str
    amount: Money
    fee: Money
    status: str
    failure_reason: str
    failure_label: str
    next_step: str
    created_at: datetime
    completed_at: datetime | None
    expected_by: datetime | None
    card_last4: str
    trace_id: str
    url: str

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def overdue(self, now: datetime) -> bool:
        return self.expected_by is not None and now > self.expected_by


@dataclass(frozen=True, slots=True)
class PaymentInfo:
    public_id: str
    merchant: str
    merchant_en: str
    amount: Money
    debited: Money
    refunded: Money
    status: str
    created_at: datetime
    url: str


@dataclass(frozen=True, slots=True)
class RefundInfo:
    public_id: str
    payment_id: str
    merchant: str
    merchant_en: str
    amount: Money
    credited: Money
    created_at: datetime
    url: str


@dataclass(frozen=True, slots=True)
class FeeInfo:
    operation: str
    method: str
    currency: str
    rate_bp: int
    fixed: Money
    minimum: Money
    maximum: Money | None


@dataclass(frozen=True, slots=True)
class LimitInfo:
    operation: str
    kyc_level: int
    per_transaction: Money
    per_day: Money


@dataclass(frozen=True, slots=True)
class FxPreview:
    sell: Money
    buy: Money
    customer_rate: str
    fee: Money


def _failure_label(reason: str) -> str:
    if not reason:
        return ""
    try:
        return str(FailureReason(reason).label)
    except ValueError:
        return str(FailureReason.RAIL_ERROR.label)


def _rail_info(operation: TopUp | Withdrawal) -> RailOperationInfo:
    kind = TOP_UP if isinstance(operation, TopUp) else WITHDRAWAL
    card = operation.card
    return RailOperationInfo(
        kind=kind,
        public_id=str(operation.public_id),
        method=operation.method,
        amount=Money(operation.amount, operation.currency),
        fee=Money(operation.fee, operation.currency),
        status=operation.status,
        failure_reason=operation.failure_reason,
        failure_label=_failure_label(operation.failure_reason),
        next_step=str(next_step(operation)),
        created_at=operation.created_at,
        completed_at=operation.completed_at,
        expected_by=expected_by(operation),
        card_last4=card.last4 if card is not None else "",
        trace_id=operation.rail_trace_id,
        url=reverse("payments:record-detail", args=[kind, operation.public_id]),
    )


def rail_operations(user_id: int, kind: str, limit: int = 10) -> list[RailOperationInfo]:
    """The customer's latest top-ups or withdrawals, newest first."""
    model: type[TopUp] | type[Withdrawal] = TopUp if kind == TOP_UP else Withdrawal
    rows: QuerySet[Any] = (
        model.objects.filter(user_id=user_id).select_related("card").order_by("-created_at", "-pk")
    )
    return [_rail_info(row) for row in rows[:limit]]


def requery_rail_operation(user_id: int, kind: str, public_id: str) -> RailOperationInfo:
    """Ask the rail now about one of the customer's open operations ("check now"); when it was
    asked less than a minute ago the current state is returned as it is."""
    from walletdesk.payments.reconciliation import requery

    model: type[TopUp] | type[Withdrawal] = TopUp if kind == TOP_UP else Withdrawal
    # Asked less than a minute ago (requery_too_soon): the state as it is.
    with contextlib.suppress(WalletDeskError):
        requery(user_id=user_id, kind=kind, public_id=public_id)
    return _rail_info(
        model.objects.select_related("card").get(user_id=user_id, public_id=public_id)
    )


def recent_payments(user_id: int, limit: int = 10) -> list[PaymentInfo]:
    rows = (
        Payment.objects.filter(user_id=user_id)
        .select_related("merchant")
        .order_by("-created_at", "-pk")[:limit]
    )
    return [
        PaymentInfo(
            public_id=str(row.public_id),
            merchant=row.merchant.name,
            merchant_en=row.merchant.name_en or row.merchant.name,
            amount=Money(row.amount, row.currency),
            debited=Money(row.debit_amount, row.debit_currency),
            refunded=Money(row.refunded_amount, row.debit_currency),
            status=row.status,
            created_at=row.created_at,
            url=reverse("payments:record-detail", args=["payment", row.public_id]),
        )
        for row in rows
    ]


def recent_refunds(user_id: int, limit: int = 10) -> list[RefundInfo]:
    from walletdesk.payments.models import Refund

    rows = (
        Refund.objects.filter(payment__user_id=user_id)
        .select_related("payment__merchant")
        .order_by("-created_at", "-pk")[:limit]
    )
    return [
        RefundInfo(
            public_id=str(row.public_id),
            payment_id=str(row.payment.public_id),
            merchant=row.payment.merchant.name,
            merchant_en=row.payment.merchant.name_en or row.payment.merchant.name,
            amount=Money(row.amount, row.payment.currency),
            credited=Money(row.credit_amount, row.payment.debit_currency),
            created_at=row.created_at,
            url=reverse("payments:record-detail", args=["refund", row.public_id]),
        )
        for row in rows
    ]


def fee_schedule() -> list[FeeInfo]:
    rows = FeeRule.objects.filter(is_active=True).order_by("operation", "method", "currency")
    return [
        FeeInfo(
            operation=row.operation,
            method=row.method,
            currency=row.currency,
            rate_bp=row.rate_bp,
            fixed=Money(row.fixed, row.currency),
            minimum=Money(row.minimum, row.currency),
            maximum=Money(row.maximum, row.currency) if row.maximum is not None else None,
        )
        for row in rows
    ]


def limits_for(kyc_level: int) -> list[LimitInfo]:
    rows = LimitRule.objects.filter(kyc_level=kyc_level).order_by("operation")
    return [
        LimitInfo(
            operation=row.operation,
            kyc_level=row.kyc_level,
            per_transaction=Money(row.per_transaction, row.currency),
            per_day=Money(row.per_day, row.currency),
        )
        for row in rows
    ]


def fx_preview(sell_currency: str, buy: Money) -> FxPreview | None:
    """A live quote preview (nothing is reserved); None when no rate is known for the pair."""
    try:
        preview = fx.preview_quote(sell_currency=sell_currency, buy=buy)
    except (WalletDeskError, LookupError, ValueError):
        return None
    return FxPreview(
        sell=preview.sell,
        buy=preview.buy,
        customer_rate=f"{preview.customer_rate.normalize():f}",
        fee=preview.fee,
    )


def fee_for(operation: str, amount: Money, method: str = "") -> Money:
    """The fee the configured schedule charges for `amount` (what the operation would take)."""
    from walletdesk.payments.fees import compute_fee

    return Money(compute_fee(operation, amount.currency, amount.minor, method), amount.currency)


def requery_settlement_entries(user_id: int) -> list[int]:
    """Journal entries that settled the customer's own top-ups or withdrawals after a rail
    re-query ("check now", by the customer or the assistant): the money was already theirs or
    already on its way, so this is not money the assistant moved."""
    from walletdesk.payments.models import RailOperationEvent

    entries: list[int] = []
    for kind, model in ((TOP_UP, TopUp), (WITHDRAWAL, Withdrawal)):
        ids = RailOperationEvent.objects.filter(
            operation_type=kind, source="requery", new_status="succeeded"
        ).values_list("operation_id", flat=True)
        entries += [
            entry
            for entry in model.objects.filter(user_id=user_id, pk__in=list(ids)).values_list(
                "entry_id", flat=True
            )
            if entry is not None
        ]
    return entries
