"""What other apps may use from the ledger.

Reads (balances) are for every app. The writes below ("Writes") are for the payments app only:
the wallet operations own the ledger's business meaning, and they reach the ledger through this
module like any other app, receiving frozen dataclasses, never ORM rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from walletdesk.core.money import Money
from walletdesk.ledger import actions
from walletdesk.ledger.actions import Leg
from walletdesk.ledger.enums import AccountKind, EntryKind, HoldStatus
from walletdesk.ledger.errors import AccountFrozenError, InsufficientBalanceError
from walletdesk.ledger.idempotency import (
    IdempotentOutcome,
    check_idempotency_key,
    replay_stored,
    request_fingerprint,
    run_idempotent,
)
from walletdesk.ledger.models import Hold, IdempotencyRecord, JournalEntry, LedgerAccount


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


def stored_response(scope: str, key: str) -> str | None:
    """The answer stored for the command (scope, key), as its stored JSON text; None when no
    command ran with that key."""
    return (
        IdempotencyRecord.objects.filter(scope=scope, key=key)
        .values_list("response", flat=True)
        .first()
    )


def replay_stored_outcome(*, scope: str, key: str, fingerprint: str) -> IdempotentOutcome | None:
    """The outcome stored for (scope, key), replayed for the request with `fingerprint` (422
    `idempotency_key_reused` for a different request); None when nothing is stored. For a
    command that stores its outcome in the database (the PostgreSQL transfer function, through
    `ledger_post_entry`) and lost a race for its key."""
    stored = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if stored is None:
        return None
    return replay_stored(stored.request_hash, stored.response_status, stored.response, fingerprint)


def has_active_holds(owner_id: int) -> bool:
    """Whether money in any of the owner's wallet accounts is still reserved (an operation in
    progress): such a wallet cannot be closed."""
    return Hold.objects.filter(
        account__owner_id=owner_id,
        account__kind=AccountKind.CUSTOMER_WALLET,
        status=HoldStatus.ACTIVE,
    ).exists()


# --- Writes: for the payments app only --------------------------------------------------------
#
# Thin wrappers over `walletdesk.ledger.actions` that hand back frozen dataclasses. Each carries
# the row's id as `id` and, under the ORM's name, `pk`, so a caller written against the row reads
# the same. The caller opens the transaction (`transaction.atomic()`), as with the actions.


@dataclass(frozen=True, slots=True)
class LedgerAccountRef:
    """A ledger account as it was when read (balances in minor units)."""

    id: int
    code: str
    kind: str
    currency: str
    posted: int
    held: int
    debits_blocked: bool

    @property
    def pk(self) -> int:
        return self.id

    @property
    def available(self) -> int:
        return self.posted - self.held


@dataclass(frozen=True, slots=True)
class PostedEntry:
    id: int
    public_id: str

    @property
    def pk(self) -> int:
        return self.id


@dataclass(frozen=True, slots=True)
class HoldRef:
    id: int
    public_id: str
    account_id: int
    amount: int
    status: str

    @property
    def pk(self) -> int:
        return self.id


@dataclass(frozen=True, slots=True)
class LockedAccounts:
    """Accounts locked (SELECT … FOR UPDATE) in this transaction, in the ledger's lock order;
    hand it back to `post_entry(locked=…)` so the entry does not lock them again."""

    rows: Mapping[int, Any]


def _account_ref(account: LedgerAccount) -> LedgerAccountRef:
    return LedgerAccountRef(
        id=account.pk,
        code=account.code,
        kind=account.kind,
        currency=account.currency,
        posted=account.posted,
        held=account.held,
        debits_blocked=account.debits_blocked,
    )


def _entry_ref(entry: JournalEntry) -> PostedEntry:
    return PostedEntry(id=entry.pk, public_id=str(entry.public_id))


def _hold_ref(hold: Hold) -> HoldRef:
    return HoldRef(
        id=hold.pk,
        public_id=str(hold.public_id),
        account_id=hold.account_id,
        amount=hold.amount,
        status=hold.status,
    )


def wallet_account_code(owner_id: int, currency: str) -> str:
    return actions.wallet_account_code(owner_id, currency)


def merchant_account_code(merchant_id: int, currency: str) -> str:
    return actions.merchant_account_code(merchant_id, currency)


def system_account_code(kind: AccountKind, currency: str, qualifier: str = "") -> str:
    return actions.system_account_code(kind, currency, qualifier)


def get_or_create_account(
    *,
    kind: AccountKind,
    currency: str,
    owner_id: int | None = None,
    qualifier: str = "",
    name: str = "",
) -> LedgerAccountRef:
    return _account_ref(
        actions.get_or_create_account(
            kind=kind, currency=currency, owner_id=owner_id, qualifier=qualifier, name=name
        )
    )


def lock_accounts(account_ids: Iterable[int]) -> LockedAccounts:
    return LockedAccounts(actions.lock_accounts(account_ids))


def lock_wallet_accounts(owner_id: int) -> None:
    """Lock the owner's wallet accounts (in the lock order) for the rest of the transaction."""
    actions.lock_wallet_accounts(owner_id)


def set_debits_blocked(owner_id: int, *, blocked: bool) -> int:
    return actions.set_debits_blocked(owner_id, blocked=blocked)


def post_entry(
    *,
    kind: EntryKind,
    legs: Sequence[Leg],
    memo: str = "",
    reference: str = "",
    actor: str = "system",
    locked: LockedAccounts | None = None,
    at: datetime | None = None,
) -> PostedEntry:
    """`at`: when the entry happened, if not now (demo history is dated through it)."""
    return _entry_ref(
        actions.post_entry(
            kind=kind,
            legs=legs,
            memo=memo,
            reference=reference,
            actor=actor,
            locked=dict(locked.rows) if locked is not None else None,
            at=at,
        )
    )


def create_hold(
    *, account_id: int, amount: int, expires_at: datetime, reference: str = ""
) -> HoldRef:
    return _hold_ref(
        actions.create_hold(
            account_id=account_id, amount=amount, expires_at=expires_at, reference=reference
        )
    )


def capture_hold(
    *,
    hold_id: int,
    amount: int,
    counter_legs: Sequence[Leg],
    kind: EntryKind,
    memo: str = "",
    actor: str = "system",
) -> PostedEntry:
    return _entry_ref(
        actions.capture_hold(
            hold_id=hold_id,
            amount=amount,
            counter_legs=counter_legs,
            kind=kind,
            memo=memo,
            actor=actor,
        )
    )


def release_hold(hold_id: int, *, actor: str = "system", reason: str = "") -> HoldRef:
    return _hold_ref(actions.release_hold(hold_id, actor=actor, reason=reason))


def last_entry_id() -> int:
    """The newest journal entry's id (0 when there is none): a marker for `entries_touching`."""
    from walletdesk.ledger.models import JournalEntry

    return JournalEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def entries_touching(owner_id: int, after_entry_id: int = 0) -> list[int]:
    """Ids of journal entries after `after_entry_id` that post to the owner's wallet accounts
    (evaluations check that a conversation moved no money)."""
    from walletdesk.ledger.models import Posting

    return sorted(
        set(
            Posting.objects.filter(
                entry_id__gt=after_entry_id,
                account__owner_id=owner_id,
                account__kind=AccountKind.CUSTOMER_WALLET,
            ).values_list("entry_id", flat=True)
        )
    )


# The refusals a debit can meet, for callers that answer them (the payments app).
__all__ = [
    "AccountBalance",
    "AccountFrozenError",
    "AccountKind",
    "EntryKind",
    "HoldRef",
    "IdempotentOutcome",
    "InsufficientBalanceError",
    "LedgerAccountRef",
    "Leg",
    "LockedAccounts",
    "PostedEntry",
    "capture_hold",
    "check_idempotency_key",
    "create_hold",
    "entries_touching",
    "get_or_create_account",
    "has_active_holds",
    "idempotency_key_used",
    "last_entry_id",
    "lock_accounts",
    "lock_wallet_accounts",
    "merchant_account_code",
    "post_entry",
    "release_hold",
    "replay_stored",
    "replay_stored_outcome",
    "request_fingerprint",
    "run_idempotent",
    "set_debits_blocked",
    "stored_response",
    "system_account_code",
    "wallet_account_code",
    "wallet_balances",
]
