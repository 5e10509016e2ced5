"""Refund requests: a customer asks the merchant to refund a payment (docs/payments.md, "Refund
requests").

`requested` → `accepted` (the refund runs once, through `operations.refund_payment`, under the
idempotency key `refund-request:<id>`), `refused` (with the merchant's reason) or `expired`
(no answer by `expires_at`; the beat job `expire_refund_requests`). Every move goes through
`core.statemachine.change_status` (history rows) and tells the customer (notifications inbox).
No money moves here except through the refund action, and only on `accepted`.

Merchants have no logins or API keys yet: their answer is recorded by staff (`answer_by_staff`,
the `identity.refund_payment` permission, a fresh step-up, and four eyes at or above the money
threshold, as for staff refunds).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from walletdesk.core.errors import InvalidStateTransitionError, ValidationFailedError
from walletdesk.core.money import Money, format_amount, parse_amount
from walletdesk.core.statemachine import change_status
from walletdesk.identity import facade as identity
from walletdesk.ledger.facade import IdempotentOutcome, run_idempotent
from walletdesk.payments import announce, operations
from walletdesk.payments.caps import CappedOperation, check_cap
from walletdesk.payments.enums import (
    REFUND_REQUEST_TRANSITIONS,
    MerchantRefusalReason,
    RefundRequestReason,
    RefundRequestStatus,
)
from walletdesk.payments.errors import (
    OperationNotFoundError,
    PaymentNotRefundableError,
    RefundExceedsPaymentError,
    RefundRequestNotFoundError,
    RefundRequestOpenError,
)
from walletdesk.payments.models import Merchant, Payment, Refund, RefundRequest
from walletdesk.payments.responses import iso_time

DEFAULT_EXPIRES_AFTER_DAYS = 7
# The staff reason code an acceptance is recorded with (staff_refunds.RefundReason).
MERCHANT_AGREED = "merchant_agreed"


def expires_after_days() -> int:
    days: Any = settings.WALLETDESK.get("REFUND_REQUEST_EXPIRES_DAYS", DEFAULT_EXPIRES_AFTER_DAYS)
    return int(days)


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        return None


class _MerchantName:
    """The merchant's name in the language a notice is rendered in (its English name on
    English notices)."""

    def __init__(self, merchant: Merchant) -> None:
        self.merchant = merchant

    def __str__(self) -> str:
        return self.merchant.display_name


def _notify(row: RefundRequest, kind: str, **extra: object) -> None:
    from walletdesk.notifications.facade import notify

    payment = row.payment
    context: dict[str, object] = {
        "merchant": _MerchantName(payment.merchant),
        "amount": format_amount(Money(row.amount, row.currency)),
        "link": announce.RECORD_DETAIL_PATH.format(kind="payment", public_id=payment.public_id),
        **extra,
    }
    notify(row.user_id, kind, context)
    announce.record_changed(row.user_id, "payment", payment.public_id, payment.status)


def body(row: RefundRequest) -> dict[str, Any]:
    """The request as the API shows it (payment and merchant loaded with it)."""
    answer_label = ""
    if row.answer_reason in MerchantRefusalReason.values:
        answer_label = str(MerchantRefusalReason(row.answer_reason).label)
    return {
        "id": str(row.public_id),
        "payment_id": str(row.payment.public_id),
        "merchant": row.payment.merchant.display_name,
        "status": row.status,
        "status_text": str(RefundRequestStatus(row.status).label),
        "amount": Money(row.amount, row.currency).to_decimal_string(),
        "currency": row.currency,
        "reason": row.reason,
        "note": row.note,
        "answer_reason": row.answer_reason or None,
        "answer_reason_text": answer_label or None,
        "answer_note": row.answer_note,
        "refund_id": str(row.refund.public_id) if row.refund is not None else None,
        "expires_at": iso_time(row.expires_at),
        "answered_at": iso_time(row.answered_at) if row.answered_at else None,
        "created_at": iso_time(row.created_at),
    }


def _customer_payment(user_id: int, payment_id: str) -> Payment:
    payment_uuid = _uuid(payment_id)
    payment = (
        Payment.objects.select_related("merchant")
        .filter(public_id=payment_uuid, user_id=user_id)
        .first()
        if payment_uuid
        else None
    )
    if payment is None:
        raise OperationNotFoundError()
    return payment


def request_refund(
    *,
    customer_id: int,
    payment_id: str,
    amount: object | None,
    reason: str,
    note: str = "",
    idempotency_key: str | None,
) -> IdempotentOutcome:
    """The customer asks the merchant to refund `amount` (default: all that is left to refund)
    of one of their own payments. Another customer's payment answers 404 like a missing one; a
    fully refunded payment 409 `payment_not_refundable`; more than is left 409
    `refund_exceeds_payment`; a request already waiting 409 `refund_request_open`. Moves no
    money. Idempotent by key (scope `user:<id>:refund_request`)."""
    user_id = customer_id
    payment = _customer_payment(user_id, payment_id)
    if reason not in RefundRequestReason.values:
        raise ValidationFailedError(fields={"reason": [str(ValidationFailedError.message)]})
    note = (note or "").strip()[:200]
    money = (
        check_cap(CappedOperation.REFUND, parse_amount(amount, payment.currency))
        if amount not in (None, "")
        else None
    )
    request = {
        "payment": str(payment.public_id),
        "amount": money.to_decimal_string() if money is not None else "",
        "reason": reason,
        "note": note,
    }

    def command() -> tuple[int, dict[str, Any]]:
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        remaining = locked.amount - locked.refunded_amount
        if remaining <= 0:
            raise PaymentNotRefundableError()
        wanted = money.minor if money is not None else remaining
        if wanted > remaining:
            raise RefundExceedsPaymentError(
                remaining=format_amount(Money(remaining, locked.currency))
            )
        if RefundRequest.objects.filter(
            payment=locked, status=RefundRequestStatus.REQUESTED
        ).exists():
            raise RefundRequestOpenError()
        now = timezone.now()
        row = RefundRequest.objects.create(
            payment=payment,
            user_id=user_id,
            amount=wanted,
            currency=locked.currency,
            reason=reason,
            note=note,
            expires_at=now + timedelta(days=expires_after_days()),
            created_at=now,
        )
        _notify(row, "refund_request_sent", days=expires_after_days())
        return 201, body(row)

    return run_idempotent(
        scope=f"user:{user_id}:refund_request",
        key=idempotency_key,
        request=request,
        command=command,
    )


def _locked(request_id: str, payment_id: str | None = None) -> RefundRequest:
    request_uuid = _uuid(request_id)
    rows = RefundRequest.objects.select_for_update(of=("self",)).select_related(
        "payment__merchant", "refund"
    )
    if payment_id is not None:
        payment_uuid = _uuid(payment_id)
        if payment_uuid is None:
            raise RefundRequestNotFoundError()
        rows = rows.filter(payment__public_id=payment_uuid)
    row = rows.filter(public_id=request_uuid).first() if request_uuid else None
    if row is None:
        raise RefundRequestNotFoundError()
    return row


def accept(*, request_id: str, actor: str, payment_id: str | None = None) -> RefundRequest:
    """The merchant agreed: the request moves to `accepted` and the refund runs in the same
    transaction, once, through `operations.refund_payment` under the key
    `refund-request:<id>`. Asked again for an accepted request, it returns it unchanged (a retry
    moves nothing); a refused or expired one answers 409 `invalid_state_transition`."""
    with transaction.atomic():
        row = _locked(request_id, payment_id)
        if row.status == RefundRequestStatus.ACCEPTED:
            return row
        now = timezone.now()
        change_status(
            row,
            RefundRequestStatus.ACCEPTED,
            transitions=REFUND_REQUEST_TRANSITIONS,
            actor=actor,
            reason=MERCHANT_AGREED,
            also={"answered_by": actor[:64], "answered_at": now},
        )
        outcome = operations.refund_payment(
            payment_id=str(row.payment.public_id),
            amount=Money(row.amount, row.currency).to_decimal_string(),
            reason=f"{MERCHANT_AGREED}: refund request {row.public_id}",
            requested_by=actor,
            idempotency_key=f"refund-request:{row.public_id}",
        )
        refund = Refund.objects.get(public_id=outcome.body["id"])
        RefundRequest.objects.filter(pk=row.pk).update(refund=refund)
        row.refund = refund
        row.payment.refresh_from_db(fields=["status", "refunded_amount"])
        _notify(
            row,
            "refund_request_accepted",
            credited=format_amount(
                parse_amount(outcome.body["credit_amount"], outcome.body["credit_currency"])
            ),
        )
        return row


def refuse(
    *, request_id: str, actor: str, reason: str, note: str = "", payment_id: str | None = None
) -> RefundRequest:
    """The merchant said no (`reason` from `MerchantRefusalReason`). No money moves."""
    if reason not in MerchantRefusalReason.values:
        raise ValidationFailedError(fields={"reason_code": [str(ValidationFailedError.message)]})
    with transaction.atomic():
        row = _locked(request_id, payment_id)
        change_status(
            row,
            RefundRequestStatus.REFUSED,
            transitions=REFUND_REQUEST_TRANSITIONS,
            actor=actor,
            reason=reason,
            also={
                "answered_by": actor[:64],
                "answered_at": timezone.now(),
                "answer_reason": reason,
                "answer_note": (note or "").strip()[:200],
            },
        )
        _notify(row, "refund_request_refused", reason=MerchantRefusalReason(reason).label)
        return row


def expire_due(now: datetime | None = None) -> int:
    """Requests still waiting after `expires_at` become `expired` (the beat job); how many."""
    moment = now or timezone.now()
    expired = 0
    due = RefundRequest.objects.filter(
        status=RefundRequestStatus.REQUESTED, expires_at__lte=moment
    ).values_list("pk", flat=True)
    for pk in list(due[:500]):
        with transaction.atomic():
            row = (
                RefundRequest.objects.select_for_update(of=("self",))
                .select_related("payment__merchant")
                .get(pk=pk)
            )
            if row.status != RefundRequestStatus.REQUESTED or row.expires_at > moment:
                continue
            try:
                change_status(
                    row,
                    RefundRequestStatus.EXPIRED,
                    transitions=REFUND_REQUEST_TRANSITIONS,
                    actor="system",
                    reason="no answer in time",
                )
            except InvalidStateTransitionError:  # answered meanwhile
                continue
            _notify(row, "refund_request_expired")
            expired += 1
    return expired


def answer_by_staff(
    *,
    request: HttpRequest | None,
    agent_id: int,
    payment_id: str,
    request_id: str,
    decision: str,
    reason_code: str,
    note: str,
) -> RefundRequest | identity.ApprovalSummary:
    """A staff member records the merchant's answer (merchants have no logins yet). Both
    answers need `identity.refund_payment` and a fresh step-up; accepting at or above the
    four-eyes threshold puts the acceptance in the approval queue (returns its
    `ApprovalSummary`): the approver's decision runs `accept` once, as the approver."""
    from walletdesk.payments.staff_refunds import REFUND_PERMISSION, needs_second_approver

    accepting = decision == "accept"
    if accepting:
        reason_code = reason_code or MERCHANT_AGREED
    identity.authorize_money_action(
        request,
        agent_id,
        permission=REFUND_PERMISSION,
        reason_code=reason_code,
        reason_codes=[MERCHANT_AGREED] if accepting else MerchantRefusalReason.values,
    )
    actor = f"agent:{agent_id}"
    if not accepting:
        return refuse(
            request_id=request_id,
            actor=actor,
            reason=reason_code,
            note=note,
            payment_id=payment_id,
        )
    request_uuid, payment_uuid = _uuid(request_id), _uuid(payment_id)
    row = (
        RefundRequest.objects.select_related("payment")
        .filter(public_id=request_uuid, payment__public_id=payment_uuid)
        .first()
        if request_uuid is not None and payment_uuid is not None
        else None
    )
    if row is None:
        raise RefundRequestNotFoundError()
    money = Money(row.amount, row.currency)
    if row.status != RefundRequestStatus.REQUESTED or not needs_second_approver(money):
        return accept(request_id=request_id, actor=actor, payment_id=payment_id)
    return identity.request_approval(
        kind="refund",
        subject_id=row.user_id,
        requester_id=agent_id,
        reason_code=MERCHANT_AGREED,
        note=note,
        payload={
            "payment": str(row.payment.public_id),
            "amount": money.to_decimal_string(),
            "reason": f"{MERCHANT_AGREED}: refund request {row.public_id}",
            "refund_request": str(row.public_id),
        },
        amount=money.minor,
        currency=money.currency,
        request=request,
    )


# --- Reads for the pages, the assistant and the console -----------------------------------------


@dataclass(frozen=True, slots=True)
class RefundRequestSummary:
    """A refund request as the customer sees it; labels in the active language."""

    public_id: str
    payment_id: str
    merchant: str
    merchant_en: str
    amount: Money
    status: str
    status_label: str
    reason: str
    reason_label: str
    answer_reason: str
    answer_reason_label: str
    answer_note: str
    expires_at: datetime
    answered_at: datetime | None
    created_at: datetime
    url: str

    @property
    def is_open(self) -> bool:
        return self.status == RefundRequestStatus.REQUESTED


def summary(row: RefundRequest) -> RefundRequestSummary:
    merchant = row.payment.merchant
    answer = row.answer_reason
    return RefundRequestSummary(
        public_id=str(row.public_id),
        payment_id=str(row.payment.public_id),
        merchant=merchant.name,
        merchant_en=merchant.name_en or merchant.name,
        amount=Money(row.amount, row.currency),
        status=row.status,
        status_label=str(RefundRequestStatus(row.status).label),
        reason=row.reason,
        reason_label=str(RefundRequestReason(row.reason).label),
        answer_reason=answer,
        answer_reason_label=(
            str(MerchantRefusalReason(answer).label)
            if answer in MerchantRefusalReason.values
            else ""
        ),
        answer_note=row.answer_note,
        expires_at=row.expires_at,
        answered_at=row.answered_at,
        created_at=row.created_at,
        url=announce.RECORD_DETAIL_PATH.format(kind="payment", public_id=row.payment.public_id),
    )


def latest_for_payment(user_id: int, payment_id: str) -> RefundRequest | None:
    """The customer's latest request for one of their payments (one query)."""
    payment_uuid = _uuid(payment_id)
    if payment_uuid is None:
        return None
    return (
        RefundRequest.objects.select_related("payment__merchant", "refund")
        .filter(user_id=user_id, payment__public_id=payment_uuid)
        .order_by("-created_at", "-pk")
        .first()
    )


def customer_request(user_id: int, request_id: str) -> RefundRequest | None:
    request_uuid = _uuid(request_id)
    if request_uuid is None:
        return None
    return (
        RefundRequest.objects.select_related("payment__merchant", "refund")
        .filter(user_id=user_id, public_id=request_uuid)
        .first()
    )


def recent(user_id: int, limit: int = 5) -> list[RefundRequest]:
    return list(
        RefundRequest.objects.select_related("payment__merchant")
        .filter(user_id=user_id)
        .order_by("-created_at", "-pk")[:limit]
    )
