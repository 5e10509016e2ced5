"""Refunds by staff: permission, reason code, fresh second factor, and four eyes at or above
the threshold (security guide ACC-4; docs/payments.md, "Staff refunds").

Below the threshold the refund runs at once, as the requesting agent. At or above it the request
waits in identity's approval queue; the approver's decision runs `operations.refund_payment`
exactly once, as the approver, under the idempotency key `approval:<request id>`.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from walletdesk.core.errors import NotFoundError
from walletdesk.core.money import Money, parse_amount
from walletdesk.identity import facade as identity
from walletdesk.ledger.facade import IdempotentOutcome
from walletdesk.payments import fx, operations
from walletdesk.payments.models import Payment

REFUND_PERMISSION = "identity.refund_payment"


class RefundReason(models.TextChoices):
    """Why staff refund a payment; shown to the approver and kept with the refund."""

    MERCHANT_AGREED = "merchant_agreed", _("The merchant agreed to refund")
    DUPLICATE_CHARGE = "duplicate_charge", _("The customer was charged twice")
    GOODS_NOT_RECEIVED = "not_received", _("Goods or service not received")
    SERVICE_FAULT = "service_fault", _("A fault on our side")
    GOODWILL = "goodwill", _("Goodwill gesture")


def needs_second_approver(money: Money) -> bool:
    threshold = identity.money_threshold_minor(money.currency)
    if threshold is not None:
        return money.minor >= threshold
    cny_threshold = identity.money_threshold_minor("CNY")
    if cny_threshold is None:
        return False
    rate = fx.mid_rate(money.currency, "CNY")
    equivalent = fx.convert_minor(money.minor, money.currency, "CNY", rate, round_up=True)
    return equivalent >= cny_threshold


def _reason_text(reason_code: str, note: str) -> str:
    return f"{reason_code}: {note}"[:200] if note else reason_code


def refund_by_staff(
    *,
    request: HttpRequest | None,
    agent_id: int,
    payment_id: str,
    amount: object,
    reason_code: str,
    note: str,
    idempotency_key: str | None,
) -> IdempotentOutcome | identity.ApprovalSummary:
    """A refund below the threshold (its outcome), or the approval request it now waits in."""
    identity.authorize_money_action(
        request,
        agent_id,
        permission=REFUND_PERMISSION,
        reason_code=reason_code,
        reason_codes=RefundReason.values,
    )
    payment_uuid = operations._uuid_or_none(payment_id)
    payment = Payment.objects.filter(public_id=payment_uuid).first() if payment_uuid else None
    if payment is None:
        raise NotFoundError()
    money = parse_amount(amount, payment.currency)
    if not needs_second_approver(money):
        return operations.refund_payment(
            payment_id=str(payment.public_id),
            amount=amount,
            reason=_reason_text(reason_code, note),
            requested_by=f"agent:{agent_id}",
            idempotency_key=idempotency_key,
        )
    return identity.request_approval(
        kind="refund",
        subject_id=payment.user_id,
        requester_id=agent_id,
        reason_code=reason_code,
        note=note,
        payload={
            "payment": str(payment.public_id),
            "amount": money.to_decimal_string(),
            "reason": _reason_text(reason_code, note),
        },
        amount=money.minor,
        currency=money.currency,
        request=request,
    )


def execute_approved_refund(
    payload: dict[str, Any], approver_id: int, approval_id: str
) -> dict[str, Any]:
    if payload.get("refund_request"):
        # A merchant's acceptance of a customer's refund request, recorded by staff at or above
        # the threshold: accepting runs the refund once, under the request's own key.
        from walletdesk.payments import refund_requests

        row = refund_requests.accept(
            request_id=str(payload["refund_request"]), actor=f"agent:{approver_id}"
        )
        return {
            "refund": str(row.refund.public_id) if row.refund is not None else None,
            "payment_status": row.payment.status,
            "refund_request": str(row.public_id),
        }
    outcome = operations.refund_payment(
        payment_id=str(payload["payment"]),
        amount=str(payload["amount"]),
        reason=str(payload["reason"]),
        requested_by=f"agent:{approver_id}",
        idempotency_key=f"approval:{approval_id}",
    )
    return {"refund": outcome.body.get("id"), "payment_status": outcome.body.get("payment_status")}
