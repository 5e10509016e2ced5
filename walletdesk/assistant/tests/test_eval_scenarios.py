"""Every scenario of our own evaluation files, through the evaluation's real runner, in the suite.

The command restores a freshly seeded copy of the demo data before each scenario. Here the demo
data is seeded once per module (per xdist worker) inside a transaction that is rolled back at
the end (`demo_world`, conftest.py), and every scenario runs in the test's own savepoint, rolled
back after it: the same fresh demo world per scenario, for the price of one seed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from walletdesk.assistant.dialogue.engine import handle_turn
from walletdesk.assistant.dialogue.types import TurnResult
from walletdesk.assistant.evaluation import runner, scenarios
from walletdesk.assistant.nlu import store
from walletdesk.assistant.nlu.pipeline import Pipeline
from walletdesk.assistant.tests.committing import commits_at_this_level
from walletdesk.core.cache_keys import clear_own_cache
from walletdesk.payments import facade as payments

SCENARIO_FILES = sorted((Path(runner.__file__).parents[1] / "eval").glob("scenarios_*.jsonl"))
SCENARIOS = {s.id: s for path in SCENARIO_FILES for s in scenarios.load(path)}


def test_the_files_hold_both_languages() -> None:
    assert sum(1 for s in SCENARIOS.values() if s.lang == "zh") >= 60
    assert sum(1 for s in SCENARIOS.values() if s.lang == "en") >= 60


# One group per language: with xdist each worker seeds once and runs its half.
@pytest.mark.parametrize(
    "scenario_id",
    [
        pytest.param(sid, marks=pytest.mark.xdist_group(f"assistant-scenarios-{s.lang}"))
        for sid, s in sorted(SCENARIOS.items())
    ],
)
@pytest.mark.django_db
def test_scenario_passes(
    scenario_id: str,
    demo_world: None,
    trained_pipeline: Pipeline,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    said: list[str] = []

    def heard_turn(**kwargs: Any) -> TurnResult:
        result = handle_turn(**kwargs)
        said.append(f"[{result.intent}] {runner.reply_text(result)}")
        return result

    # What the assistant said goes into the failure message (the runner keeps only the checks).
    monkeypatch.setattr(runner, "handle_turn", heard_turn)
    store.activate(trained_pipeline)
    clear_own_cache()  # lockouts and limits of one scenario must not reach the next
    try:
        with commits_at_this_level():
            outcome = runner.run(SCENARIOS[scenario_id])
    finally:
        store.activate(None)
        payments.forget_process_caches()
    assert outcome.failed_checks == [], "\n".join(said)
    assert outcome.passed


@pytest.mark.django_db
def test_a_refund_request_is_confirmed_by_quick_reply_and_moves_no_money(
    demo_world: None, trained_pipeline: Pipeline
) -> None:
    from walletdesk.assistant.errors import QuickReplyInvalidError
    from walletdesk.identity import facade as identity
    from walletdesk.ledger import facade as ledger
    from walletdesk.tickets import facade as tickets

    store.activate(trained_pipeline)
    try:
        customer = identity.customer_id_for_login("+8613800138000")
        assert customer is not None
        marker = ledger.last_entry_id()
        with commits_at_this_level():
            offer = handle_turn(customer_id=customer, text="我想申请退款")
            picks = [q.id for r in offer.replies for q in r.quick_replies if q.id != "cancel"]
            assert len(picks) >= 2 and all(p.startswith("refund:") for p in picks)
            payment_id = picks[0].split(":", 1)[1]
            # Confirming before the payment was picked is not on offer.
            with pytest.raises(QuickReplyInvalidError):
                handle_turn(
                    customer_id=customer,
                    quick_reply=f"confirm_refund:{payment_id}",
                    conversation=offer.conversation,
                )
            asked = handle_turn(
                customer_id=customer, quick_reply=picks[0], conversation=offer.conversation
            )
            assert f"confirm_refund:{payment_id}" in [
                q.id for r in asked.replies for q in r.quick_replies
            ]
            before = tickets.customer_ticket_count(customer)
            done = handle_turn(
                customer_id=customer,
                quick_reply=f"confirm_refund:{payment_id}",
                conversation=offer.conversation,
            )
        # The request goes to the merchant as a refund request on the payment, not a ticket.
        assert tickets.customer_ticket_count(customer) == before
        request = payments.refund_request_status(customer, payment_id)
        assert request is not None and request.status == "requested"
        card = done.replies[-1].cards[0]
        assert (card.type, card.url) == ("record", f"/records/payment/{payment_id}/")
        assert ledger.entries_touching(customer, marker) == []
    finally:
        store.activate(None)
        payments.forget_process_caches()
