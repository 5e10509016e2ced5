"""Every write to the ledger goes through this module.

Callers open the transaction (`transaction.atomic()`); these functions lock what they touch, check
the invariants and write the rows. Accounts are always locked in one global order (accounts that
must not go negative first, then system accounts, each by primary key), so two transactions can
never wait on each other in a cycle.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import BigIntegerField, Case, F, Value, When
from django.utils import timezone

from walletdesk.core.money import check_currency
from walletdesk.core.statemachine import change_status
from walletdesk.ledger.enums import (
    HOLD_TRANSITIONS,
    SYSTEM_KINDS,
    AccountKind,
    EntryKind,
    HoldStatus,
)
from walletdesk.ledger.errors import (
    AccountFrozenError,
    AlreadyReversedError,
    CaptureExceedsHoldError,
    HoldNotActiveError,
    InsufficientBalanceError,
    UnbalancedEntryError,
)
from walletdesk.ledger.models import Hold, JournalEntry, LedgerAccount, Posting


@dataclass(frozen=True, slots=True)
class Leg:
    """One side of an entry: `amount` minor units added to (if negative: taken from) an account."""

    account_id: int
    amount: int


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("ledger writes must run inside transaction.atomic()")


# --- Accounts -----------------------------------------------------------------------------------


def wallet_account_code(owner_id: int, currency: str) -> str:
    return f"wallet:{owner_id}:{currency}"


def merchant_account_code(merchant_id: int, currency: str) -> str:
    return f"merchant:{merchant_id}:{currency}"


def system_account_code(kind: AccountKind, currency: str, qualifier: str = "") -> str:
    prefix = {
        AccountKind.RAIL_CLEARING: "rail",
        AccountKind.FEE_REVENUE: "fees",
        AccountKind.FX_POSITION: "fx",
        AccountKind.SUSPENSE: "suspense",
    }[kind]
    return f"{prefix}:{qualifier}:{currency}" if qualifier else f"{prefix}:{currency}"


def get_or_create_account(
    *,
    kind: AccountKind,
    currency: str,
    owner_id: int | None = None,
    qualifier: str = "",
    name: str = "",
) -> LedgerAccount:
    check_currency(currency)
    if kind == AccountKind.CUSTOMER_WALLET:
        assert owner_id is not None
        code = wallet_account_code(owner_id, currency)
    elif kind == AccountKind.MERCHANT:
        assert owner_id is not None
        code = merchant_account_code(owner_id, currency)
    else:
        code = system_account_code(kind, currency, qualifier)
    account, _created = LedgerAccount.objects.get_or_create(
        code=code,
        defaults={
            "kind": kind,
            "currency": currency,
            "owner_id": owner_id,
            "name": name,
            "allow_negative": kind in SYSTEM_KINDS,
        },
    )
    return account


def lock_accounts(account_ids: Iterable[int]) -> dict[int, LedgerAccount]:
    """SELECT … FOR UPDATE in the global lock order; returns the rows by id."""
    ids = sorted(set(account_ids))
    rows = (
        LedgerAccount.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("allow_negative", "pk")
    )
    accounts = {account.pk: account for account in rows}
    if len(accounts) != len(ids):
        raise LedgerAccount.DoesNotExist(f"unknown ledger accounts: {set(ids) - set(accounts)}")
    return accounts


def lock_wallet_accounts(owner_id: int) -> list[int]:
    """Lock an owner's wallet accounts (by primary key, the lock order); returns their ids."""
    _require_transaction()
    return list(
        LedgerAccount.objects.select_for_update()
        .filter(owner_id=owner_id, kind=AccountKind.CUSTOMER_WALLET)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def set_debits_blocked(owner_id: int, *, blocked: bool) -> int:
    """Block (freeze) or allow every debit from an owner's wallet accounts.

    Locks the rows first, so a debit already in flight either commits before the freeze or sees
    it; it can never commit after the freeze is in place.
    """
    ids = lock_wallet_accounts(owner_id)
    return LedgerAccount.objects.filter(pk__in=ids).update(debits_blocked=blocked)


# --- Entries ------------------------------------------------------------------------------------


def _validate_legs(legs: Sequence[Leg]) -> None:
    if len(legs) < 2:
        raise UnbalancedEntryError(reason="fewer than two postings")
    for leg in legs:
        if not isinstance(leg.amount, int) or isinstance(leg.amount, bool) or leg.amount == 0:
            raise UnbalancedEntryError(reason="posting amounts must be non-zero integers")


def post_entry(
    *,
    kind: EntryKind,
    legs: Sequence[Leg],
    memo: str = "",
    reference: str = "",
    actor: str = "system",
    reverses: JournalEntry | None = None,
    release_held: dict[int, int] | None = None,
    debits_blocked_apply: bool = True,
    locked: dict[int, LedgerAccount] | None = None,
    at: datetime | None = None,
) -> JournalEntry:
    """Write one balanced entry and update the cached balances of every account it touches.

    `at`: when the entry happened (default now), for callers that replay history (demo seeding).

    `release_held` lowers accounts' held amounts in the same update (used when a hold is
    captured). `locked` passes accounts the caller already locked in this transaction.

    Its SQL twin for other apps' database functions is `ledger_post_entry`
    (ledger/sql/post_entry.sql): the same lock order and the same refusals, in the same order
    (blocked debits, then the available balance); a change to one goes to the other, and
    payments/tests/test_transfer_parity.py compares them through every transfer scenario.
    """
    _require_transaction()
    _validate_legs(legs)
    release_held = release_held or {}
    accounts = locked if locked is not None else lock_accounts(leg.account_id for leg in legs)

    sums: dict[str, int] = defaultdict(int)
    deltas: dict[int, int] = defaultdict(int)
    for leg in legs:
        account = accounts[leg.account_id]
        sums[account.currency] += leg.amount
        deltas[leg.account_id] += leg.amount
    if any(total != 0 for total in sums.values()):
        raise UnbalancedEntryError(reason=f"postings do not sum to zero: {dict(sums)}")

    for account_id, delta in deltas.items():
        account = accounts[account_id]
        if delta >= 0 or account.allow_negative:
            continue
        if debits_blocked_apply and account.debits_blocked:
            raise AccountFrozenError()
        released = release_held.get(account_id, 0)
        if account.posted + delta - (account.held - released) < 0:
            raise InsufficientBalanceError()

    entry = JournalEntry(
        kind=kind,
        memo=memo[:200],
        reference=reference[:100],
        actor=actor[:60],
        reverses=reverses,
        created_at=at or timezone.now(),
    )
    if connection.vendor == "postgresql":
        _write_entry_postgres(entry, legs, accounts, deltas, release_held)
    else:
        entry.save(force_insert=True)
        Posting.objects.bulk_create(
            [
                Posting(
                    entry=entry,
                    account_id=leg.account_id,
                    amount=leg.amount,
                    currency=accounts[leg.account_id].currency,
                )
                for leg in legs
            ]
        )
        _apply_balance_changes(deltas, release_held)
    for pk in set(deltas) | set(release_held):
        accounts[pk].posted += deltas.get(pk, 0)
        accounts[pk].held -= release_held.get(pk, 0)
    return entry


# One round trip instead of three: the entry, its postings and the balance updates are written by
# one statement (data-modifying CTEs). The rows were locked and checked above.
_POSTGRES_WRITE_ENTRY = """
WITH entry AS (
    INSERT INTO ledger_journalentry
        (public_id, kind, memo, reference, actor, reverses_id, created_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s)
    RETURNING id
), postings AS (
    INSERT INTO ledger_posting (entry_id, account_id, amount, currency)
    SELECT entry.id, leg.account_id, leg.amount, leg.currency
    FROM entry,
        unnest(%s::bigint[], %s::bigint[], %s::varchar[]) AS leg(account_id, amount, currency)
), balances AS (
    UPDATE ledger_ledgeraccount AS account
    SET posted = account.posted + change.delta, held = account.held - change.released
    FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS change(id, delta, released)
    WHERE account.id = change.id
)
SELECT id FROM entry
"""


def _write_entry_postgres(
    entry: JournalEntry,
    legs: Sequence[Leg],
    accounts: dict[int, LedgerAccount],
    deltas: dict[int, int],
    release_held: dict[int, int],
) -> None:
    touched = sorted(set(deltas) | set(release_held))
    with connection.cursor() as cursor:
        cursor.execute(
            _POSTGRES_WRITE_ENTRY,
            [
                entry.public_id,
                entry.kind,
                entry.memo,
                entry.reference,
                entry.actor,
                entry.reverses_id,
                entry.created_at,
                [leg.account_id for leg in legs],
                [leg.amount for leg in legs],
                [accounts[leg.account_id].currency for leg in legs],
                touched,
                [deltas.get(pk, 0) for pk in touched],
                [release_held.get(pk, 0) for pk in touched],
            ],
        )
        row = cursor.fetchone()
    entry.pk = row[0]
    entry._state.adding = False
    entry._state.db = "default"


BIG = BigIntegerField()


def _apply_balance_changes(deltas: dict[int, int], release_held: dict[int, int]) -> None:
    touched = sorted(set(deltas) | set(release_held))
    posted_case = Case(
        *[
            When(pk=pk, then=F("posted") + Value(deltas.get(pk, 0), output_field=BIG))
            for pk in touched
        ],
        default=F("posted"),
        output_field=BIG,
    )
    update: dict[str, Case] = {"posted": posted_case}
    if release_held:
        update["held"] = Case(
            *[
                When(pk=pk, then=F("held") - Value(amount, output_field=BIG))
                for pk, amount in release_held.items()
            ],
            default=F("held"),
            output_field=BIG,
        )
    LedgerAccount.objects.filter(pk__in=touched).update(**update)


def reverse_entry(entry_id: int, *, memo: str, actor: str) -> JournalEntry:
    """Undo an entry with a compensating entry (postings are never edited or deleted)."""
    _require_transaction()
    original = JournalEntry.objects.select_for_update().get(pk=entry_id)
    if JournalEntry.objects.filter(reverses=original).exists():
        raise AlreadyReversedError()
    legs = [Leg(p.account_id, -p.amount) for p in original.postings.all()]
    return post_entry(
        kind=EntryKind.REVERSAL,
        legs=legs,
        memo=memo,
        reference=original.reference,
        actor=actor,
        reverses=original,
        debits_blocked_apply=False,
    )


# --- Holds (two-phase) --------------------------------------------------------------------------


def create_hold(*, account_id: int, amount: int, expires_at: datetime, reference: str = "") -> Hold:
    _require_transaction()
    if amount <= 0:
        raise UnbalancedEntryError(reason="hold amount must be positive")
    account = lock_accounts([account_id])[account_id]
    if account.debits_blocked:
        raise AccountFrozenError()
    if not account.allow_negative and account.available < amount:
        raise InsufficientBalanceError()
    LedgerAccount.objects.filter(pk=account_id).update(held=F("held") + amount)
    return Hold.objects.create(
        account_id=account_id, amount=amount, expires_at=expires_at, reference=reference[:100]
    )


def _settle_hold(
    hold: Hold, target: HoldStatus, *, actor: str, reason: str, **also: object
) -> None:
    """The one way a hold's status moves: checked against HOLD_TRANSITIONS, with its history row
    (core.statemachine) written in the same transaction."""
    change_status(
        hold,
        target,
        transitions=HOLD_TRANSITIONS,
        actor=actor,
        reason=reason,
        also={"resolved_at": timezone.now(), **also},
    )


def _lock_active_hold(hold_id: int) -> Hold:
    hold = Hold.objects.select_for_update().get(pk=hold_id)
    if hold.status != HoldStatus.ACTIVE:
        raise HoldNotActiveError()
    return hold


def capture_hold(
    *,
    hold_id: int,
    amount: int,
    counter_legs: Sequence[Leg],
    kind: EntryKind,
    memo: str = "",
    actor: str = "system",
) -> JournalEntry:
    """Settle `amount` of a hold (the rest is released) against `counter_legs`.

    Capture is allowed on a frozen account: the money already left under the hold (a payout
    in flight at the rail), and the ledger must record what happened.
    """
    _require_transaction()
    hold = _lock_active_hold(hold_id)
    if amount <= 0 or amount > hold.amount:
        raise CaptureExceedsHoldError()
    legs = [Leg(hold.account_id, -amount), *counter_legs]
    entry = post_entry(
        kind=kind,
        legs=legs,
        memo=memo,
        reference=hold.reference,
        actor=actor,
        release_held={hold.account_id: hold.amount},
        debits_blocked_apply=False,
    )
    _settle_hold(
        hold,
        HoldStatus.CAPTURED,
        actor=actor,
        reason=memo,
        captured_amount=amount,
        capture_entry=entry,
    )
    return entry


def release_hold(
    hold_id: int, *, expired: bool = False, actor: str = "system", reason: str = ""
) -> Hold:
    _require_transaction()
    hold = _lock_active_hold(hold_id)
    lock_accounts([hold.account_id])
    LedgerAccount.objects.filter(pk=hold.account_id).update(held=F("held") - hold.amount)
    _settle_hold(
        hold,
        HoldStatus.EXPIRED if expired else HoldStatus.VOIDED,
        actor=actor,
        reason=reason or ("expired" if expired else "released"),
    )
    return hold


def expire_due_holds(now: datetime | None = None, batch: int = 500) -> int:
    """Release every active hold past its expiry, one transaction each."""
    now = now or timezone.now()
    due = list(
        Hold.objects.filter(status=HoldStatus.ACTIVE, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:batch]
    )
    expired = 0
    for hold_id in due:
        with transaction.atomic():
            try:
                release_hold(hold_id, expired=True)
            except HoldNotActiveError:
                continue
        expired += 1
    return expired
