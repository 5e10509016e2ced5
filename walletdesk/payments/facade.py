"""What other apps may use from payments (identity's emergency freeze and closure, the console)."""

from __future__ import annotations

from dataclasses import dataclass

from walletdesk.ledger.facade import AccountBalance, wallet_balances
from walletdesk.payments.models import Wallet
from walletdesk.payments.wallets import (
    ClosureBlocker,
    close_wallet,
    closure_blockers,
    freeze_wallet,
    open_wallet,
    unfreeze_wallet,
)


@dataclass(frozen=True, slots=True)
class WalletSummary:
    user_id: int
    status: str
    frozen_by: str
    frozen_reason: str
    balances: tuple[AccountBalance, ...]


def wallet_summary(user_id: int) -> WalletSummary | None:
    wallet = Wallet.objects.filter(user_id=user_id).first()
    if wallet is None:
        return None
    return WalletSummary(
        user_id=user_id,
        status=wallet.status,
        frozen_by=wallet.frozen_by,
        frozen_reason=wallet.frozen_reason,
        balances=tuple(wallet_balances(user_id)),
    )


def ensure_wallet(user_id: int) -> None:
    """Open the customer's wallet (idempotent): called when a customer account is created."""
    open_wallet(user_id)


__all__ = [
    "ClosureBlocker",
    "WalletSummary",
    "close_wallet",
    "closure_blockers",
    "ensure_wallet",
    "freeze_wallet",
    "unfreeze_wallet",
    "wallet_summary",
]
