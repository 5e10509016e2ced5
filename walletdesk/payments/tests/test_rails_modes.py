"""Every sandbox failure mode end to end, reconciliation, re-query and expiry."""

from __future__ import annotations

import uuid
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from walletdesk.ledger.invariants import check_ledger
from walletdesk.ledger.models import JournalEntry
from walletdesk.payments import reconciliation
from walletdesk.payments.models import RailCallback, RailOperationEvent, TopUp
from walletdesk.payments.rails import sandbox
from walletdesk.payments.rails.sandbox_models import SandboxRailRecord
from walletdesk.payments.tests.conftest import available
from walletdesk.payments.topups import create_top_up

pytestmark = pytest.mark.django_db


def _top_up(
    user: Any, run_on_commit: Any, amount: str, method: str = "third_party_wallet", card: Any = None
) -> TopUp:
    with run_on_commit():
        outcome = create_top_up(
            user_id=user.pk,
            kyc_level=0,
            amount=amount,
            currency="CNY",
            method=method,
            card_id=str(card.public_id) if card else None,
            idempotency_key=uuid.uuid4().hex,
        )
    return TopUp.objects.get(public_id=outcome.body["id"])


def _events(top_up: TopUp) -> list[tuple[str, str]]:
    return list(
        RailOperationEvent.objects.filter(operation_type="top_up", operation_id=top_up.pk)
        .order_by("id")
        .values_list("new_status", "source")
    )


def _age(top_up: TopUp, delta: timedelta) -> None:
    TopUp.objects.filter(pk=top_up.pk).update(created_at=timezone.now() - delta)


def test_mode_is_chosen_by_the_amounts_last_two_digits() -> None:
    assert sandbox.mode_for(100_51) == sandbox.SandboxMode.DECLINED
    assert sandbox.mode_for(7_57) == sandbox.SandboxMode.LOST
    assert sandbox.mode_for(100_00) == sandbox.SandboxMode.SUCCEED
    with sandbox.force_mode("timeout"):
        assert sandbox.mode_for(100_00) == sandbox.SandboxMode.TIMEOUT


def test_success_has_trace_id_timeline_and_one_credit(
    wallet_factory: Any, run_on_commit: Any
) -> None:
    user = wallet_factory()
    top_up = _top_up(user, run_on_commit, "88.00")
    assert top_up.status == "succeeded" and top_up.rail_trace_id.startswith("SBXW")
    assert _events(top_up) == [
        ("created", "customer"),
        ("pending", "rail"),
        ("succeeded", "callback"),
    ]
    assert available(user) == 88_00
    assert check_ledger().ok


def test_declined_fails_at_once_with_reason(
    wallet_factory: Any, card_factory: Any, run_on_commit: Any
) -> None:
    user = wallet_factory()
    card = card_factory(user)
    top_up = _top_up(user, run_on_commit, "100.51", method="bank_card", card=card)
    assert (top_up.status, top_up.failure_reason) == ("failed", "card_declined")
    assert top_up.rail_trace_id.startswith("SBXC")
    assert _events(top_up) == [("created", "customer"), ("failed", "rail")]
    assert available(user) == 0 and top_up.entry_id is None


def test_insufficient_funds_at_bank_fails_through_the_callback(
    wallet_factory: Any, run_on_commit: Any
) -> None:
    user = wallet_factory()
    top_up = _top_up(user, run_on_commit, "100.52")
    assert (top_up.status, top_up.failure_reason) == ("failed", "insufficient_funds_at_bank")
    assert ("failed", "callback") in _events(top_up)
    assert available(user) == 0


def test_timeout_keeps_it_pending_until_the_callback_arrives(
    wallet_factory: Any, run_on_commit: Any
) -> None:
    user = wallet_factory()
    top_up = _top_up(user, run_on_commit, "100.53")
    # Our call timed out, but the rail had it: the callback filled in the trace id and settled it.
    assert top_up.status == "succeeded" and top_up.rail_trace_id
    assert available(user) == 100_53


def test_duplicated_callback_credits_once(wallet_factory: Any, run_on_commit: Any) -> None:
    user = wallet_factory()
    top_up = _top_up(user, run_on_commit, "100.55")
    record = SandboxRailRecord.objects.get(reference=str(top_up.public_id))
    assert record.callbacks_sent == 3
    assert RailCallback.objects.filter(event_id__contains=record.trace_id).count() == 1
    assert JournalEntry.objects.filter(reference=f"top_up:{top_up.public_id}").count() == 1
    assert available(user) == 100_55


def test_out_of_order_pending_after_success_is_ignored(
    wallet_factory: Any, run_on_commit: Any
) -> None:
    user = wallet_factory()
    top_up = _top_up(user, run_on_commit, "100.56")
    record = SandboxRailRecord.objects.get(reference=str(top_up.public_id))
    assert record.callbacks_sent == 2
    assert RailCallback.objects.filter(event_id=f"evt_{record.trace_id}_pending").exists()
    top_up.refresh_from_db()
    assert top_up.status == "succeeded" and available(user) == 100_56


def test_lost_callback_is_fixed_by_reconciliation(wallet_factory: Any, run_on_commit: Any) -> None:
    user = wallet_factory()
    top_up = _top_up(user, run_on_commit, "100.54")
    assert top_up.status == "pending" and available(user) == 0
    # Too recent: the job leaves it alone.
    assert reconciliation.reconcile_pending_operations().checked == 0
    _age(top_up, timedelta(minutes=11))
    summary = reconciliation.reconcile_pending_operations()
    assert (summary.checked, summary.succeeded) == (1, 1)
    top_up.refresh_from_db()
    assert top_up.status == "succeeded" and top_up.query_count == 1
    assert _events(top_up)[-1] == ("succeeded", "reconciliation")
    assert available(user) == 100_54
    # Running it again finds nothing to do and moves no money.
    assert reconciliation.reconcile_pending_operations(older_than=timedelta(0)).checked == 0
    assert JournalEntry.objects.filter(reference=f"top_up:{top_up.public_id}").count() == 1
    assert check_ledger().ok


def test_customer_requery_is_rate_limited(
    wallet_factory: Any, run_on_commit: Any, client_for: Any
) -> None:
    user = wallet_factory()
    with sandbox.force_mode("callback_lost"):
        top_up = _top_up(user, run_on_commit, "20.00")
    SandboxRailRecord.objects.filter(reference=str(top_up.public_id)).update(
        status="pending", settles_at=timezone.now() + timedelta(hours=1)
    )
    client = client_for(user)
    url = f"/api/v1/top-ups/{top_up.public_id}/requery"
    first = client.post(url)
    assert first.status_code == 200 and first.json()["status"] == "pending"
    second = client.post(url)
    assert second.status_code == 429 and second.json()["error"]["code"] == "requery_too_soon"
    TopUp.objects.filter(pk=top_up.pk).update(
        last_queried_at=timezone.now() - timedelta(seconds=61)
    )
    SandboxRailRecord.objects.filter(reference=str(top_up.public_id)).update(
        settles_at=timezone.now()
    )
    third = client.post(url)
    assert third.status_code == 200 and third.json()["status"] == "succeeded"
    assert third.json()["timeline"][-1]["source"] == "requery"
    assert available(user) == 20_00


def test_lost_submission_expires_and_credits_nothing(
    wallet_factory: Any, run_on_commit: Any
) -> None:
    user = wallet_factory()
    top_up = _top_up(user, run_on_commit, "100.57")
    assert top_up.status == "pending" and top_up.rail_trace_id == ""
    last = RailOperationEvent.objects.filter(operation_id=top_up.pk).last()
    assert last is not None and "rail_timeout" in last.detail
    assert reconciliation.expire_stale_top_ups() == 0  # not old enough
    _age(top_up, timedelta(hours=25))
    assert reconciliation.expire_stale_top_ups() == 1
    top_up.refresh_from_db()
    assert (top_up.status, top_up.failure_reason) == ("expired", "expired")
    assert _events(top_up)[-1] == ("expired", "expiry")
    assert available(user) == 0
    assert reconciliation.expire_stale_top_ups() == 0


def test_expiry_applies_a_late_success_instead_of_expiring(
    wallet_factory: Any, run_on_commit: Any
) -> None:
    user = wallet_factory()
    top_up = _top_up(user, run_on_commit, "100.54")  # callback lost, but the rail has it
    _age(top_up, timedelta(hours=25))
    assert reconciliation.expire_stale_top_ups() == 0
    top_up.refresh_from_db()
    assert top_up.status == "succeeded" and available(user) == 100_54


def test_created_but_never_submitted_is_resubmitted_by_reconciliation(wallet_factory: Any) -> None:
    user = wallet_factory()
    # No on-commit run: the submission never happened (e.g. the process died after commit).
    outcome = create_top_up(
        user_id=user.pk,
        kyc_level=0,
        amount="30.00",
        currency="CNY",
        method="bank_transfer",
        card_id=None,
        idempotency_key="k1",
    )
    top_up = TopUp.objects.get(public_id=outcome.body["id"])
    assert top_up.status == "created"
    _age(top_up, timedelta(minutes=30))
    with sandbox.force_mode("callback_lost"):
        summary = reconciliation.reconcile_pending_operations()
    assert summary.resubmitted == 1
    top_up.refresh_from_db()
    assert top_up.status == "pending" and top_up.rail_trace_id.startswith("SBXT")


def test_rail_reconcile_command_prints_progress_and_summary(
    wallet_factory: Any, run_on_commit: Any
) -> None:
    user = wallet_factory()
    top_up = _top_up(user, run_on_commit, "100.54")
    out = StringIO()
    call_command("rail_reconcile", "--older-than-minutes", "0", stdout=out)
    text = out.getvalue()
    assert f"top_up {top_up.public_id}" in text and "rail: succeeded" in text
    assert text.strip().splitlines()[-1] == (
        '{"checked": 1, "errors": 0, "failed": 0, "resubmitted": 0, "still_pending": 0, '
        '"succeeded": 1, "unknown": 0}'
    )


def test_celery_tasks_have_the_scheduled_names(settings: Any) -> None:
    from walletdesk.payments import tasks

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks.reconcile_pending_operations.name in scheduled
    assert tasks.expire_stale_top_ups.name in scheduled
    assert (
        tasks.reconcile_pending_operations.delay().get()
        == reconciliation.ReconcileSummary().as_dict()
    )
    assert tasks.expire_stale_top_ups.delay().get() == 0


def test_an_unanswered_top_up_stays_pending_until_someone_requeries_it(
    wallet_factory: Any, run_on_commit: Any
) -> None:
    """xx.58: the channel never calls back and the periodic sweep hears "pending" for ever; the
    customer's "check now" gets the answer and credits the wallet once."""
    user = wallet_factory()
    top_up = _top_up(user, run_on_commit, "300.58")
    assert top_up.status == "pending"
    assert SandboxRailRecord.objects.get(reference=str(top_up.public_id)).callbacks_sent == 0

    _age(top_up, timedelta(days=3))
    with run_on_commit():
        summary = reconciliation.reconcile_pending_operations()
        assert reconciliation.expire_stale_top_ups() == 0
    assert summary.still_pending == 1 and summary.succeeded == 0
    top_up.refresh_from_db()
    assert top_up.status == "pending" and available(user) == 0

    # A few minutes later the customer presses "check now".
    TopUp.objects.filter(pk=top_up.pk).update(last_queried_at=timezone.now() - timedelta(minutes=5))

    with run_on_commit():
        checked = reconciliation.requery(user_id=user.pk, kind="top_up", public_id=top_up.public_id)
    assert checked.status == "succeeded"
    assert available(user) == 300_58
    assert _events(top_up)[-1] == ("succeeded", "requery")
    assert check_ledger().ok
