from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from walletdesk.ledger import actions as ledger
from walletdesk.ledger.enums import AccountKind, EntryKind, HoldStatus
from walletdesk.ledger.errors import (
    AccountFrozenError,
    AlreadyReversedError,
    CaptureExceedsHoldError,
    HoldNotActiveError,
    IdempotencyKeyInvalidError,
    IdempotencyKeyMissingError,
    IdempotencyKeyReusedError,
    InsufficientBalanceError,
    UnbalancedEntryError,
)
from walletdesk.ledger.idempotency import run_idempotent
from walletdesk.ledger.invariants import check_ledger
from walletdesk.ledger.models import Hold, IdempotencyRecord, JournalEntry, LedgerAccount, Posting

pytestmark = pytest.mark.django_db


zero_sum_trigger_on_postgres = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="deferred constraint trigger is PostgreSQL-only"
)


def balances(*accounts: LedgerAccount) -> list[tuple[int, int]]:
    return [
        (a.posted, a.held)
        for a in LedgerAccount.objects.filter(pk__in=[x.pk for x in accounts]).order_by("pk")
    ]


def post(*legs: tuple[LedgerAccount, int], **kwargs: Any) -> JournalEntry:
    with transaction.atomic():
        return ledger.post_entry(
            kind=kwargs.pop("kind", EntryKind.TRANSFER),
            legs=[ledger.Leg(a.pk, amount) for a, amount in legs],
            **kwargs,
        )


class TestEntries:
    def test_balanced_entry_updates_cached_balances(self, funded: Any, account: Any) -> None:
        wallet, _rail = funded(100_00)
        other = account()
        post((wallet, -30_00), (other, 30_00))
        wallet.refresh_from_db()
        other.refresh_from_db()
        assert (wallet.posted, other.posted) == (70_00, 30_00)
        assert check_ledger().ok

    @pytest.mark.parametrize("legs", [[-100, 99], [-100], [0, 0]])
    def test_unbalanced_or_thin_entries_are_refused(
        self, funded: Any, account: Any, legs: list[int]
    ) -> None:
        wallet, _ = funded(10_00)
        other = account()
        targets = [wallet, other]
        with pytest.raises(UnbalancedEntryError):
            post(*[(targets[i], amount) for i, amount in enumerate(legs)])
        assert JournalEntry.objects.count() == 1

    def test_each_currency_must_balance_on_its_own(self, funded: Any, account: Any) -> None:
        cny, _ = funded(10_00, "CNY")
        usd = account(AccountKind.CUSTOMER_WALLET, "USD")
        with pytest.raises(UnbalancedEntryError):
            post((cny, -1_00), (usd, 1_00))

    def test_wallet_cannot_go_below_zero(self, funded: Any, account: Any) -> None:
        wallet, _ = funded(10_00)
        with pytest.raises(InsufficientBalanceError):
            post((wallet, -10_01), (account(), 10_01))
        assert balances(wallet) == [(10_00, 0)]

    def test_blocked_debits_refuse_money_out_but_let_money_in(
        self, funded: Any, account: Any
    ) -> None:
        wallet, rail = funded(10_00)
        LedgerAccount.objects.filter(pk=wallet.pk).update(debits_blocked=True)
        with pytest.raises(AccountFrozenError):
            post((wallet, -1_00), (account(), 1_00))
        post((rail, -5_00), (wallet, 5_00))
        assert balances(wallet) == [(15_00, 0)]

    @pytest.mark.django_db(transaction=True)
    def test_writes_outside_a_transaction_are_refused(self, funded: Any, account: Any) -> None:
        wallet, _ = funded(1_00)
        with pytest.raises(RuntimeError, match=r"inside transaction\.atomic"):
            ledger.post_entry(
                kind=EntryKind.TRANSFER,
                legs=[ledger.Leg(wallet.pk, -1), ledger.Leg(account().pk, 1)],
            )

    def test_reversal_compensates_once(self, funded: Any, account: Any) -> None:
        wallet, _ = funded(10_00)
        other = account()
        entry = post((wallet, -4_00), (other, 4_00))
        with transaction.atomic():
            reversal = ledger.reverse_entry(entry.pk, memo="wrong recipient", actor="agent:7")
        assert sorted(p.amount for p in reversal.postings.all()) == [-4_00, 4_00]
        assert balances(wallet, other) == [(10_00, 0), (0, 0)]
        with pytest.raises(AlreadyReversedError), transaction.atomic():
            ledger.reverse_entry(entry.pk, memo="again", actor="agent:7")


class TestAppendOnly:
    def test_postings_cannot_be_updated(self, funded: Any) -> None:
        funded(1_00)
        with pytest.raises(DatabaseError), transaction.atomic():
            Posting.objects.update(amount=5)
        assert sorted(Posting.objects.values_list("amount", flat=True)) == [-1_00, 1_00]

    def test_entries_cannot_be_updated(self, funded: Any) -> None:
        funded(1_00)
        with pytest.raises(DatabaseError), transaction.atomic():
            JournalEntry.objects.update(memo="tampered")

    @pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="DELETE guard is a PostgreSQL trigger"
    )
    def test_postings_cannot_be_deleted_on_postgres(self, funded: Any) -> None:
        funded(1_00)
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM ledger_posting")
        assert Posting.objects.count() == 2


@zero_sum_trigger_on_postgres
@pytest.mark.django_db(transaction=True)
def test_database_refuses_an_unbalanced_entry_at_commit(account: Any) -> None:
    wallet = account()
    rail = account(AccountKind.RAIL_CLEARING)
    with pytest.raises(IntegrityError, match="does not sum to zero"), transaction.atomic():
        entry = JournalEntry.objects.create(kind=EntryKind.ADJUSTMENT)
        Posting.objects.create(entry=entry, account=wallet, amount=5_00, currency="CNY")
        Posting.objects.create(entry=entry, account=rail, amount=-4_00, currency="CNY")
    assert not JournalEntry.objects.exists()


@zero_sum_trigger_on_postgres
@pytest.mark.django_db(transaction=True)
def test_the_check_at_commit_sees_every_entry_and_every_later_posting(account: Any) -> None:
    """Every entry of a transaction is checked, and a posting added to an entry after that entry
    was checked is checked again with all the others."""
    wallet = account()
    rail = account(AccountKind.RAIL_CLEARING)

    def balanced_entry() -> JournalEntry:
        entry = JournalEntry.objects.create(kind=EntryKind.ADJUSTMENT)
        Posting.objects.create(entry=entry, account=wallet, amount=5_00, currency="CNY")
        Posting.objects.create(entry=entry, account=rail, amount=-5_00, currency="CNY")
        return entry

    with pytest.raises(IntegrityError, match="does not sum to zero"), transaction.atomic():
        balanced_entry()
        second = JournalEntry.objects.create(kind=EntryKind.ADJUSTMENT)
        Posting.objects.create(entry=second, account=wallet, amount=3_00, currency="CNY")
        Posting.objects.create(entry=second, account=rail, amount=-2_00, currency="CNY")
    assert not JournalEntry.objects.exists()

    with pytest.raises(IntegrityError, match="does not sum to zero"), transaction.atomic():
        entry = balanced_entry()
        with connection.cursor() as cursor:
            # Checked now, and found balanced; then the entry gets one more posting.
            cursor.execute("SET CONSTRAINTS ledger_posting_balanced IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ledger_posting_balanced DEFERRED")
        Posting.objects.create(entry=entry, account=wallet, amount=1_00, currency="CNY")
    assert not JournalEntry.objects.exists()

    with transaction.atomic():
        balanced_entry()
        balanced_entry()
    assert JournalEntry.objects.count() == 2
    assert Posting.objects.count() == 4


class TestHolds:
    def hold(self, wallet: LedgerAccount, amount: int, minutes: int = 30) -> Hold:
        with transaction.atomic():
            return ledger.create_hold(
                account_id=wallet.pk,
                amount=amount,
                expires_at=timezone.now() + timedelta(minutes=minutes),
            )

    def test_hold_reduces_available_not_posted(self, funded: Any) -> None:
        wallet, _ = funded(100_00)
        self.hold(wallet, 30_00)
        wallet.refresh_from_db()
        assert (wallet.posted, wallet.held, wallet.available) == (100_00, 30_00, 70_00)

    def test_hold_cannot_exceed_available(self, funded: Any) -> None:
        wallet, _ = funded(10_00)
        self.hold(wallet, 6_00)
        with pytest.raises(InsufficientBalanceError):
            self.hold(wallet, 4_01)

    def test_partial_capture_releases_the_remainder(self, funded: Any, account: Any) -> None:
        wallet, rail = funded(100_00)
        hold = self.hold(wallet, 50_00)
        with transaction.atomic():
            ledger.capture_hold(
                hold_id=hold.pk,
                amount=20_00,
                counter_legs=[ledger.Leg(rail.pk, 20_00)],
                kind=EntryKind.WITHDRAWAL,
            )
        hold.refresh_from_db()
        assert (hold.status, hold.captured_amount) == (HoldStatus.CAPTURED, 20_00)
        assert balances(wallet) == [(80_00, 0)]
        assert check_ledger().ok

    def test_a_hold_resolves_at_most_once(self, funded: Any) -> None:
        wallet, rail = funded(10_00)
        hold = self.hold(wallet, 5_00)
        with transaction.atomic():
            ledger.release_hold(hold.pk)
        with pytest.raises(HoldNotActiveError), transaction.atomic():
            ledger.capture_hold(
                hold_id=hold.pk,
                amount=5_00,
                counter_legs=[ledger.Leg(rail.pk, 5_00)],
                kind=EntryKind.WITHDRAWAL,
            )
        with pytest.raises(HoldNotActiveError), transaction.atomic():
            ledger.release_hold(hold.pk)
        assert balances(wallet) == [(10_00, 0)]

    def test_capture_above_the_hold_is_refused(self, funded: Any) -> None:
        wallet, rail = funded(10_00)
        hold = self.hold(wallet, 5_00)
        with pytest.raises(CaptureExceedsHoldError), transaction.atomic():
            ledger.capture_hold(
                hold_id=hold.pk,
                amount=5_01,
                counter_legs=[ledger.Leg(rail.pk, 5_01)],
                kind=EntryKind.WITHDRAWAL,
            )

    def test_capture_succeeds_on_a_frozen_account(self, funded: Any) -> None:
        wallet, rail = funded(10_00)
        hold = self.hold(wallet, 5_00)
        LedgerAccount.objects.filter(pk=wallet.pk).update(debits_blocked=True)
        with transaction.atomic():
            ledger.capture_hold(
                hold_id=hold.pk,
                amount=5_00,
                counter_legs=[ledger.Leg(rail.pk, 5_00)],
                kind=EntryKind.WITHDRAWAL,
            )
        assert balances(wallet) == [(5_00, 0)]
        with pytest.raises(AccountFrozenError):
            self.hold(wallet, 1_00)

    def test_due_holds_expire(self, funded: Any) -> None:
        wallet, _ = funded(10_00)
        due = self.hold(wallet, 3_00, minutes=-1)
        later = self.hold(wallet, 2_00, minutes=30)
        assert ledger.expire_due_holds() == 1
        due.refresh_from_db()
        later.refresh_from_db()
        assert (due.status, later.status) == (HoldStatus.EXPIRED, HoldStatus.ACTIVE)
        assert balances(wallet) == [(10_00, 2_00)]


class TestIdempotency:
    def command(self, calls: list[int]) -> Any:
        def run() -> tuple[int, dict[str, Any]]:
            calls.append(1)
            return 201, {"id": len(calls)}

        return run

    def test_replay_returns_the_first_outcome_without_running_again(self) -> None:
        calls: list[int] = []
        first = run_idempotent(
            scope="u:1", key="abc", request={"a": 1}, command=self.command(calls)
        )
        second = run_idempotent(
            scope="u:1", key="abc", request={"a": 1}, command=self.command(calls)
        )
        assert (first.body, first.replayed) == ({"id": 1}, False)
        assert (second.body, second.status, second.replayed) == ({"id": 1}, 201, True)
        assert len(calls) == 1

    def test_keys_are_scoped_to_the_caller(self) -> None:
        calls: list[int] = []
        run_idempotent(scope="u:1", key="abc", request={}, command=self.command(calls))
        run_idempotent(scope="u:2", key="abc", request={}, command=self.command(calls))
        assert len(calls) == 2

    def test_reuse_with_a_different_request_is_refused(self) -> None:
        run_idempotent(scope="u:1", key="abc", request={"a": 1}, command=self.command([]))
        with pytest.raises(IdempotencyKeyReusedError) as caught:
            run_idempotent(scope="u:1", key="abc", request={"a": 2}, command=self.command([]))
        assert caught.value.http_status == 422

    @pytest.mark.parametrize(
        ("key", "error"),
        [
            (None, IdempotencyKeyMissingError),
            ("", IdempotencyKeyMissingError),
            ("a" * 256, IdempotencyKeyInvalidError),
            ("has space", IdempotencyKeyInvalidError),
            ("中文", IdempotencyKeyInvalidError),
        ],
    )
    def test_key_format(self, key: str | None, error: type[Exception]) -> None:
        with pytest.raises(error):
            run_idempotent(scope="u:1", key=key, request={}, command=self.command([]))
        assert not IdempotencyRecord.objects.exists()

    def test_a_failed_command_stores_nothing(self) -> None:
        def failing() -> tuple[int, dict[str, Any]]:
            raise InsufficientBalanceError()

        with pytest.raises(InsufficientBalanceError):
            run_idempotent(scope="u:1", key="k", request={}, command=failing)
        assert not IdempotencyRecord.objects.exists()


class TestLedgerCheck:
    def test_clean_ledger_passes(self, funded: Any, capsys: Any) -> None:
        funded(12_34)
        call_command("ledger_check")
        assert "ledger OK" in capsys.readouterr().out

    def test_drifted_cache_fails_with_the_account_named(self, funded: Any, capsys: Any) -> None:
        wallet, _ = funded(12_34)
        LedgerAccount.objects.filter(pk=wallet.pk).update(posted=99_99)
        with pytest.raises(CommandError, match="1 ledger violation"):
            call_command("ledger_check")
        assert f"account {wallet.code}: cached posted=9999" in capsys.readouterr().err


class TestIdempotencyRetention:
    def test_pruning_removes_only_records_past_retention(self) -> None:
        from walletdesk.ledger import tasks

        now = timezone.now()
        ages = [timedelta(days=30), timedelta(days=8), timedelta(days=6), timedelta(hours=1)]
        for number, age in enumerate(ages):
            record = IdempotencyRecord.objects.create(
                scope="user:1:transfer", key=f"k-{number}", request_hash="h", response="{}"
            )
            IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=now - age)

        assert tasks.prune_idempotency_records() == 2
        assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k-2", "k-3"]
        assert tasks.prune_idempotency_records() == 0


@zero_sum_trigger_on_postgres
@pytest.mark.django_db(transaction=True)
def test_the_check_at_commit_balances_each_currency_on_its_own(account: Any) -> None:
    """An entry in two currencies balances only if each currency does: 5 CNY in and 5 USD out
    is not balanced, whatever the digits add up to."""
    cny_wallet, cny_fx = account(), account(AccountKind.FX_POSITION)
    usd_wallet, usd_fx = account(currency="USD"), account(AccountKind.FX_POSITION, "USD")

    with pytest.raises(IntegrityError, match="does not sum to zero"), transaction.atomic():
        entry = JournalEntry.objects.create(kind=EntryKind.ADJUSTMENT)
        Posting.objects.create(entry=entry, account=cny_wallet, amount=5_00, currency="CNY")
        Posting.objects.create(entry=entry, account=usd_fx, amount=-5_00, currency="USD")
    with pytest.raises(IntegrityError, match="fewer than two postings"), transaction.atomic():
        entry = JournalEntry.objects.create(kind=EntryKind.ADJUSTMENT)
        Posting.objects.create(entry=entry, account=cny_wallet, amount=5_00, currency="CNY")
    assert not JournalEntry.objects.exists()

    with transaction.atomic():
        entry = JournalEntry.objects.create(kind=EntryKind.FX)
        Posting.objects.create(entry=entry, account=cny_fx, amount=-7_10, currency="CNY")
        Posting.objects.create(entry=entry, account=cny_wallet, amount=7_10, currency="CNY")
        Posting.objects.create(entry=entry, account=usd_wallet, amount=-1_00, currency="USD")
        Posting.objects.create(entry=entry, account=usd_fx, amount=1_00, currency="USD")
    assert Posting.objects.count() == 4
