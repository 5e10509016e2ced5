from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import transaction

from walletdesk.ledger import actions as ledger
from walletdesk.ledger.enums import AccountKind, EntryKind
from walletdesk.ledger.models import LedgerAccount


@pytest.fixture
def account(db: None) -> Callable[..., LedgerAccount]:
    counter = {"n": 0}

    def make(
        kind: AccountKind = AccountKind.CUSTOMER_WALLET, currency: str = "CNY"
    ) -> LedgerAccount:
        counter["n"] += 1
        owner = (
            1000 + counter["n"]
            if kind in (AccountKind.CUSTOMER_WALLET, AccountKind.MERCHANT)
            else None
        )
        qualifier = f"test{counter['n']}" if owner is None else ""
        return ledger.get_or_create_account(
            kind=kind, currency=currency, owner_id=owner, qualifier=qualifier
        )

    return make


@pytest.fixture
def funded(
    account: Callable[..., LedgerAccount],
) -> Callable[[int], tuple[LedgerAccount, LedgerAccount]]:
    """A wallet holding `amount` fen, credited from a rail clearing account."""

    def make(amount: int, currency: str = "CNY") -> tuple[LedgerAccount, LedgerAccount]:
        rail = account(AccountKind.RAIL_CLEARING, currency)
        wallet = account(AccountKind.CUSTOMER_WALLET, currency)
        with transaction.atomic():
            ledger.post_entry(
                kind=EntryKind.TOP_UP,
                legs=[ledger.Leg(rail.pk, -amount), ledger.Leg(wallet.pk, amount)],
            )
        wallet.refresh_from_db()
        return wallet, rail

    return make
