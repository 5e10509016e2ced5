"""Bank cards: validation, brand, binding through the rail; no CVV or full number is kept."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from walletdesk.core.errors import WalletDeskError
from walletdesk.payments import cards
from walletdesk.payments.models import BankCard

pytestmark = pytest.mark.django_db

NUMBER = "6222021234567890128"
CVV = "8642"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("6222021234567890128", "6222021234567890128"),
        ("6222 0212 3456 7890 128", "6222021234567890128"),
        ("4111111111111111", "4111111111111111"),
        ("378282246310005", "378282246310005"),
    ],
)
def test_valid_numbers(raw: str, expected: str) -> None:
    assert cards.normalise_card_number(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "4111111111111112",  # Luhn fails
        "41111111111",  # 11 digits
        "41111111111111111111",  # 20 digits
        "４１１１１１１１１１１１１１１１",  # full-width digits
        "4111-1111-1111-1111",
        "4111\t1111111111111",
        "",
        None,
        4111111111111111,
        "abcd",
    ],
)
def test_invalid_numbers(raw: Any) -> None:
    with pytest.raises(WalletDeskError) as error:
        cards.normalise_card_number(raw)
    assert error.value.code == "card_number_invalid"


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("6222021234567890128", "unionpay"),
        ("4111111111111111", "visa"),
        ("5500000000000004", "mastercard"),
        ("2221000000000009", "mastercard"),
        ("378282246310005", "amex"),
        ("3530111333300000", "jcb"),
        ("6011000990139424", "other"),
    ],
)
def test_brand_from_bin(number: str, brand: str) -> None:
    assert cards.brand_for(number) == brand


def test_expiry_and_cvv_rules() -> None:
    today = date(2026, 11, 22)
    assert cards.parse_expiry("11/26", today=today) == (11, 2026)
    assert cards.parse_expiry("08/31", today=today) == (8, 2031)
    with pytest.raises(WalletDeskError) as past:
        cards.parse_expiry("10/26", today=today)
    assert past.value.code == "card_expired"
    bad_expiries: tuple[Any, ...] = ("13/30", "1/30", "0830", "08/2030", "", None, "０８/３０")
    for bad in bad_expiries:
        with pytest.raises(WalletDeskError) as error:
            cards.parse_expiry(bad, today=today)
        assert error.value.code == "card_expiry_invalid"
    assert cards.check_cvv("123") == "123" and cards.check_cvv("1234") == "1234"
    bad_cvvs: tuple[Any, ...] = ("12", "12345", "abc", "１２３", "", None, 123)
    for bad_cvv in bad_cvvs:
        with pytest.raises(WalletDeskError) as error:
            cards.check_cvv(bad_cvv)
        assert error.value.code == "card_cvv_invalid"


def _text_values() -> list[str]:
    values: list[str] = []
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField))
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            values.extend(
                json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v
                for v in row
                if v not in (None, "")
            )
    return values


def test_binding_keeps_only_token_brand_bank_and_last4(
    wallet_factory: Any, client_for: Any, caplog: Any
) -> None:
    user = wallet_factory()
    client = client_for(user)
    with caplog.at_level(logging.DEBUG):
        api = client.post(
            "/api/v1/cards",
            data=json.dumps({"number": "6222 0212 3456 7890 128", "expiry": "12/39", "cvv": CVV}),
            content_type="application/json",
        )
        page = client.post(
            "/cards/bind/", {"number": "4111 1111 1111 1111", "expiry": "01/38", "cvv": "9753"}
        )
    assert api.status_code == 201, api.content
    body = api.json()
    assert (
        body["last4"] == "0128"
        and body["brand"] == "unionpay"
        and body["bank_name"] == "中国工商银行"
    )
    assert NUMBER not in api.content.decode() and CVV not in api.content.decode()
    assert page.status_code == 302
    stored = BankCard.objects.filter(user=user).order_by("bound_at")
    assert [(c.brand, c.last4) for c in stored] == [("unionpay", "0128"), ("visa", "1111")]
    values = _text_values()
    for secret in (NUMBER, "4111111111111111", "622202123456", "411111111111"):
        assert not any(secret in value for value in values), secret
    assert CVV not in values and "9753" not in values
    assert not any('"cvv"' in value or "'cvv'" in value for value in values)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (NUMBER, "4111111111111111", CVV, "9753"):
        assert secret not in logged


def test_declined_duplicate_and_invalid_cards(wallet_factory: Any, client_for: Any) -> None:
    user = wallet_factory()
    client = client_for(user)

    def bind(number: str, expiry: str = "12/39", cvv: str = "123") -> Any:
        return client.post(
            "/api/v1/cards",
            data=json.dumps({"number": number, "expiry": expiry, "cvv": cvv}),
            content_type="application/json",
        )

    declined = bind("4000000000000002")
    assert declined.status_code == 402 and declined.json()["error"]["code"] == "card_declined"
    assert bind(NUMBER).status_code == 201
    duplicate = bind(NUMBER)
    assert (
        duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "card_already_bound"
    )
    invalid = bind("4111111111111112")
    assert invalid.status_code == 400 and invalid.json()["error"]["code"] == "card_number_invalid"
    assert "4111111111111112" not in invalid.content.decode()
    too_long = bind("1" * 41, cvv="12345")
    assert too_long.status_code == 400
    assert "1" * 41 not in too_long.content.decode() and "12345" not in too_long.content.decode()
    assert bind(NUMBER, expiry="01/20").json()["error"]["code"] == "card_expired"
    assert BankCard.objects.filter(user=user).count() == 1


def test_unbind_then_bind_again(wallet_factory: Any, client_for: Any, card_factory: Any) -> None:
    user = wallet_factory()
    card = card_factory(user)
    client = client_for(user)
    assert client.delete(f"/api/v1/cards/{card.public_id}").status_code == 204
    assert client.get("/api/v1/cards").json()["results"] == []
    assert client.delete(f"/api/v1/cards/{card.public_id}").status_code == 404
    again = card_factory(user)
    assert again.pk != card.pk and again.rail_token != card.rail_token


def test_card_views_mark_post_parameters_sensitive(wallet_factory: Any, client_for: Any) -> None:
    from django.views.debug import SafeExceptionReporterFilter

    user = wallet_factory()
    client = client_for(user)
    response = client.post(
        "/cards/bind/", {"number": "4111111111111112", "expiry": "x", "cvv": CVV}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert CVV not in html and "4111111111111112" not in html
    request = response.wsgi_request
    cleaned = SafeExceptionReporterFilter().get_post_parameters(request)
    assert cleaned["cvv"] != CVV and cleaned["number"] != "4111111111111112"
