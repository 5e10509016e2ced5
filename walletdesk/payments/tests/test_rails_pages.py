"""Wallet pages: top-up, withdraw (fee before confirm), cards, record page with timeline."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.test import Client

from walletdesk.payments.models import TopUp, Withdrawal
from walletdesk.payments.tests.conftest import PAY_PASSWORD, available

pytestmark = pytest.mark.django_db


def _key(html: str) -> str:
    match = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', html)
    assert match, "money forms carry an idempotency key"
    return match.group(1)


def test_top_up_page_to_record_page(
    wallet_factory: Any, client_for: Any, run_on_commit: Any
) -> None:
    user = wallet_factory()
    client = client_for(user)
    page = client.get("/topup/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-once" in html
    key = _key(html)
    form = {"amount": "100.54", "method": "third_party_wallet", "card": "", "idempotency_key": key}
    with run_on_commit():
        response = client.post("/topup/", form)
    top_up = TopUp.objects.get(user=user, amount=100_54)
    assert response.status_code == 302
    assert response["Location"] == f"/records/top-up/{top_up.public_id}/"
    # A double submit with the same key lands on the same record and moves nothing.
    assert client.post("/topup/", form)["Location"] == response["Location"]
    assert TopUp.objects.filter(user=user).count() == 1
    detail = client.get(response["Location"]).content.decode()
    assert top_up.rail_trace_id in detail
    assert "/requery/" in detail  # still processing: the customer can ask us to check now
    with run_on_commit():
        checked = client.post(f"/records/top-up/{top_up.public_id}/requery/")
    assert checked.status_code == 302
    top_up.refresh_from_db()
    assert top_up.status == "succeeded" and available(user) == 100_54
    detail = client.get(response["Location"]).content.decode()
    assert "/requery/" not in detail


def test_record_page_in_english_and_chinese(
    wallet_factory: Any, fund: Any, client_for: Any
) -> None:
    user = wallet_factory()
    top_up = fund(user, "12.00")
    client = client_for(user)
    url = f"/records/top-up/{top_up.public_id}/"
    english = client.get(url, headers={"accept-language": "en"}).content.decode()
    assert "Trace id" in english and "Progress" in english and "Third-party wallet" in english
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(url, headers={"accept-language": "zh-hans"}).content.decode()
    assert "流水号" in chinese and "充值" in chinese


def test_withdraw_shows_the_fee_before_confirming(
    wallet_factory: Any, card_factory: Any, client_for: Any, fee_rule: Any, run_on_commit: Any
) -> None:
    fee_rule("withdrawal", rate_bp=10, minimum=10)
    user = wallet_factory(balance="100.00")
    card = card_factory(user)
    client = client_for(user)
    key = _key(client.get("/withdraw/").content.decode())
    quote = client.post(
        "/withdraw/",
        {"amount": "20.00", "card": str(card.public_id), "idempotency_key": key, "step": "quote"},
    )
    html = quote.content.decode()
    assert quote.status_code == 200 and "¥0.10" in html and "¥20.10" in html
    assert 'value="confirm"' in html and "data-once" in html
    assert Withdrawal.objects.count() == 0 and available(user) == 100_00
    with run_on_commit():
        done = client.post(
            "/withdraw/",
            {
                "amount": "20.00",
                "card": str(card.public_id),
                "idempotency_key": key,
                "step": "confirm",
                "payment_password": PAY_PASSWORD,
            },
        )
    withdrawal = Withdrawal.objects.get(user=user)
    assert done["Location"] == f"/records/withdrawal/{withdrawal.public_id}/"
    assert withdrawal.status == "succeeded" and available(user) == 79_90
    assert client.get(done["Location"]).status_code == 200


def test_withdraw_without_cards_points_to_binding(wallet_factory: Any, client_for: Any) -> None:
    client = client_for(wallet_factory())
    html = client.get("/withdraw/").content.decode()
    assert "/cards/" in html


def test_cards_page_bind_and_unbind(wallet_factory: Any, client_for: Any) -> None:
    user = wallet_factory()
    client = client_for(user)
    assert client.get("/cards/").status_code == 200
    bound = client.post(
        "/cards/bind/", {"number": "6222 0212 3456 7890 128", "expiry": "12/39", "cvv": "123"}
    )
    assert bound.status_code == 302
    html = client.get("/cards/").content.decode()
    assert "0128" in html and "6222021234567890128" not in html
    card = user.bank_cards.get()
    assert client.post(f"/cards/{card.public_id}/unbind/").status_code == 302
    card.refresh_from_db()
    assert card.status == "unbound"


@pytest.mark.parametrize("url", ["/topup/", "/withdraw/", "/cards/"])
def test_anonymous_is_sent_to_login(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 302 and "/account/" in response["Location"]


def test_someone_elses_record_is_404(
    wallet_factory: Any, fund: Any, card_factory: Any, client_for: Any
) -> None:
    owner = wallet_factory()
    top_up = fund(owner, "5.00")
    card = card_factory(owner)
    stranger = client_for(wallet_factory())
    for url in (
        f"/records/top-up/{top_up.public_id}/",
        f"/records/top-up/{uuid.uuid4()}/",
        f"/records/withdrawal/{uuid.uuid4()}/",
    ):
        assert stranger.get(url).status_code == 404
    assert stranger.post(f"/records/top-up/{top_up.public_id}/requery/").status_code == 404
    assert stranger.post(f"/cards/{card.public_id}/unbind/").status_code == 404
    card.refresh_from_db()
    assert card.status == "active"
