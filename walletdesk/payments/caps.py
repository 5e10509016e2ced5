"""The per-operation cap (security guide MON-1): the most one money command may move.

One table, per currency, in minor units (`settings.WALLETDESK["PER_OPERATION_CAPS"]`): 10 000.00
in yuan is not 10 000 in yen. Every money command calls `check_cap` with the amount it is about
to move, before anything is written and before its database work (on PostgreSQL the transfer's
database function never sees an amount over the cap). Operator limits by verification level
(`limits.py`) come on top of this and may only be lower.

Top-ups and withdrawals answer with their original code `rail_amount_too_large`; every other
command with core's `amount_too_large` ("larger than a single transaction allows"), now naming
the cap.
"""

from __future__ import annotations

from enum import StrEnum
from typing import cast

from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.utils.translation import gettext_lazy as _

from walletdesk.core.money import CURRENCY_EXPONENTS, AmountTooLargeError, Money, format_amount
from walletdesk.payments.errors import RailAmountTooLargeError


class CappedOperation(StrEnum):
    TOP_UP = "top_up"
    WITHDRAWAL = "withdrawal"
    TRANSFER = "transfer"
    PAYMENT = "payment"
    REFUND = "refund"
    FX_QUOTE = "fx_quote"


_RAIL_OPERATIONS = frozenset({CappedOperation.TOP_UP, CappedOperation.WITHDRAWAL})


def caps() -> dict[str, int]:
    configured = settings.WALLETDESK["PER_OPERATION_CAPS"]
    return cast(dict[str, int], configured)


def cap_for(currency: str) -> Money:
    """The cap in `currency`. A currency without one cannot be moved at all (the system check
    below refuses to start without a cap for every supported currency)."""
    return Money(caps().get(currency, 0), currency)


def check_cap(operation: CappedOperation, money: Money) -> Money:
    """Refuse `money` if it is over the cap of its currency; return it unchanged otherwise."""
    cap = cap_for(money.currency)
    if money.minor <= cap.minor:
        return money
    limit = format_amount(cap)
    if operation in _RAIL_OPERATIONS:
        raise RailAmountTooLargeError(limit=limit)
    raise AmountTooLargeError(
        _("A single transaction can be at most %(limit)s."), limit=limit, operation=str(operation)
    )


@register()
def check_caps_configured(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    configured = caps()
    return [
        Error(
            f'WALLETDESK["PER_OPERATION_CAPS"] has no positive cap for {currency}.',
            hint="Set the most one operation may move, in minor units of that currency.",
            id="payments.E004",
        )
        for currency in CURRENCY_EXPONENTS
        if not isinstance(configured.get(currency), int) or configured[currency] <= 0
    ]
