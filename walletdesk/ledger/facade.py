"""What other apps may use from the ledger.

Writes go through `walletdesk.ledger.actions` only from the payments app (the wallet operations
own the ledger's business meaning); every other app reads through these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from walletdesk.core.money import Money
from walletdesk.ledger.enums import AccountKind
from walletdesk.ledger.errors import AccountFrozenError, InsufficientBalanceError
from walletdesk.ledger.idempotency import IdempotentOutcome
from walletdesk.ledger.models import IdempotencyRecord, LedgerAccount


@dataclass(frozen=True, slots=True)
class AccountBalance:
    account_id: int
    code: str
    currency: str
    posted: Money
    held: Money
    available: Money
    debits_blocked: bool


def _balance(account: LedgerAccount) -> AccountBalance:
    return AccountBalance(
        account_id=account.pk,
        code=account.code,
        currency=account.currency,
        posted=Money(account.posted, account.currency),
        held=Money(account.held, account.currency),
        available=Money(account.available, account.currency),
        debits_blocked=account.debits_blocked,
    )


def wallet_balances(owner_id: int) -> list[AccountBalance]:
    accounts = LedgerAccount.objects.filter(
        owner_id=owner_id, kind=AccountKind.CUSTOMER_WALLET
    ).order_by("currency")
    return [_balance(account) for account in accounts]


def idempotency_key_used(scope: str, key: str | None) -> bool:
    """Whether a command with this key already ran in this scope (its outcome is stored)."""
    return bool(key) and IdempotencyRecord.objects.filter(scope=scope, key=key).exists()


# The refusals a debit can meet, for callers that answer them (the payments app).
__all__ = [
    "AccountBalance",
    "AccountFrozenError",
    "IdempotentOutcome",
    "InsufficientBalanceError",
    "idempotency_key_used",
    "wallet_balances",
]
