"""What one turn works with: who, in which language, when, the state, and what it has said."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from walletdesk.assistant.contracts import ParseResult
from walletdesk.assistant.dialogue.types import Card, Handoff, QuickReply, Reply
from walletdesk.core.errors import WalletDeskError
from walletdesk.core.money import Money, parse_amount

_NUMBER = re.compile(r"(?<![\d.])(\d{1,7}(?:,\d{3})*(?:\.\d{1,2})?)(?![\d])")


@dataclass(slots=True)
class Turn:
    customer_id: int
    login: str
    display_name: str
    kyc_level: int
    lang: str  # "zh" | "en"
    now: datetime
    state: dict[str, Any]
    text: str = ""
    parse: ParseResult | None = None
    intent: str = ""
    confidence: float = 1.0
    replies: list[Reply] = field(default_factory=list)
    handoff: Handoff | None = None
    # Active incidents, read once per turn (several flows check them first).
    incidents: list[Any] | None = None
    # Slots that come from the conversation rather than this message: the amount of a
    # correction ("I said 200 not 2000"), the day of "昨天那笔".
    slot_amounts: tuple[Money, ...] | None = None
    day: date | None = None
    # The questions of a message that asks several things (text, understanding), in order.
    clauses: list[tuple[str, ParseResult]] = field(default_factory=list)
    # The customer's message while it is not stored yet (it is stored with the reply).
    unsent_body: str = ""

    @property
    def zh(self) -> bool:
        return self.lang == "zh"

    def say(
        self,
        text: str,
        cards: list[Card] | None = None,
        quick_replies: list[QuickReply] | None = None,
    ) -> Reply:
        if self.zh:
            # Sentences joined with a space read as English; Chinese runs them together.
            for mark in ("。", "！", "？", "；"):
                text = text.replace(mark + " ", mark)
            text = text.replace(" （", "（")
        reply = Reply(text, list(cards or []), list(quick_replies or []))
        self.replies.append(reply)
        return reply

    def discuss(self, kind: str, public_id: str) -> None:
        """Remember a record the conversation is about (linked to a handoff ticket later)."""
        records: list[list[str]] = self.state.setdefault("records", [])
        if [kind, public_id] not in records:
            records.append([kind, public_id])
            del records[:-5]

    def amounts(self) -> list[Money]:
        """Amounts in the message: the NLU's entities, else bare numbers ("2000.58")."""
        if self.slot_amounts is not None:
            return list(self.slot_amounts)
        found: list[Money] = []
        if self.parse is not None:
            for entity in self.parse.entities_of("amount"):
                if entity.money is not None:
                    found.append(entity.money)
        if not found:
            for match in _NUMBER.finditer(self.text):
                raw = match.group(1).replace(",", "")
                if len(raw.split(".")[0]) >= 7 and "." not in raw:
                    continue  # a phone or id, not an amount
                try:
                    found.append(parse_amount(raw, "CNY"))
                except WalletDeskError:
                    continue
        return found

    def entity_values(self, entity_type: str) -> list[str]:
        if self.parse is None:
            return []
        return [e.value for e in self.parse.entities_of(entity_type)]
