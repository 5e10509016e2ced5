"""Concurrency on PostgreSQL (SQLite serialises writers, so it cannot show these races)."""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter
from typing import Any

import pytest
from django.db import connection, connections

from walletdesk.core.errors import WalletDeskError
from walletdesk.core.money import Money
from walletdesk.ledger.invariants import check_ledger
from walletdesk.ledger.models import LedgerAccount
from walletdesk.payments import operations, wallets
from walletdesk.payments.limits import invalidate_limit_cache
from walletdesk.payments.models import LimitRule, UsageCounter
from walletdesk.payments.tests.factories import credit_wallet

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL row locks"),
]


def run_in_threads(count: int, work: Any) -> list[Any]:
    results: list[Any] = [None] * count
    barrier = threading.Barrier(count, timeout=30)

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def transfer_or_refusal(sender: Any, recipient_login: str, amount: str, key: str) -> str:
    """ "ok", or the refusal's code."""
    try:
        operations.transfer(
            payer=operations.Payer.customer(sender.pk),
            recipient=recipient_login,
            amount=amount,
            currency="CNY",
            idempotency_key=key,
            confirmed=True,
        )
    except WalletDeskError as error:
        return error.code
    return "ok"


def test_twenty_concurrent_transfers_of_ten_from_a_hundred(user_factory: Any) -> None:
    sender = user_factory()
    recipients = [user_factory() for _ in range(4)]
    for user in [sender, *recipients]:
        wallets.open_wallet(user.pk)
    credit_wallet(sender.pk, Money(100_00, "CNY"))

    def send(index: int) -> str:
        return transfer_or_refusal(sender, recipients[index % 4].login_name, "10.00", f"t-{index}")

    outcomes = Counter(run_in_threads(20, send))
    assert outcomes == {"ok": 10, "insufficient_balance": 10}
    assert LedgerAccount.objects.get(code=f"wallet:{sender.pk}:CNY").posted == 0
    assert check_ledger().ok


def test_concurrent_transfers_pass_the_daily_limit_only_as_far_as_it_goes(
    user_factory: Any,
) -> None:
    LimitRule.objects.create(
        operation="transfer", kyc_level=0, per_transaction=50_00, per_day=100_00
    )
    invalidate_limit_cache()
    sender, recipient = user_factory(), user_factory()
    for user in (sender, recipient):
        wallets.open_wallet(user.pk)
    credit_wallet(sender.pk, Money(500_00, "CNY"))

    def send(index: int) -> str:
        return transfer_or_refusal(sender, recipient.login_name, "30.00", f"d-{index}")

    outcomes = Counter(run_in_threads(10, send))
    assert outcomes == {"ok": 3, "limit_exceeded": 7}
    counter = UsageCounter.objects.get(user=sender, operation="transfer")
    assert (counter.total, counter.count) == (90_00, 3)
    assert LedgerAccount.objects.get(code=f"wallet:{sender.pk}:CNY").posted == 500_00 - 90_00
    assert check_ledger().ok


def test_bank_with_eight_workers_conserves_money(user_factory: Any) -> None:
    users = [user_factory() for _ in range(4)]
    for user in users:
        wallets.open_wallet(user.pk)
        credit_wallet(user.pk, Money(50_00, "CNY"))
    logins = [u.login_name for u in users]
    rng = random.Random(20261121)
    plans = [
        [(rng.randrange(4), rng.randrange(1, 4), rng.randint(1, 20_00)) for _ in range(25)]
        for _ in range(8)
    ]

    def bank(index: int) -> Counter[str]:
        tally: Counter[str] = Counter()
        for src, offset, amount in plans[index]:
            try:
                operations.transfer(
                    payer=operations.Payer.customer(users[src].pk),
                    recipient=logins[(src + offset) % 4],
                    amount=Money(amount, "CNY").to_decimal_string(),
                    currency="CNY",
                    idempotency_key=uuid.uuid4().hex,
                    confirmed=True,
                )
                tally["ok"] += 1
            except WalletDeskError as error:
                tally[error.code] += 1
        return tally

    results = run_in_threads(8, bank)
    errors = [r for r in results if not isinstance(r, Counter)]
    assert errors == []  # no deadlock, no unexpected database error
    total: Counter[str] = sum(results, Counter())
    assert set(total) <= {"ok", "insufficient_balance"}
    assert total["ok"] > 0
    balances = LedgerAccount.objects.filter(code__in=[f"wallet:{u.pk}:CNY" for u in users])
    assert sum(b.posted for b in balances) == 200_00
    assert all(b.posted >= 0 for b in balances)
    report = check_ledger()
    assert report.ok, report.violations
    assert connection.vendor == "postgresql"
