"""Payments' statuses move through core.statemachine: checked against their transition maps and
recorded (who, when, old → new, reason). Top-ups and withdrawals keep their own timeline
(RailOperationEvent, checked against RAIL_OPERATION_TRANSITIONS in `topups.transition`); a
payment's refund status and a bank card's removal use the shared history."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from walletdesk.core.errors import InvalidStateTransitionError
from walletdesk.core.money import Money
from walletdesk.core.statemachine import change_status, status_history
from walletdesk.identity.facade import set_payment_password
from walletdesk.payments import cards, operations, topups, wallets
from walletdesk.payments.enums import (
    PAYMENT_TRANSITIONS,
    PaymentStatus,
    RailOperationStatus,
)
from walletdesk.payments.errors import CardNotFoundError, PaymentNotRefundableError
from walletdesk.payments.models import BankCard, Payment, TopUp
from walletdesk.payments.tests.factories import credit_wallet, make_merchant

pytestmark = pytest.mark.django_db

PIN = "135790"


def _history(obj: Any) -> list[tuple[str, str, str, str]]:
    return [(r.from_status, r.to_status, r.actor, r.reason) for r in status_history(obj)]


@pytest.fixture
def payment(user_factory: Any) -> Payment:
    user = user_factory()
    wallets.open_wallet(user.pk)
    credit_wallet(user.pk, Money(100_00, "CNY"))
    set_payment_password(user.pk, PIN)
    outcome = operations.pay_merchant(
        payer=operations.Payer.customer(user.pk),
        merchant_id=str(make_merchant().public_id),
        amount="50.00",
        payment_password=PIN,
        idempotency_key=uuid.uuid4().hex,
    )
    return Payment.objects.get(public_id=outcome.body["id"])


def _refund(payment: Payment, amount: str, reason: str = "商品缺货") -> None:
    operations.refund_payment(
        payment_id=str(payment.public_id),
        amount=amount,
        reason=reason,
        requested_by="agent:9",
        idempotency_key=uuid.uuid4().hex,
    )


def test_each_refund_writes_the_payments_history_row(payment: Payment) -> None:
    _refund(payment, "20.00", "部分缺货")
    _refund(payment, "30.00", "全部缺货")
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, 50_00)
    assert _history(payment) == [
        ("completed", "partially_refunded", "agent:9", "部分缺货"),
        ("partially_refunded", "refunded", "agent:9", "全部缺货"),
    ]


def test_a_refunded_payment_cannot_move_again(payment: Payment) -> None:
    _refund(payment, "50.00")
    with pytest.raises(PaymentNotRefundableError):
        _refund(payment, "1.00")
    payment.refresh_from_db()
    with pytest.raises(InvalidStateTransitionError):
        change_status(
            payment, PaymentStatus.COMPLETED, transitions=PAYMENT_TRANSITIONS, actor="system"
        )
    assert [row[:2] for row in _history(payment)] == [("completed", "refunded")]


def test_removing_a_card_writes_its_history_row(card_factory: Any, user_factory: Any) -> None:
    user = user_factory()
    card = card_factory(user)
    cards.unbind_card(user_id=user.pk, public_id=card.public_id)
    with pytest.raises(CardNotFoundError):
        cards.unbind_card(user_id=user.pk, public_id=card.public_id)
    card = BankCard.objects.get(pk=card.pk)
    assert card.status == "unbound" and card.unbound_at is not None
    assert _history(card) == [
        ("active", "unbound", f"customer:{user.pk}", "removed by the customer")
    ]


def test_a_rail_operation_refuses_a_move_off_its_map(user_factory: Any) -> None:
    user = user_factory()
    top_up = TopUp.objects.create(
        user_id=user.pk, method="bank_card", currency="CNY", amount=10_00, fee=0
    )
    topups.transition(top_up, RailOperationStatus.PENDING, source="customer")
    top_up.save()
    with pytest.raises(InvalidStateTransitionError):
        topups.transition(top_up, RailOperationStatus.CREATED, source="callback")
    assert [(e.old_status, e.new_status) for e in topups.timeline(top_up)] == [
        ("created", "pending")
    ]
