"""Paying a merchant that is paid in another currency: with a quote it works; without one the
customer gets a clear answer (API: a stable code; page: the quote step), never a 500."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from walletdesk.core.money import Money
from walletdesk.identity.facade import set_payment_password
from walletdesk.ledger.models import LedgerAccount
from walletdesk.payments import fx, operations, wallets
from walletdesk.payments.errors import FxQuoteExpiredError, FxQuoteRequiredError
from walletdesk.payments.models import FxQuote, Payment
from walletdesk.payments.tests.factories import credit_wallet, make_merchant

pytestmark = pytest.mark.django_db

PIN = "258036"


@pytest.fixture
def traveller(user_factory: Any) -> Any:
    user = user_factory(display_name="周婷")
    wallets.open_wallet(user.pk)
    credit_wallet(user.pk, Money(500_00, "CNY"))
    set_payment_password(user.pk, PIN)
    fx.load_rates(fx.FileRateProvider())
    return user


@pytest.fixture
def tokyo_shop() -> Any:
    return make_merchant("東京ラーメン", currency="JPY", country="JP")


def pay(user: Any, merchant: Any, quote_id: str | None) -> Any:
    return operations.pay_merchant(
        payer=operations.Payer.customer(user.pk),
        merchant_id=str(merchant.public_id),
        amount="1200",
        payment_password=PIN,
        idempotency_key=uuid.uuid4().hex,
        fx_quote_id=quote_id,
    )


@pytest.mark.parametrize("quote_id", [None, "", "   "])
def test_paying_a_foreign_merchant_without_a_quote_asks_for_one(
    traveller: Any, tokyo_shop: Any, quote_id: str | None
) -> None:
    with pytest.raises(FxQuoteRequiredError) as caught:
        pay(traveller, tokyo_shop, quote_id)
    assert caught.value.code == "fx_quote_required"
    assert caught.value.http_status == 400
    assert not Payment.objects.exists()


def test_a_mangled_quote_id_is_refused_like_a_stale_quote(traveller: Any, tokyo_shop: Any) -> None:
    with pytest.raises(FxQuoteExpiredError):
        pay(traveller, tokyo_shop, "not-a-quote")
    assert not Payment.objects.exists()


def test_the_api_answers_fx_quote_required_in_the_request_language(
    traveller: Any, tokyo_shop: Any
) -> None:
    client = Client()
    client.force_login(traveller)
    response = client.post(
        "/api/v1/payments",
        json.dumps(
            {"merchant_id": str(tokyo_shop.public_id), "amount": "1200", "payment_password": PIN}
        ),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="jpy-1",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "fx_quote_required"
    assert "JPY" in error["message"] and "汇率报价" in error["message"]


def test_the_pay_page_without_a_step_shows_the_quote_and_then_pays_with_it(
    traveller: Any, tokyo_shop: Any
) -> None:
    """What a browser sends when the clicked button's name is lost: no `step`, no quote."""
    client = Client()
    client.force_login(traveller)
    form = {
        "idempotency_key": uuid.uuid4().hex,
        "merchant": str(tokyo_shop.public_id),
        "amount": "1200",
        "payment_password": PIN,
        "fx_quote_id": "",
    }
    response = client.post("/pay/", form)
    assert response.status_code == 200
    assert 'data-testid="fx-quote"' in response.content.decode()
    quote = FxQuote.objects.get(user=traveller)
    assert not Payment.objects.exists()

    response = client.post("/pay/", {**form, "fx_quote_id": str(quote.public_id), "step": "pay"})
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert response["Location"] == f"/records/payment/{payment.public_id}/"
    assert LedgerAccount.objects.get(code=f"merchant:{tokyo_shop.pk}:JPY").posted == 1200
