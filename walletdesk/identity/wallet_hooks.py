"""What identity asks of the customer's wallet when the account is frozen, unfrozen or closed.

Payments depends on identity (it reads holds, payee cards and payment confirmations through
identity's facade), so identity must not import payments back: that made the two apps depend on
each other. Instead payments registers these hooks when Django starts (`PaymentsConfig.ready`)
and identity's freeze and closure call them, inside their own transactions.

With no wallet registered, freezing and closing fail loudly: an emergency freeze that quietly
left debits open would be worse than an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True, slots=True)
class WalletHooks:
    #: `freeze(user_id, reason)`: open the wallet if there is none yet (it must start frozen) and
    #: block every debit. A no-op on a frozen wallet.
    freeze: Callable[[int, str], None]
    #: `unfreeze(user_id)`: lift a freeze the customer (or the agents for them) placed.
    unfreeze: Callable[[int], None]
    #: `closure_blockers(user_id)`: what stops the wallet from closing, each with a `code` and a
    #: `message` the customer reads; empty when it may close.
    closure_blockers: Callable[[int], Sequence[Any]]
    #: `close(user_id)`: close the wallet (debits blocked for good).
    close: Callable[[int], None]


_hooks: list[WalletHooks] = []


def register(hooks: WalletHooks) -> None:
    """Install the wallet's hooks (the last registration wins; tests may swap them)."""
    _hooks[:] = [hooks]


def wallet() -> WalletHooks:
    if not _hooks:
        raise ImproperlyConfigured(
            "No wallet is registered with identity (walletdesk.payments registers one when the "
            "app is ready), so a freeze or closure cannot reach the money."
        )
    return _hooks[0]
