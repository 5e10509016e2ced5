"""MON-1: one per-operation cap per currency, applied to every money command.

The suite runs on SQLite and on PostgreSQL; on PostgreSQL `operations.transfer` is the database
function's path, so the transfer tests below cover both.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from walletdesk.core.money import AmountTooLargeError, Money
from walletdesk.identity.facade import set_payment_password
from walletdesk.ledger.models import JournalEntry, Posting
from walletdesk.payments import fx, operations, wallets
from walletdesk.payments.caps import CappedOperation, cap_for, check_cap
from walletdesk.payments.errors import RailAmountTooLargeError
from walletdesk.payments.models import FxQuote, Payment, Transfer
from walletdesk.payments.tests.factories import credit_wallet, make_merchant
from walletdesk.payments.topups import create_top_up

pytestmark = pytest.mark.django_db

PIN = "258036"


@pytest.fixture
def rich(user_factory: Any) -> Any:
    """A customer holding more than the caps in yuan, dollars and yen."""
    user = user_factory(display_name="王大户")
    wallets.open_wallet(user.pk, ("CNY", "USD", "JPY"))
    credit_wallet(user.pk, Money(50_000_00, "CNY"))
    credit_wallet(user.pk, Money(50_000_00, "USD"))
    credit_wallet(user.pk, Money(5_000_000, "JPY"))
    set_payment_password(user.pk, PIN)
    return user


@pytest.fixture
def payee(user_factory: Any) -> Any:
    user = user_factory(display_name="李收款")
    wallets.open_wallet(user.pk, ("CNY", "USD", "JPY"))
    return user


def _send(sender: Any, recipient: Any, amount: str, currency: str = "CNY") -> Any:
    return operations.transfer(
        payer=operations.Payer.customer(sender.pk),
        recipient=recipient.login_name,
        amount=amount,
        currency=currency,
        idempotency_key=uuid.uuid4().hex,
        confirmed=True,
    )


def _pay(user: Any, merchant: Any, amount: str, **kw: Any) -> Any:
    return operations.pay_merchant(
        payer=operations.Payer.customer(user.pk),
        merchant_id=str(merchant.public_id),
        amount=amount,
        payment_password=PIN,
        idempotency_key=uuid.uuid4().hex,
        **kw,
    )


def test_caps_are_per_currency_in_minor_units() -> None:
    assert cap_for("CNY") == Money(10_000_00, "CNY")
    # 10 000 yen is about 475 yuan: the yen cap is its own number, not "10 000 major units".
    assert cap_for("JPY").minor > 10_000 * 10
    assert check_cap(CappedOperation.TRANSFER, Money(10_000_00, "CNY")) == Money(10_000_00, "CNY")


def test_transfer_over_the_cap_is_refused_and_moves_nothing(rich: Any, payee: Any) -> None:
    entries = JournalEntry.objects.count()
    with pytest.raises(AmountTooLargeError) as refused:
        _send(rich, payee, "10000.01")
    assert refused.value.code == "amount_too_large"
    assert refused.value.public_details()["limit"] == "¥10,000.00"
    assert JournalEntry.objects.count() == entries
    assert not Transfer.objects.exists()

    outcome = _send(rich, payee, "10000.00")
    assert outcome.status == 201


def test_a_yen_transfer_is_capped_in_yen(rich: Any, payee: Any) -> None:
    cap = cap_for("JPY")
    assert _send(rich, payee, "10001", currency="JPY").status == 201  # over 10 000, in yen
    with pytest.raises(AmountTooLargeError):
        _send(rich, payee, str(cap.minor + 1), currency="JPY")
    assert _send(rich, payee, str(cap.minor), currency="JPY").status == 201


def test_merchant_payment_over_the_cap_is_refused(rich: Any) -> None:
    shop = make_merchant()
    with pytest.raises(AmountTooLargeError):
        _pay(rich, shop, "10000.01")
    assert not Payment.objects.exists()
    assert _pay(rich, shop, "10000.00").status == 201


def test_fx_quote_over_the_cap_is_refused_on_either_side(rich: Any) -> None:
    fx.load_rates(fx.FileRateProvider())
    with pytest.raises(AmountTooLargeError):  # buying more dollars than the dollar cap
        fx.create_quote(user_id=rich.pk, sell_currency="CNY", buy=Money(10_000_01, "USD"))
    yen_cap = cap_for("JPY")
    # Within the yen cap, but paying for it in yuan would go over the yuan cap.
    assert Money(yen_cap.minor, "JPY") == yen_cap
    with pytest.raises(AmountTooLargeError):
        fx.create_quote(user_id=rich.pk, sell_currency="CNY", buy=Money(yen_cap.minor, "JPY"))
    assert not FxQuote.objects.exists()
    quote = fx.create_quote(user_id=rich.pk, sell_currency="CNY", buy=Money(100_000, "JPY"))
    assert quote.sell_amount < cap_for("CNY").minor


def test_refund_over_the_cap_is_refused(rich: Any) -> None:
    shop = make_merchant()
    payment = _pay(rich, shop, "100.00")
    postings = Posting.objects.count()
    with pytest.raises(AmountTooLargeError):
        operations.refund_payment(
            payment_id=payment.body["id"],
            amount="10000.01",
            reason="测试",
            requested_by="agent:1",
            idempotency_key=uuid.uuid4().hex,
        )
    assert Posting.objects.count() == postings


def test_top_ups_keep_their_own_code_with_the_currency_cap(rich: Any) -> None:
    with pytest.raises(RailAmountTooLargeError):
        create_top_up(
            user_id=rich.pk,
            kyc_level=0,
            amount=str(cap_for("JPY").minor + 1),
            currency="JPY",
            method="third_party_wallet",
            card_id=None,
            idempotency_key=uuid.uuid4().hex,
        )


def test_api_answers_400_with_the_code_and_a_translated_message(rich: Any, payee: Any) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(rich)
    shop = make_merchant()
    for path, body in (
        ("/api/v1/transfers", {"recipient": payee.login_name, "amount": "10000.01"}),
        (
            "/api/v1/payments",
            {"merchant_id": str(shop.public_id), "amount": "10000.01", "payment_password": PIN},
        ),
        ("/api/v1/fx/quotes", {"buy_currency": "USD", "buy_amount": "10000.01"}),
    ):
        response = client.post(
            path, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY="cap-1"
        )
        assert response.status_code == 400, (path, response.content)
        error = response.json()["error"]
        assert error["code"] == "amount_too_large", path
        assert "单笔" in error["message"], error["message"]
        assert error["details"]["limit"]


def test_transfer_page_shows_the_cap(rich: Any, payee: Any) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(rich)
    response = client.post(
        "/transfer/",
        {
            "recipient": payee.login_name,
            "amount": "10000.01",
            "memo": "",
            "idempotency_key": uuid.uuid4().hex,
            "payment_password": PIN,
        },
    )
    assert response.status_code == 200
    assert "¥10,000.00" in response.content.decode()
    assert not Transfer.objects.exists()


def test_a_currency_without_a_cap_stops_the_start(settings: Any) -> None:
    caps = dict(settings.WALLETDESK["PER_OPERATION_CAPS"])
    del caps["KRW"]
    settings.WALLETDESK = {**settings.WALLETDESK, "PER_OPERATION_CAPS": caps}
    with pytest.raises(SystemCheckError, match="KRW"):
        call_command("check")
