"""Exchange rates, quotes and conversion.

Rates are mid-market decimals (never floats). A customer buying a foreign currency pays the mid
rate plus the spread. Conversions round UP to the paying currency's minor unit: the customer may
pay at most one minor unit more than the exact product, and every currency's postings still sum
to zero, so no money is created or lost by rounding (the FX position accounts absorb exactly what
the customer paid and what the merchant received).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from pathlib import Path
from typing import Protocol

from django.db import transaction
from django.utils import timezone

from walletdesk.core.money import CURRENCY_EXPONENTS, Money, check_currency
from walletdesk.payments.caps import CappedOperation, check_cap
from walletdesk.payments.errors import (
    FxQuoteExpiredError,
    FxQuoteRequiredError,
    FxQuoteUsedError,
    FxRateUnavailableError,
)
from walletdesk.payments.fees import compute_fee
from walletdesk.payments.models import FxQuote, FxRate

DEFAULT_SPREAD_BP = 50  # 0.5 %
QUOTE_VALIDITY = timedelta(seconds=60)
DEFAULT_RATES_FILE = Path(__file__).resolve().parent / "data" / "fx_rates.json"


@dataclass(frozen=True, slots=True)
class RateRow:
    base: str
    quote: str
    rate: Decimal


class FxRateProvider(Protocol):
    name: str

    def fetch(self) -> list[RateRow]: ...


class FileRateProvider:
    """Rates from a JSON file: {"rates": [{"base": "USD", "quote": "CNY", "rate": "7.10"}]}."""

    name = "file"

    def __init__(self, path: Path = DEFAULT_RATES_FILE) -> None:
        self.path = path

    def fetch(self) -> list[RateRow]:
        data = json.loads(self.path.read_text(encoding="utf-8"))
        rows = []
        for item in data["rates"]:
            try:
                rate = Decimal(str(item["rate"]))
            except InvalidOperation as exc:
                raise ValueError(
                    f"rate for {item['base']}/{item['quote']} is not a number"
                ) from exc
            if not rate.is_finite() or rate <= 0:
                raise ValueError(
                    f"rate for {item['base']}/{item['quote']} must be a positive decimal"
                )
            rows.append(RateRow(check_currency(item["base"]), check_currency(item["quote"]), rate))
        return rows


def load_rates(provider: FxRateProvider) -> int:
    now = timezone.now()
    rows = provider.fetch()
    FxRate.objects.bulk_create(
        [
            FxRate(base=r.base, quote=r.quote, rate=r.rate, source=provider.name, valid_from=now)
            for r in rows
        ]
    )
    return len(rows)


def mid_rate(base: str, quote: str) -> Decimal:
    """Units of `quote` for one unit of `base`."""
    if base == quote:
        return Decimal(1)
    direct = FxRate.objects.filter(base=base, quote=quote).order_by("-valid_from").first()
    if direct is not None:
        return Decimal(direct.rate)
    inverse = FxRate.objects.filter(base=quote, quote=base).order_by("-valid_from").first()
    if inverse is not None:
        return Decimal(1) / Decimal(inverse.rate)
    raise FxRateUnavailableError(pair=f"{base}/{quote}")


def convert_minor(
    amount: int, from_currency: str, to_currency: str, rate: Decimal, *, round_up: bool
) -> int:
    """Convert minor units with `rate` (to-units per from-unit), rounding explicitly."""
    exact = (Decimal(amount).scaleb(-CURRENCY_EXPONENTS[from_currency]) * rate).scaleb(
        CURRENCY_EXPONENTS[to_currency]
    )
    return int(exact.to_integral_value(rounding=ROUND_CEILING if round_up else ROUND_FLOOR))


@dataclass(frozen=True, slots=True)
class QuotePreview:
    sell: Money
    buy: Money
    mid_rate: Decimal
    customer_rate: Decimal
    spread_bp: int
    fee: Money


def preview_quote(
    *, sell_currency: str, buy: Money, spread_bp: int = DEFAULT_SPREAD_BP
) -> QuotePreview:
    check_currency(sell_currency)
    mid = mid_rate(buy.currency, sell_currency)
    customer_rate = (mid * (Decimal(10_000 + spread_bp) / Decimal(10_000))).quantize(
        Decimal("1e-10")
    )
    sell_minor = convert_minor(buy.minor, buy.currency, sell_currency, customer_rate, round_up=True)
    fee = compute_fee("international", sell_currency, sell_minor)
    return QuotePreview(
        sell=Money(sell_minor, sell_currency),
        buy=buy,
        mid_rate=mid,
        customer_rate=customer_rate,
        spread_bp=spread_bp,
        fee=Money(fee, sell_currency),
    )


def create_quote(*, user_id: int, sell_currency: str, buy: Money) -> FxQuote:
    """A quote the customer may accept; both what they buy and what they would pay (with the
    fee) are within the per-operation cap of their currencies (MON-1)."""
    check_cap(CappedOperation.FX_QUOTE, buy)
    preview = preview_quote(sell_currency=sell_currency, buy=buy)
    check_cap(CappedOperation.FX_QUOTE, preview.sell + preview.fee)
    return FxQuote.objects.create(
        user_id=user_id,
        sell_currency=sell_currency,
        sell_amount=preview.sell.minor,
        buy_currency=buy.currency,
        buy_amount=buy.minor,
        mid_rate=preview.mid_rate.quantize(Decimal("1e-10")),
        customer_rate=preview.customer_rate,
        spread_bp=preview.spread_bp,
        fee=preview.fee.minor,
        expires_at=timezone.now() + QUOTE_VALIDITY,
    )


def use_quote(*, user_id: int, quote_public_id: str, buy: Money) -> FxQuote:
    """Lock and consume a quote inside the payment's transaction."""
    assert transaction.get_connection().in_atomic_block
    if not (quote_public_id or "").strip():
        raise FxQuoteRequiredError(currency=buy.currency)
    try:
        quote_uuid = uuid.UUID(str(quote_public_id))
    except ValueError:
        # A mangled id names no quote the customer holds: the same answer as a stale one.
        raise FxQuoteExpiredError() from None
    quote = (
        FxQuote.objects.select_for_update().filter(public_id=quote_uuid, user_id=user_id).first()
    )
    if quote is None or quote.buy_currency != buy.currency or quote.buy_amount != buy.minor:
        raise FxQuoteExpiredError()
    if quote.used_at is not None:
        raise FxQuoteUsedError()
    now = timezone.now()
    if quote.expires_at <= now:
        raise FxQuoteExpiredError()
    quote.used_at = now
    quote.save(update_fields=["used_at"])
    return quote
