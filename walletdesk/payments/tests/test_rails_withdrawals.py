"""Withdrawals: quote, hold, payout, then capture or release: exactly once, ledger whole."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from walletdesk.ledger.enums import EntryKind, HoldStatus
from walletdesk.ledger.idempotency import IdempotentOutcome
from walletdesk.ledger.invariants import check_ledger
from walletdesk.ledger.models import Hold, IdempotencyRecord, JournalEntry, Posting
from walletdesk.payments import reconciliation
from walletdesk.payments.models import Activity, UsageCounter, Withdrawal
from walletdesk.payments.rails import sandbox
from walletdesk.payments.tests.conftest import PAY_PASSWORD, available
from walletdesk.payments.wallets import freeze_wallet
from walletdesk.payments.withdrawals import create_withdrawal, quote_withdrawal

pytestmark = pytest.mark.django_db


def _withdraw(
    user: Any, card: Any, run_on_commit: Any, amount: str = "10.00", key: str | None = None
) -> IdempotentOutcome:
    with run_on_commit():
        return create_withdrawal(
            user_id=user.pk,
            kyc_level=0,
            amount=amount,
            currency="CNY",
            card_id=str(card.public_id),
            idempotency_key=key or uuid.uuid4().hex,
            confirmed=True,
        )


def _counts() -> tuple[int, ...]:
    return (
        Posting.objects.count(),
        Hold.objects.count(),
        Withdrawal.objects.count(),
        IdempotencyRecord.objects.count(),
        Activity.objects.count(),
    )


@pytest.fixture
def customer_with_card(wallet_factory: Any, card_factory: Any) -> tuple[Any, Any]:
    user = wallet_factory(balance="100.00")
    return user, card_factory(user)


def test_quote_shows_fee_before_confirmation(customer_with_card: Any, fee_rule: Any) -> None:
    user, card = customer_with_card
    fee_rule("withdrawal", rate_bp=10, minimum=10)  # 0.1 %, at least ¥0.10
    small = quote_withdrawal(
        user_id=user.pk, amount="10.00", currency="CNY", card_id=str(card.public_id)
    )
    assert (small.fee.minor, small.total.minor) == (10, 10_10)
    large = quote_withdrawal(
        user_id=user.pk, amount="5000.00", currency="CNY", card_id=str(card.public_id)
    )
    assert large.fee.minor == 5_00
    assert Hold.objects.count() == 0


def test_success_captures_the_hold_with_fee(
    customer_with_card: Any, fee_rule: Any, run_on_commit: Any
) -> None:
    user, card = customer_with_card
    fee_rule("withdrawal", rate_bp=10, minimum=10)
    outcome = _withdraw(user, card, run_on_commit, "50.00")
    assert outcome.status == 201 and outcome.body["total_debit"] == "50.10"
    withdrawal = Withdrawal.objects.get(public_id=outcome.body["id"])
    assert withdrawal.status == "succeeded" and withdrawal.rail_trace_id.startswith("SBXC")
    hold = Hold.objects.get(pk=withdrawal.hold_id or 0)
    assert (hold.status, hold.captured_amount) == (HoldStatus.CAPTURED, 50_10)
    entry = JournalEntry.objects.get(pk=withdrawal.entry_id or 0)
    assert entry.kind == EntryKind.WITHDRAWAL
    assert sorted(entry.postings.values_list("account__code", "amount")) == [
        ("fees:CNY", 10),
        ("rail:bank_card:CNY", 50_00),
        (f"wallet:{user.pk}:CNY", -50_10),
    ]
    assert available(user) == 49_90
    assert Activity.objects.get(object_public_id=withdrawal.public_id).status == "succeeded"
    assert check_ledger().ok


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("10.51", "card_declined"),
        ("10.52", "insufficient_funds_at_bank"),
    ],
)
def test_failure_releases_the_hold_and_the_limit_usage(
    customer_with_card: Any, run_on_commit: Any, limit_rule: Any, amount: str, reason: str
) -> None:
    user, card = customer_with_card
    limit_rule("withdrawal", per_transaction=5000_00, per_day=2000_00, per_hour_count=5)
    outcome = _withdraw(user, card, run_on_commit, amount)
    withdrawal = Withdrawal.objects.get(public_id=outcome.body["id"])
    assert (withdrawal.status, withdrawal.failure_reason) == ("failed", reason)
    assert Hold.objects.get(pk=withdrawal.hold_id or 0).status == HoldStatus.VOIDED
    assert withdrawal.entry_id is None
    assert available(user) == 100_00
    counter = UsageCounter.objects.get(user=user, operation="withdrawal")
    assert (counter.total, counter.count) == (0, 0)
    assert check_ledger().ok


def test_idempotent_retry_replays_and_moves_money_once(
    customer_with_card: Any, run_on_commit: Any
) -> None:
    user, card = customer_with_card
    first = _withdraw(user, card, run_on_commit, "10.00", key="same")
    again = _withdraw(user, card, run_on_commit, "10.00", key="same")
    assert again.replayed and again.body == first.body and again.status == 201
    assert Withdrawal.objects.count() == 1 and available(user) == 90_00


def test_frozen_wallet_cannot_withdraw_and_nothing_changes(
    customer_with_card: Any, client_for: Any
) -> None:
    user, card = customer_with_card
    freeze_wallet(user.pk, reason="lost phone", frozen_by="customer")
    before = _counts()
    response = client_for(user).post(
        "/api/v1/withdrawals",
        {"amount": "10.00", "card_id": str(card.public_id), "payment_password": PAY_PASSWORD},
        content_type="application/json",
        headers={"Idempotency-Key": "frozen-1"},
    )
    assert response.status_code == 423
    assert response.json()["error"]["code"] == "account_frozen"
    assert _counts() == before
    assert available(user) == 100_00


def test_payout_already_at_the_rail_settles_after_a_freeze(
    customer_with_card: Any, run_on_commit: Any
) -> None:
    user, card = customer_with_card
    with sandbox.force_mode("callback_lost"):
        outcome = _withdraw(user, card, run_on_commit, "30.00")
    withdrawal = Withdrawal.objects.get(public_id=outcome.body["id"])
    assert withdrawal.status == "pending" and available(user) == 70_00
    freeze_wallet(user.pk, reason="suspicious login", frozen_by="risk")
    summary = reconciliation.reconcile_pending_operations(older_than=timedelta(0))
    assert summary.succeeded == 1
    withdrawal.refresh_from_db()
    assert withdrawal.status == "succeeded" and withdrawal.entry_id
    assert available(user) == 70_00
    assert check_ledger().ok


def test_withdrawal_unknown_to_the_rail_fails_after_the_expiry_horizon(
    customer_with_card: Any, run_on_commit: Any
) -> None:
    user, card = customer_with_card
    outcome = _withdraw(user, card, run_on_commit, "10.57")  # never reaches the rail
    withdrawal = Withdrawal.objects.get(public_id=outcome.body["id"])
    assert withdrawal.status == "pending" and available(user) == 100_00 - 10_57
    reconciliation.reconcile_pending_operations(older_than=timedelta(0))
    withdrawal.refresh_from_db()
    assert withdrawal.status == "pending"  # too early to give up
    Withdrawal.objects.filter(pk=withdrawal.pk).update(
        created_at=timezone.now() - timedelta(hours=25), last_queried_at=None
    )
    reconciliation.reconcile_pending_operations()
    withdrawal.refresh_from_db()
    assert (withdrawal.status, withdrawal.failure_reason) == ("failed", "rail_timeout")
    assert available(user) == 100_00
    assert check_ledger().ok


def test_withdrawals_paused_after_contact_change(customer_with_card: Any, client_for: Any) -> None:
    user, card = customer_with_card
    type(user).objects.filter(pk=user.pk).update(
        contact_changed_at=timezone.now() - timedelta(hours=4)
    )
    before = _counts()
    response = client_for(user).post(
        "/api/v1/withdrawals",
        {"amount": "10.00", "card_id": str(card.public_id), "payment_password": PAY_PASSWORD},
        content_type="application/json",
        headers={"Idempotency-Key": "hold-1"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "withdrawals_on_hold"
    assert _counts() == before


def test_limits_apply_and_the_sixth_in_an_hour_is_refused(
    customer_with_card: Any, run_on_commit: Any, limit_rule: Any
) -> None:
    user, card = customer_with_card
    limit_rule("withdrawal", per_transaction=50_00, per_day=2000_00, per_hour_count=5)
    from walletdesk.core.errors import WalletDeskError

    with pytest.raises(WalletDeskError) as too_big:
        _withdraw(user, card, run_on_commit, "60.00")
    assert too_big.value.code == "limit_exceeded"
    for _ in range(5):
        _withdraw(user, card, run_on_commit, "1.00")
    with pytest.raises(WalletDeskError) as sixth:
        _withdraw(user, card, run_on_commit, "1.00")
    assert sixth.value.code == "withdrawal_rate_limited"
    assert available(user) == 95_00


def test_card_of_another_customer_or_unbound_card_is_refused(
    customer_with_card: Any, wallet_factory: Any, card_factory: Any, run_on_commit: Any
) -> None:
    user, _card = customer_with_card
    other = wallet_factory()
    foreign = card_factory(other, number="4111111111111111")
    from walletdesk.core.errors import WalletDeskError

    with pytest.raises(WalletDeskError) as error:
        _withdraw(user, foreign, run_on_commit)
    assert error.value.code == "card_not_found"
    assert Hold.objects.count() == 0


def test_card_with_pending_withdrawal_cannot_be_unbound(
    customer_with_card: Any, run_on_commit: Any
) -> None:
    from walletdesk.core.errors import WalletDeskError
    from walletdesk.payments.cards import unbind_card

    user, card = customer_with_card
    with sandbox.force_mode("callback_lost"):
        _withdraw(user, card, run_on_commit, "10.00")
    with pytest.raises(WalletDeskError) as error:
        unbind_card(user_id=user.pk, public_id=card.public_id)
    assert error.value.code == "card_in_use"
    reconciliation.reconcile_pending_operations(older_than=timedelta(0))
    assert unbind_card(user_id=user.pk, public_id=card.public_id).status == "unbound"
