"""A hold's status moves only through core.statemachine: checked against HOLD_TRANSITIONS, and
each move leaves its history row (who, when, old → new, reason) in the same transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from walletdesk.core.errors import InvalidStateTransitionError
from walletdesk.core.statemachine import change_status, status_history
from walletdesk.ledger import actions as ledger
from walletdesk.ledger.enums import HOLD_TRANSITIONS, AccountKind, EntryKind, HoldStatus
from walletdesk.ledger.errors import HoldNotActiveError, InsufficientBalanceError
from walletdesk.ledger.models import Hold

pytestmark = pytest.mark.django_db


def _hold(wallet: Any, amount: int, minutes: int = 30) -> Hold:
    with transaction.atomic():
        return ledger.create_hold(
            account_id=wallet.pk,
            amount=amount,
            expires_at=timezone.now() + timedelta(minutes=minutes),
            reference="withdrawal:test",
        )


def _history(hold: Hold) -> list[tuple[str, str, str, str]]:
    return [(row.from_status, row.to_status, row.actor, row.reason) for row in status_history(hold)]


def test_a_capture_writes_its_history_row(funded: Any, account: Any) -> None:
    wallet, _rail = funded(100_00)
    hold = _hold(wallet, 40_00)
    clearing = account(AccountKind.RAIL_CLEARING)
    with transaction.atomic():
        ledger.capture_hold(
            hold_id=hold.pk,
            amount=40_00,
            counter_legs=[ledger.Leg(clearing.pk, 40_00)],
            kind=EntryKind.WITHDRAWAL,
            memo="payout",
            actor="rail:bank_card",
        )
    hold.refresh_from_db()
    assert hold.status == HoldStatus.CAPTURED and hold.resolved_at is not None
    assert _history(hold) == [("active", "captured", "rail:bank_card", "payout")]


def test_a_release_and_an_expiry_write_theirs(funded: Any) -> None:
    wallet, _rail = funded(100_00)
    released = _hold(wallet, 10_00)
    due = _hold(wallet, 5_00, minutes=-1)
    with transaction.atomic():
        ledger.release_hold(released.pk, actor="agent:7", reason="card_declined")
    assert ledger.expire_due_holds() == 1
    assert _history(released) == [("active", "voided", "agent:7", "card_declined")]
    assert _history(due) == [("active", "expired", "system", "expired")]


def test_a_settled_hold_cannot_move_again_and_leaves_no_row(funded: Any) -> None:
    wallet, _rail = funded(100_00)
    hold = _hold(wallet, 10_00)
    with transaction.atomic():
        ledger.release_hold(hold.pk)
    with pytest.raises(HoldNotActiveError), transaction.atomic():
        ledger.release_hold(hold.pk)
    hold.refresh_from_db()
    # The map itself refuses it too, whoever asks.
    with pytest.raises(InvalidStateTransitionError):
        change_status(hold, HoldStatus.ACTIVE, transitions=HOLD_TRANSITIONS, actor="system")
    assert [row[:2] for row in _history(hold)] == [("active", "voided")]


def test_a_refused_capture_leaves_the_hold_active_with_no_row(funded: Any, account: Any) -> None:
    wallet, _rail = funded(10_00)
    hold = _hold(wallet, 10_00)
    clearing = account(AccountKind.RAIL_CLEARING)
    with pytest.raises(InsufficientBalanceError), transaction.atomic():
        # More than the hold leaves the wallet: the entry is refused, and with it the move.
        ledger.capture_hold(
            hold_id=hold.pk,
            amount=10_00,
            counter_legs=[ledger.Leg(clearing.pk, 10_01), ledger.Leg(wallet.pk, -1)],
            kind=EntryKind.WITHDRAWAL,
        )
    hold.refresh_from_db()
    assert hold.status == HoldStatus.ACTIVE and _history(hold) == []
