from __future__ import annotations

import pytest
from django.utils import translation

from walletdesk.core.money import (
    AmountError,
    AmountMustBeStringError,
    AmountNotPositiveError,
    AmountTooLargeError,
    AmountTooPreciseError,
    CurrencyNotSupportedError,
    Money,
    format_amount,
    parse_amount,
)


@pytest.mark.parametrize(
    ("raw", "currency", "minor"),
    [
        ("0.01", "CNY", 1),
        ("12.3", "CNY", 1230),
        ("12.30", "CNY", 1230),
        ("1280.50", "CNY", 128050),
        ("10000", "USD", 1000000),
        ("500", "JPY", 500),
        ("999999999.99", "CNY", 99999999999),
    ],
)
def test_parse_amount_accepts_canonical_strings(raw: str, currency: str, minor: int) -> None:
    assert parse_amount(raw, currency) == Money(minor, currency)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (12.3, AmountMustBeStringError),
        (12, AmountMustBeStringError),
        (True, AmountMustBeStringError),
        (None, AmountMustBeStringError),
        ("1E+3", AmountError),
        ("1e3", AmountError),
        ("NaN", AmountError),
        ("Infinity", AmountError),
        ("-5", AmountError),
        ("+5", AmountError),
        (" 7 ", AmountError),
        ("7 ", AmountError),
        ("١٢", AmountError),
        ("１２", AmountError),
        ("1,000", AmountError),
        ("01.5", AmountError),
        (".5", AmountError),
        ("5.", AmountError),
        ("", AmountError),
        ("0x10", AmountError),
        ("1_000", AmountError),
        ("10.005", AmountTooPreciseError),
        ("0", AmountNotPositiveError),
        ("0.00", AmountNotPositiveError),
        ("1000000000", AmountTooLargeError),
        ("99999999999999999999", AmountTooLargeError),
    ],
)
def test_parse_amount_rejects_everything_else(raw: object, error: type[Exception]) -> None:
    with pytest.raises(error) as caught:
        parse_amount(raw, "CNY")
    assert caught.type is error


def test_yen_has_no_minor_units() -> None:
    with pytest.raises(AmountTooPreciseError) as caught:
        parse_amount("500.5", "JPY")
    assert caught.value.code == "amount_too_many_decimals"
    assert caught.value.details == {"places": 0}
    with translation.override("en"):
        assert caught.value.user_message == "This currency allows at most 0 decimal places."


def test_unknown_currency_is_refused_with_its_code() -> None:
    with pytest.raises(CurrencyNotSupportedError) as caught:
        parse_amount("1.00", "XXX")
    assert caught.value.code == "currency_not_supported"


def test_money_refuses_floats_and_mixing_currencies() -> None:
    with pytest.raises(TypeError):
        Money(1.5, "CNY")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot combine"):
        Money(1, "CNY") + Money(1, "USD")


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(128050, "CNY"), "¥1,280.50"),
        (Money(-300, "CNY"), "-¥3.00"),
        (Money(12000, "JPY"), "JP¥12,000"),
        (Money(5, "USD"), "$0.05"),
    ],
)
def test_format_amount(money: Money, text: str) -> None:
    assert format_amount(money) == text


def test_decimal_string_round_trips() -> None:
    for minor in (0, 1, 99, 100, 123456789):
        money = Money(minor, "CNY")
        assert parse_amount(money.to_decimal_string(), "CNY", allow_zero=True) == money
