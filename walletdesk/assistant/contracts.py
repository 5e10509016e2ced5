"""Frozen results of the assistant's understanding, the only NLU types other apps see.

`ParseResult` is what `walletdesk.assistant.facade.parse` returns. Dialogue flows branch on
`intent`, `is_out_of_scope` and `needs_clarification`, read `entities` for slots, reply in `lang`
and use `handoff_priority` when they hand the conversation to a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from walletdesk.core.money import Money

OUT_OF_SCOPE = "out_of_scope"

ENTITY_TYPES = (
    "amount",
    "datetime",
    "transaction_id",
    "card_tail",
    "phone",
    "merchant",
    "rail",
)


def mask_phone(number: str) -> str:
    """138****1234 / +86 138****1234: keep the first three and the last four digits."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


@dataclass(frozen=True, slots=True)
class Entity:
    """One thing found in the message.

    `start`/`end` index `ParseResult.normalized_text` (the span the extractor matched);
    `text` is that span. `value` is the canonical string form ("1280.50", an ISO-8601 datetime,
    "6621"), `normalized` the structured form (amounts: ``{"minor": 128050, "currency": "CNY"}``).
    """

    type: str
    value: str
    text: str
    start: int
    end: int
    normalized: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    confidence: float = 1.0
    extractor: str = ""

    @property
    def money(self) -> Money | None:
        if self.type != "amount":
            return None
        return Money(int(self.normalized["minor"]), str(self.normalized["currency"]))

    @property
    def loggable_value(self) -> str:
        """What may appear in logs: phone numbers are masked."""
        if self.type == "phone":
            return mask_phone(self.value)
        return self.value

    def as_dict(self, *, masked: bool = False) -> dict[str, Any]:
        value = self.loggable_value if masked else self.value
        text = mask_phone(self.text) if masked and self.type == "phone" else self.text
        normalized = dict(self.normalized)
        if masked and self.type == "phone":
            normalized = {"masked": mask_phone(self.value)}
        return {
            "type": self.type,
            "value": value,
            "text": text,
            "start": self.start,
            "end": self.end,
            "normalized": normalized,
            "confidence": round(self.confidence, 4),
        }


@dataclass(frozen=True, slots=True)
class IntentScore:
    intent: str
    score: float


@dataclass(frozen=True, slots=True)
class ParseResult:
    """The understanding of one message.

    `intent` is the final decision after the fallback: `out_of_scope` when the best score is
    under the confidence threshold (then `is_out_of_scope` is true). When the two best intents
    are closer than the ambiguity threshold, `needs_clarification` is true and
    `clarification_candidates` holds both, best first; `intent` still names the best one.
    `lang` is the language to reply in ("zh" or "en"); `detected_lang` may also be "mixed".
    `sentiment` runs from -1 (angry) to 1 (happy); `urgency` from 0 to 1.
    """

    text: str
    normalized_text: str
    intent: str
    confidence: float
    ranking: tuple[IntentScore, ...]
    entities: tuple[Entity, ...]
    lang: str
    detected_lang: str
    needs_clarification: bool
    clarification_candidates: tuple[str, ...]
    is_out_of_scope: bool
    sentiment: float
    urgency: float
    signals: tuple[str, ...]
    handoff_priority: str
    model_version: str

    def entities_of(self, entity_type: str) -> tuple[Entity, ...]:
        return tuple(entity for entity in self.entities if entity.type == entity_type)

    def as_dict(self, *, masked: bool = False) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "ranking": [
                {"intent": item.intent, "score": round(item.score, 4)} for item in self.ranking
            ],
            "entities": [entity.as_dict(masked=masked) for entity in self.entities],
            "lang": self.lang,
            "detected_lang": self.detected_lang,
            "normalized_text": self.normalized_text,
            "needs_clarification": self.needs_clarification,
            "clarification_candidates": list(self.clarification_candidates),
            "is_out_of_scope": self.is_out_of_scope,
            "sentiment": round(self.sentiment, 3),
            "urgency": round(self.urgency, 3),
            "signals": list(self.signals),
            "handoff_priority": self.handoff_priority,
            "model_version": self.model_version,
        }
