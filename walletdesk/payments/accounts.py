"""Ledger account lookups for wallet operations.

Account ids never change once an account exists, so the code → id map is kept in process and the
hot path (a transfer) needs no lookup query before it locks the rows.
"""

from __future__ import annotations

from django.db import connection, transaction

from walletdesk.ledger import facade as ledger
from walletdesk.ledger.facade import AccountKind

_ids: dict[str, int] = {}


def _cached(code: str, create: object) -> int:
    account_id = _ids.get(code)
    if account_id is None:
        account = create()  # type: ignore[operator]
        account_id = account.pk
        if connection.in_atomic_block:
            # Remember the id only once the row is committed: a rolled-back creation must not
            # leave an id behind that points at nothing.
            transaction.on_commit(lambda: _ids.__setitem__(code, account_id))
        else:
            _ids[code] = account_id
    return account_id


def wallet_account_id(user_id: int, currency: str) -> int:
    return _cached(
        ledger.wallet_account_code(user_id, currency),
        lambda: ledger.get_or_create_account(
            kind=AccountKind.CUSTOMER_WALLET, currency=currency, owner_id=user_id
        ),
    )


def merchant_account_id(merchant_id: int, currency: str) -> int:
    return _cached(
        ledger.merchant_account_code(merchant_id, currency),
        lambda: ledger.get_or_create_account(
            kind=AccountKind.MERCHANT, currency=currency, owner_id=merchant_id
        ),
    )


def system_account_id(kind: AccountKind, currency: str, qualifier: str = "") -> int:
    return _cached(
        ledger.system_account_code(kind, currency, qualifier),
        lambda: ledger.get_or_create_account(kind=kind, currency=currency, qualifier=qualifier),
    )


def forget_cached_accounts() -> None:
    """Tests that roll back account creation call this (ids may be reused by the database)."""
    _ids.clear()
