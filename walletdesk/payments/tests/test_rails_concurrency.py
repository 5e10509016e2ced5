"""MON-3 on PostgreSQL: concurrent withdrawals can never overspend a wallet."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from django.db import connection

from walletdesk.core.errors import WalletDeskError
from walletdesk.ledger.enums import HoldStatus
from walletdesk.ledger.invariants import check_ledger
from walletdesk.ledger.models import Hold
from walletdesk.payments.models import Withdrawal
from walletdesk.payments.rails import sandbox
from walletdesk.payments.tests.conftest import available
from walletdesk.payments.withdrawals import create_withdrawal

THREADS = 20


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_withdrawals_of_ten_from_a_hundred(
    wallet_factory: Any, card_factory: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite serialises every write, so it cannot show that row locks "
            "prevent a double spend (security guide MON-3)"
        )
    user = wallet_factory(balance="100.00")
    card = card_factory(user)
    barrier = threading.Barrier(THREADS, timeout=30)
    results: list[str] = []
    lock = threading.Lock()

    def withdraw() -> None:
        try:
            barrier.wait(timeout=30)
            outcome = create_withdrawal(
                user_id=user.pk,
                kyc_level=0,
                amount="10.00",
                currency="CNY",
                card_id=str(card.public_id),
                idempotency_key=uuid.uuid4().hex,
                confirmed=True,
            )
            result = str(outcome.status)
        except WalletDeskError as error:
            result = error.code
        except Exception as error:
            result = f"unexpected {type(error).__name__}: {error}"
        finally:
            connection.close()
        with lock:
            results.append(result)

    # The payouts stay at the rail (no callback), so every successful withdrawal keeps its hold.
    with sandbox.force_mode("callback_lost"):
        threads = [threading.Thread(target=withdraw) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert sorted(results) == ["201"] * 10 + ["insufficient_balance"] * 10, results
    assert available(user) == 0
    assert Hold.objects.filter(status=HoldStatus.ACTIVE).count() == 10
    assert Withdrawal.objects.filter(user=user).count() == 10
    assert check_ledger().ok
