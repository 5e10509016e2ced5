"""The withdrawal fee method (seed 001): the customer chooses whether the fee is added on top or
taken from the amount; the quote shows both, and the chosen one is what the ledger moves."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from walletdesk.core.errors import ValidationFailedError
from walletdesk.ledger.invariants import check_ledger
from walletdesk.ledger.models import Hold, JournalEntry
from walletdesk.payments.models import Activity, UsageCounter, Withdrawal
from walletdesk.payments.tests.conftest import PAY_PASSWORD, available
from walletdesk.payments.withdrawals import create_withdrawal, quote_withdrawal

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer_with_card(wallet_factory: Any, card_factory: Any, fee_rule: Any) -> tuple[Any, Any]:
    fee_rule("withdrawal", rate_bp=10, minimum=10, method="bank_card")  # 0.1 %, at least ¥0.10
    user = wallet_factory(balance="2000.00")
    return user, card_factory(user)


def _withdraw(user: Any, card: Any, run_on_commit: Any, amount: str, **extra: Any) -> Any:
    with run_on_commit():
        return create_withdrawal(
            user_id=user.pk,
            kyc_level=0,
            amount=amount,
            currency="CNY",
            card_id=str(card.public_id),
            idempotency_key=uuid.uuid4().hex,
            confirmed=True,
            **extra,
        )


def test_the_quote_shows_both_methods(customer_with_card: Any) -> None:
    user, card = customer_with_card
    quote = quote_withdrawal(
        user_id=user.pk, amount="1000.00", currency="CNY", card_id=str(card.public_id)
    ).as_dict()
    assert quote["fee_method"] == "on_top"  # unsaid: as before the choice existed
    assert (quote["fee"], quote["total_debit"], quote["arrives_amount"]) == (
        "1.00",
        "1001.00",
        "1000.00",
    )
    methods = {option["method"]: option for option in quote["fee_methods"]}
    assert (methods["on_top"]["total_debit"], methods["on_top"]["arrives_amount"]) == (
        "1001.00",
        "1000.00",
    )
    assert (methods["from_amount"]["total_debit"], methods["from_amount"]["arrives_amount"]) == (
        "1000.00",
        "999.00",
    )
    assert Hold.objects.count() == 0


@pytest.mark.parametrize(
    ("fee_method", "debit", "arrives"),
    [(None, 1001_00, 1000_00), ("on_top", 1001_00, 1000_00), ("from_amount", 1000_00, 999_00)],
)
def test_the_chosen_method_is_what_the_ledger_moves(
    customer_with_card: Any,
    run_on_commit: Any,
    limit_rule: Any,
    fee_method: str | None,
    debit: int,
    arrives: int,
) -> None:
    user, card = customer_with_card
    limit_rule("withdrawal", per_transaction=5_000_00, per_day=10_000_00)
    outcome = _withdraw(user, card, run_on_commit, "1000.00", fee_method=fee_method)
    assert outcome.status == 201
    assert outcome.body["fee_method"] == (fee_method or "on_top")
    assert outcome.body["total_debit"] == f"{debit // 100}.00"
    assert outcome.body["arrives_amount"] == f"{arrives // 100}.00"
    withdrawal = Withdrawal.objects.get(public_id=outcome.body["id"])
    assert withdrawal.status == "succeeded"
    assert (withdrawal.amount, withdrawal.fee) == (arrives, 1_00)
    entry = JournalEntry.objects.get(pk=withdrawal.entry_id or 0)
    assert sorted(entry.postings.values_list("account__code", "amount")) == [
        ("fees:CNY", 1_00),
        ("rail:bank_card:CNY", arrives),
        (f"wallet:{user.pk}:CNY", -debit),
    ]
    assert available(user) == 2000_00 - debit
    record = Activity.objects.get(object_public_id=withdrawal.public_id)
    assert (record.amount, record.fee) == (-arrives, 1_00)
    # The daily limit counts what is paid out, as a failure gives it back.
    assert UsageCounter.objects.get(user=user, operation="withdrawal").total == arrives
    assert check_ledger().ok


def test_taking_the_fee_from_the_amount_empties_the_wallet(
    customer_with_card: Any, run_on_commit: Any
) -> None:
    user, card = customer_with_card
    _withdraw(user, card, run_on_commit, "2000.00", fee_method="from_amount")
    assert available(user) == 0
    assert check_ledger().ok


def test_a_failed_payout_gives_back_what_was_held(
    customer_with_card: Any, run_on_commit: Any
) -> None:
    user, card = customer_with_card
    # The sandbox declines payouts ending in .51: the arriving amount is what it is sent.
    outcome = _withdraw(user, card, run_on_commit, "11.61", fee_method="from_amount")
    withdrawal = Withdrawal.objects.get(public_id=outcome.body["id"])
    assert (withdrawal.amount, withdrawal.fee) == (11_51, 10)
    assert withdrawal.status == "failed"
    assert available(user) == 2000_00
    assert check_ledger().ok


def test_an_unknown_method_is_refused(customer_with_card: Any) -> None:
    user, card = customer_with_card
    with pytest.raises(ValidationFailedError):
        quote_withdrawal(
            user_id=user.pk,
            amount="10.00",
            currency="CNY",
            card_id=str(card.public_id),
            fee_method="half_each",
        )


def test_api_quote_and_create(customer_with_card: Any, run_on_commit: Any) -> None:
    user, card = customer_with_card
    client = Client()
    client.force_login(user)
    quote = client.post(
        "/api/v1/withdrawals/quote",
        {"amount": "1000.00", "card_id": str(card.public_id), "fee_method": "from_amount"},
        content_type="application/json",
    ).json()
    assert (quote["fee_method"], quote["total_debit"], quote["arrives_amount"]) == (
        "from_amount",
        "1000.00",
        "999.00",
    )
    assert [option["method"] for option in quote["fee_methods"]] == ["on_top", "from_amount"]
    with run_on_commit():
        created = client.post(
            "/api/v1/withdrawals",
            {
                "amount": "1000.00",
                "card_id": str(card.public_id),
                "fee_method": "from_amount",
                "payment_password": PAY_PASSWORD,
            },
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="wd-from-amount",
        )
    assert created.status_code == 201, created.content
    assert created.json()["total_debit"] == "1000.00"
    assert available(user) == 1000_00
    bad = client.post(
        "/api/v1/withdrawals/quote",
        {"amount": "10.00", "card_id": str(card.public_id), "fee_method": "later"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_failed"


def test_withdraw_page_shows_both_and_uses_the_choice(
    customer_with_card: Any, run_on_commit: Any
) -> None:
    user, card = customer_with_card
    client = Client()
    client.force_login(user)
    form = {"amount": "1000.00", "card": str(card.public_id), "idempotency_key": "page-wd-1"}
    page = client.post(
        "/withdraw/", {**form, "step": "quote"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "另外支付手续费" in page and "从提现金额中扣除" in page
    assert "¥1,001.00" in page and "¥999.00" in page
    with run_on_commit():
        done = client.post(
            "/withdraw/",
            {
                **form,
                "step": "confirm",
                "fee_method": "from_amount",
                "payment_password": PAY_PASSWORD,
            },
        )
    assert done.status_code == 302
    withdrawal = Withdrawal.objects.get(user=user)
    assert (withdrawal.fee_method, withdrawal.amount, withdrawal.fee) == (
        "from_amount",
        999_00,
        1_00,
    )
    assert available(user) == 1000_00
    detail = client.get(done["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "从提现金额中扣除" in detail and "¥999.00" in detail and "¥1,000.00" in detail
