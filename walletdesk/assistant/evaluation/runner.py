"""Run one scenario against the restored demo data and list what failed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from walletdesk.assistant.dialogue.engine import handle_turn
from walletdesk.assistant.dialogue.types import TurnResult
from walletdesk.assistant.evaluation.scenarios import Scenario
from walletdesk.core.errors import WalletDeskError
from walletdesk.identity import facade as identity
from walletdesk.ledger import facade as ledger
from walletdesk.payments import facade as payments
from walletdesk.tickets import facade as tickets

# "2,000.58" and "2000.58" are the same amount; so are "10,000" and "10000".
_THOUSANDS = re.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")


def normalise(text: str) -> str:
    return _THOUSANDS.sub("", text).casefold()


def reply_text(result: TurnResult) -> str:
    """Everything the customer sees in a turn: texts, cards and quick-reply labels."""
    parts: list[str] = []
    for reply in result.replies:
        parts.append(reply.text)
        for card in reply.cards:
            parts += [card.title, card.subtitle] + [f"{f.label} {f.value}" for f in card.fields]
        parts += [q.label for q in reply.quick_replies]
    return "\n".join(parts)


@dataclass(frozen=True, slots=True)
class Outcome:
    passed: bool
    failed_checks: list[str]
    handed_off: bool


def _check_turn(number: int, expect: dict[str, Any], result: TurnResult) -> list[str]:
    failed: list[str] = []
    said = normalise(reply_text(result))
    if "intent" in expect and result.intent != expect["intent"]:
        failed.append(f"turn {number}: intent {result.intent!r} != {expect['intent']!r}")
    wanted = expect.get("reply_contains_any")
    if wanted and not any(normalise(str(w)) in said for w in wanted):
        failed.append(f"turn {number}: reply contains none of {wanted!r}")
    for unwanted in expect.get("reply_not_contains") or []:
        if normalise(str(unwanted)) in said:
            failed.append(f"turn {number}: reply contains {unwanted!r}")
    if "handoff" in expect and bool(result.handoff) != bool(expect["handoff"]):
        failed.append(f"turn {number}: handoff {bool(result.handoff)} != {bool(expect['handoff'])}")
    return failed


def run(scenario: Scenario, now: datetime | None = None) -> Outcome:
    customer_id = identity.customer_id_for_login(scenario.customer)
    if customer_id is None:
        return Outcome(False, [f"unknown customer {scenario.customer!r}"], False)
    marker = ledger.last_entry_id()
    tickets_before = tickets.customer_ticket_count(customer_id)
    failed: list[str] = []
    handed_off = False
    conversation: str | None = None
    for number, turn in enumerate(scenario.turns, start=1):
        try:
            result = handle_turn(
                customer_id=customer_id,
                text=turn.user if turn.quick_reply is None else None,
                quick_reply=turn.quick_reply,
                conversation=conversation,
                now=now or timezone.now(),
            )
        except WalletDeskError as error:
            failed.append(f"turn {number}: error {error.code}")
            break
        conversation = result.conversation
        handed_off = handed_off or result.handoff is not None
        failed += _check_turn(number, turn.expect, result)
    expected = scenario.expect_state
    opened = tickets.customer_ticket_count(customer_id) - tickets_before
    handed_off = handed_off or opened > 0
    if "tickets_opened" in expected and opened != int(expected["tickets_opened"]):
        failed.append(f"state: tickets_opened {opened} != {expected['tickets_opened']}")
    if "wallet_frozen" in expected:
        wallet = payments.wallet_summary(customer_id)
        frozen = wallet is not None and wallet.status == "frozen"
        if frozen != bool(expected["wallet_frozen"]):
            failed.append(f"state: wallet_frozen {frozen} != {bool(expected['wallet_frozen'])}")
    if "money_moved" in expected:
        settled = set(payments.requery_settlement_entries(customer_id))
        moved = bool(set(ledger.entries_touching(customer_id, marker)) - settled)
        if moved != bool(expected["money_moved"]):
            failed.append(f"state: money_moved {moved} != {bool(expected['money_moved'])}")
    return Outcome(not failed, failed, handed_off)
