"""Builders for payments tests. Money enters wallets only through balanced ledger entries."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from walletdesk.core.money import Money
from walletdesk.ledger import actions as ledger
from walletdesk.ledger.enums import AccountKind, EntryKind
from walletdesk.payments import accounts
from walletdesk.payments.models import Merchant
from walletdesk.payments.wallets import open_wallet


def credit_wallet(user_id: int, money: Money, rail: str = "bank_card") -> None:
    """Post what a settled top-up posts: rail clearing → wallet."""
    with transaction.atomic():
        open_wallet(user_id, (money.currency,))
        ledger.post_entry(
            kind=EntryKind.TOP_UP,
            legs=[
                ledger.Leg(
                    accounts.system_account_id(AccountKind.RAIL_CLEARING, money.currency, rail),
                    -money.minor,
                ),
                ledger.Leg(accounts.wallet_account_id(user_id, money.currency), money.minor),
            ],
            reference=f"test-top-up:{uuid.uuid4()}",
        )


def make_merchant(name: str = "美宜佳便利店", currency: str = "CNY", **extra: Any) -> Merchant:
    extra.setdefault("country", "CN" if currency == "CNY" else "US")
    return Merchant.objects.create(name=name, currency=currency, **extra)
