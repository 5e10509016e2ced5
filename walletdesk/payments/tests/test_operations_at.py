"""Operations take the moment they happen (`at=`): the ledger entry, the row, the record and the
limit's day carry it, on both transfer paths (the suite runs on SQLite and on PostgreSQL, where
the transfer is the database function); the idempotency record keeps the real clock."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from walletdesk.core.money import Money
from walletdesk.ledger.invariants import check_ledger
from walletdesk.ledger.models import IdempotencyRecord, JournalEntry
from walletdesk.payments import operations, wallets
from walletdesk.payments.fees import invalidate_fee_cache
from walletdesk.payments.limits import invalidate_limit_cache, local_today
from walletdesk.payments.models import Activity, Merchant, Payment, Refund, Transfer, UsageCounter
from walletdesk.payments.tests.factories import credit_wallet

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    invalidate_fee_cache()
    invalidate_limit_cache()


def wallet_user(user_factory: Any, name: str, balance: int = 0) -> Any:
    user = user_factory(display_name=name)
    wallets.open_wallet(user.pk)
    if balance:
        credit_wallet(user.pk, Money(balance, "CNY"))
    return user


def test_a_transfer_at_a_past_moment_is_dated_there_everywhere(
    user_factory: Any, limit_rule: Any
) -> None:
    limit_rule("transfer", per_transaction=500_00, per_day=1000_00)
    alice = wallet_user(user_factory, "王小明", 100_00)
    bob = wallet_user(user_factory, "李娜")
    at = timezone.now() - timedelta(days=40, hours=3)
    outcome = operations.transfer(
        payer=operations.Payer.customer(alice.pk),
        recipient=bob.login_name,
        amount="12.00",
        currency="CNY",
        idempotency_key=uuid.uuid4().hex,
        confirmed=True,
        at=at,
    )
    transfer = Transfer.objects.get(public_id=outcome.body["id"])
    assert transfer.created_at == at
    assert JournalEntry.objects.get(pk=transfer.entry_id).created_at == at
    rows = Activity.objects.filter(object_public_id=transfer.public_id)
    assert {row.created_at for row in rows} == {at} and rows.count() == 2
    assert UsageCounter.objects.get(user=alice, operation="transfer").day == local_today(at)
    stored = IdempotencyRecord.objects.get(scope=f"user:{alice.pk}:transfer")
    assert timezone.now() - stored.created_at < timedelta(minutes=5)
    assert check_ledger().ok


def test_without_a_moment_a_transfer_happens_now(user_factory: Any) -> None:
    alice = wallet_user(user_factory, "王小明", 100_00)
    bob = wallet_user(user_factory, "李娜")
    outcome = operations.transfer(
        payer=operations.Payer.customer(alice.pk),
        recipient=bob.login_name,
        amount="1.00",
        currency="CNY",
        idempotency_key=uuid.uuid4().hex,
        confirmed=True,
    )
    transfer = Transfer.objects.get(public_id=outcome.body["id"])
    entry = JournalEntry.objects.get(pk=transfer.entry_id)
    for moment in (transfer.created_at, entry.created_at):
        assert timezone.now() - moment < timedelta(minutes=5)


def test_a_payment_and_its_refund_at_past_moments(user_factory: Any) -> None:
    alice = wallet_user(user_factory, "王小明", 100_00)
    shop = Merchant.objects.create(name="瑞幸咖啡", name_en="Luckin", currency="CNY")
    paid_at = timezone.now() - timedelta(days=60)
    body = operations.pay_merchant(
        payer=operations.Payer.customer(alice.pk),
        merchant_id=str(shop.public_id),
        amount="19.90",
        idempotency_key=uuid.uuid4().hex,
        confirmed=True,
        at=paid_at,
    ).body
    payment = Payment.objects.get(public_id=body["id"])
    assert payment.created_at == paid_at
    assert JournalEntry.objects.get(pk=payment.entry_id).created_at == paid_at
    refunded_at = paid_at + timedelta(hours=2)
    refund_body = operations.refund_payment(
        payment_id=body["id"],
        amount="19.90",
        reason="缺货",
        requested_by="merchant",
        idempotency_key=uuid.uuid4().hex,
        at=refunded_at,
    ).body
    refund = Refund.objects.get(public_id=refund_body["id"])
    assert refund.created_at == refunded_at
    assert JournalEntry.objects.get(pk=refund.entry_id).created_at == refunded_at
    assert Activity.objects.get(object_public_id=refund.public_id).created_at == refunded_at
    assert check_ledger().ok
