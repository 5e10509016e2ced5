"""The demo's 充值不到账 case stays a case until someone acts on it."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from walletdesk.ledger.invariants import check_ledger
from walletdesk.notifications.models import Message
from walletdesk.payments import reconciliation
from walletdesk.payments.models import TopUp
from walletdesk.payments.rails.sandbox_models import SandboxRailRecord
from walletdesk.payments.wallets import wallet_account

# Committed, as `make run` seeds: rail submissions and jobs run after commit.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seeded(settings: Any) -> None:
    # As `make run` starts: the rail answers after a delay, and jobs run (here, eagerly).
    settings.WALLETDESK = {**settings.WALLETDESK, "SANDBOX_CALLBACK_BASE_URL": ""}
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())


def li_nas_waiting_top_up() -> TopUp:
    return TopUp.objects.get(user__display_name="李娜", status="pending")


def test_the_unanswered_top_up_survives_reconciliation_and_expiry_until_a_requery(
    seeded: None,
) -> None:
    top_up = li_nas_waiting_top_up()
    balance = wallet_account(top_up.user_id, "CNY").posted

    # Two days of the beat schedule: reconciliation sweeps and the expiry job.
    two_days_ago = timezone.now() - timedelta(days=2)
    TopUp.objects.filter(pk=top_up.pk).update(created_at=two_days_ago)
    SandboxRailRecord.objects.filter(reference=str(top_up.public_id)).update(
        settles_at=two_days_ago
    )
    summary = reconciliation.reconcile_pending_operations()
    assert reconciliation.expire_stale_top_ups() == 0
    assert summary.still_pending >= 1
    top_up.refresh_from_db()
    assert top_up.status == "pending" and top_up.rail_trace_id
    assert wallet_account(top_up.user_id, "CNY").posted == balance

    # The customer (or an agent) asks the channel now: it answers, the wallet is credited once.
    TopUp.objects.filter(pk=top_up.pk).update(last_queried_at=timezone.now() - timedelta(minutes=5))
    reconciliation.requery(user_id=top_up.user_id, kind="top_up", public_id=top_up.public_id)
    top_up.refresh_from_db()
    assert top_up.status == "succeeded"
    assert wallet_account(top_up.user_id, "CNY").posted == balance + top_up.amount - top_up.fee
    assert (
        Message.objects.filter(
            user_id=top_up.user_id, kind="top_up_credited", link__contains=str(top_up.public_id)
        ).count()
        == 1
    )
    assert check_ledger().ok


def test_seeding_again_changes_nothing(seeded: None) -> None:
    waiting = li_nas_waiting_top_up()
    counts = (TopUp.objects.count(), Message.objects.count())
    err = StringIO()
    call_command("seed_demo", stdout=StringIO(), stderr=err)
    assert (TopUp.objects.count(), Message.objects.count()) == counts
    assert li_nas_waiting_top_up().pk == waiting.pk
    assert "idempotency" not in err.getvalue()
