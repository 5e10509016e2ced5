"""Money: integer minor units plus an ISO 4217 currency code.

Amounts never pass through floats. Strings such as "12.30" exist only at the edges (forms, JSON,
display); `parse_amount` is the only way in and `format_amount` / `to_decimal_string` the ways out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from walletdesk.core.errors import WalletDeskError

# ISO 4217 minor-unit exponents for the currencies the wallet handles.
CURRENCY_EXPONENTS: dict[str, int] = {
    "CNY": 2,
    "USD": 2,
    "EUR": 2,
    "HKD": 2,
    "GBP": 2,
    "SGD": 2,
    "JPY": 0,
    "KRW": 0,
}
CURRENCY_SYMBOLS: dict[str, str] = {
    "CNY": "¥",
    "USD": "$",
    "EUR": "€",
    "HKD": "HK$",
    "GBP": "£",
    "SGD": "S$",
    "JPY": "JP¥",
    "KRW": "₩",
}
# What people call each currency, per language ("人民币余额", not "CNY 余额").
CURRENCY_NAMES: dict[str, object] = {
    "CNY": _("Chinese yuan"),
    "USD": _("US dollar"),
    "EUR": _("euro"),
    "HKD": _("Hong Kong dollar"),
    "GBP": _("British pound"),
    "SGD": _("Singapore dollar"),
    "JPY": _("Japanese yen"),
    "KRW": _("Korean won"),
}


def currency_name(currency: str) -> str:
    """The currency's name in the active language; the code itself for one we do not name."""
    return str(CURRENCY_NAMES.get(currency, currency))


# One transaction may move at most this many major units (security guide MON-1 uses 10 000.00 as
# the per-transaction cap; operator limits are applied on top by the payments app).
MAX_MAJOR_UNITS_PER_AMOUNT = 999_999_999

_AMOUNT_PATTERN = re.compile(r"\A(0|[1-9][0-9]{0,8})(?:\.([0-9]+))?\Z", re.ASCII)


class AmountError(WalletDeskError):
    code = "amount_invalid"
    http_status = 400
    message = _("Enter the amount as a number such as 100 or 100.50.")


class AmountMustBeStringError(AmountError):
    code = "amount_must_be_string"
    message = _('Send the amount as a string such as "100.50", not as a JSON number.')


class AmountTooPreciseError(AmountError):
    code = "amount_too_many_decimals"
    message = _("This currency allows at most %(places)s decimal places.")


class AmountNotPositiveError(AmountError):
    code = "amount_not_positive"
    message = _("The amount must be greater than zero.")


class AmountTooLargeError(AmountError):
    code = "amount_too_large"
    message = _("The amount is larger than a single transaction allows.")


class CurrencyNotSupportedError(WalletDeskError):
    code = "currency_not_supported"
    http_status = 400
    message = _("The currency %(currency)s is not supported.")


def check_currency(currency: object) -> str:
    if not isinstance(currency, str) or currency not in CURRENCY_EXPONENTS:
        raise CurrencyNotSupportedError(currency=str(currency)[:8])
    return currency


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An amount in minor units (fen, cents; yen have none) and its currency."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError("Money.minor must be an int of minor units")
        check_currency(self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @property
    def exponent(self) -> int:
        return CURRENCY_EXPONENTS[self.currency]

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def to_decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-self.exponent)

    def to_decimal_string(self) -> str:
        """The canonical edge form: "1280.50", "-3.00", "500" for JPY."""
        return f"{self.to_decimal():.{self.exponent}f}"

    def __str__(self) -> str:
        return f"{self.to_decimal_string()} {self.currency}"


def parse_amount(raw: object, currency: str, *, allow_zero: bool = False) -> Money:
    """Parse an amount string strictly (security guide MON-1).

    Accepts only ASCII digits with an optional decimal point: no signs, spaces, exponents, NaN,
    thousands separators, Unicode digits, or more decimals than the currency has.
    """
    check_currency(currency)
    if not isinstance(raw, str):
        raise AmountMustBeStringError()
    match = _AMOUNT_PATTERN.match(raw)
    if match is None:
        if re.fullmatch(r"[1-9][0-9]{9,}(\.[0-9]+)?", raw, re.ASCII):
            raise AmountTooLargeError()
        raise AmountError()
    whole, fraction = match.group(1), match.group(2) or ""
    exponent = CURRENCY_EXPONENTS[currency]
    if len(fraction) > exponent:
        raise AmountTooPreciseError(places=exponent)
    minor = int(whole) * 10**exponent + (int(fraction.ljust(exponent, "0")) if exponent else 0)
    if int(whole) > MAX_MAJOR_UNITS_PER_AMOUNT:
        raise AmountTooLargeError()
    if minor == 0 and not allow_zero:
        raise AmountNotPositiveError()
    return Money(minor, currency)


def format_amount(money: Money, *, with_symbol: bool = True) -> str:
    """Display form with thousands separators: ¥1,280.50, JP¥12,000."""
    sign = "-" if money.minor < 0 else ""
    absolute = Money(abs(money.minor), money.currency).to_decimal()
    body = f"{absolute:,.{money.exponent}f}"
    if not with_symbol:
        return f"{sign}{body}"
    return f"{sign}{CURRENCY_SYMBOLS.get(money.currency, money.currency + ' ')}{body}"
