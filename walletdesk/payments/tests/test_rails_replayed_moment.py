"""A rail's answer is dated when it arrives; only history replayed in process against the
sandbox rail (the demo seeding, `replay_top_up` with a `ReplayedMoment`) dates it in the past,
the credit and the timeline alike."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from walletdesk.core.errors import WalletDeskError
from walletdesk.ledger.invariants import check_ledger
from walletdesk.ledger.models import JournalEntry
from walletdesk.payments.facade import redate_open_operation
from walletdesk.payments.models import RailOperationEvent, TopUp
from walletdesk.payments.rails import sandbox
from walletdesk.payments.rails.sandbox_models import SandboxRailRecord
from walletdesk.payments.rails.signing import SIGNATURE_HEADER, signature_header
from walletdesk.payments.tests.conftest import available
from walletdesk.payments.topups import ReplayedMoment, create_top_up, replay_top_up, timeline

pytestmark = pytest.mark.django_db
CALLBACK_URL = "/api/v1/rails/third_party_wallet/callback"
A_MINUTE = timedelta(minutes=1)


def replay(user: Any, amount: str, requested: datetime | None, deliver: bool = True) -> TopUp:
    outcome = replay_top_up(
        user_id=user.pk,
        kyc_level=1,
        amount=amount,
        currency="CNY",
        method="third_party_wallet",
        card_id=None,
        idempotency_key=uuid.uuid4().hex,
        requested_at=ReplayedMoment(requested) if requested is not None else None,
        deliver=deliver,
    )
    return TopUp.objects.get(public_id=outcome.body["id"])


def test_a_replayed_top_up_is_credited_and_timed_when_the_sandbox_answered(
    wallet_factory: Any, run_on_commit: Any
) -> None:
    user = wallet_factory()
    asked = timezone.now() - timedelta(days=60, hours=2)
    # The sandbox's own delivery (its job, eager here) runs after commit and finds it settled.
    with run_on_commit():
        top_up = replay(user, "150.00", asked)
    top_up.refresh_from_db()
    assert top_up.status == "succeeded" and top_up.created_at == asked
    assert top_up.completed_at is not None and asked <= top_up.completed_at <= asked + A_MINUTE
    credit = JournalEntry.objects.get(reference=f"top_up:{top_up.public_id}")
    assert credit.pk == top_up.entry_id and credit.created_at == top_up.completed_at
    events = timeline(top_up)
    assert [event.new_status for event in events] == ["created", "pending", "succeeded"]
    assert [event.created_at for event in events] == [asked, asked, top_up.completed_at]
    assert SandboxRailRecord.objects.get(reference=str(top_up.public_id)).callbacks_sent == 1
    assert available(user) == 150_00
    assert check_ledger().ok


def test_a_replayed_top_up_the_rail_leaves_pending_is_dated_when_it_was_submitted(
    wallet_factory: Any, run_on_commit: Any
) -> None:
    user = wallet_factory()
    asked = timezone.now() - timedelta(hours=6)
    with run_on_commit():
        top_up = replay(user, "12.58", asked, deliver=False)  # xx.58: waits for a re-query
    top_up.refresh_from_db()
    assert top_up.status == "pending" and top_up.entry_id is None
    assert {event.created_at for event in timeline(top_up)} == {asked}
    assert available(user) == 0


def test_a_replayed_top_up_without_a_moment_happens_now(wallet_factory: Any) -> None:
    user = wallet_factory()
    before = timezone.now()
    top_up = replay(user, "20.00", None)
    credit = JournalEntry.objects.get(reference=f"top_up:{top_up.public_id}")
    assert before <= top_up.created_at <= credit.created_at
    assert all(before <= event.created_at for event in timeline(top_up))


def test_a_callback_is_dated_when_it_arrives_whatever_it_says(
    client: Any, wallet_factory: Any, run_on_commit: Any
) -> None:
    user = wallet_factory()
    asked = timezone.now() - timedelta(days=30)
    with sandbox.force_mode("callback_lost"), run_on_commit():
        outcome = create_top_up(
            user_id=user.pk,
            kyc_level=1,
            amount="80.00",
            currency="CNY",
            method="third_party_wallet",
            card_id=None,
            idempotency_key=uuid.uuid4().hex,
            at=asked,
        )
    top_up = TopUp.objects.get(public_id=outcome.body["id"])
    record = sandbox.settle(SandboxRailRecord.objects.get(reference=str(top_up.public_id)).pk)
    payload = json.loads(sandbox.callback_payload(record, "succeeded"))
    payload["occurred_at"] = asked.isoformat()  # a rail's word on when is not taken
    body = json.dumps(payload).encode()
    arrived = timezone.now()
    answer = client.post(
        CALLBACK_URL,
        data=body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: signature_header(body)},
    )
    assert answer.status_code == 200
    top_up.refresh_from_db()
    assert top_up.created_at == asked and top_up.status == "succeeded"
    credit = JournalEntry.objects.get(reference=f"top_up:{top_up.public_id}")
    assert credit.created_at >= arrived
    assert timeline(top_up)[-1].created_at >= arrived


@pytest.mark.parametrize(
    "moment",
    [datetime(2026, 1, 5, 9, 0), timezone.now() + timedelta(hours=1)],  # noqa: DTZ001
    ids=["naive", "future"],
)
def test_a_replayed_moment_is_aware_and_in_the_past(moment: datetime) -> None:
    with pytest.raises(ValueError, match="replayed moment"):
        ReplayedMoment(moment)


def test_history_is_replayed_against_a_sandbox_rail_only(
    settings: Any, wallet_factory: Any
) -> None:
    user = wallet_factory()
    settings.WALLETDESK = {
        **settings.WALLETDESK,
        "RAIL_PROVIDERS": {
            "third_party_wallet": "walletdesk.core.tests.provider_plugins.AcquirerRail"
        },
    }
    with pytest.raises(WalletDeskError) as refused:
        replay(user, "10.00", timezone.now() - timedelta(days=2))
    assert refused.value.code == "rail_unavailable"
    assert not TopUp.objects.filter(user=user).exists()


def test_redating_an_open_top_up_moves_its_timeline_with_it(
    wallet_factory: Any, run_on_commit: Any
) -> None:
    user = wallet_factory()
    with run_on_commit():
        top_up = replay(user, "30.58", None, deliver=False)
    offsets = [event.created_at - top_up.created_at for event in timeline(top_up)]
    earlier = timezone.now() - timedelta(days=3)
    assert redate_open_operation("top_up", str(top_up.public_id), earlier)
    top_up.refresh_from_db()
    assert top_up.created_at == earlier
    assert [event.created_at - earlier for event in timeline(top_up)] == offsets
    assert RailOperationEvent.objects.filter(operation_id=top_up.pk).count() == len(offsets)
