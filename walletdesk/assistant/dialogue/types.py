"""The shapes a turn answers with (the API renders them as they are; see api.py's schema)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Card:
    """A link into a real page: a record, an article, a ticket, a settings page, a quote."""

    type: str  # record | article | ticket | link | quote | balance | incident
    title: str
    url: str = ""
    subtitle: str = ""
    fields: tuple[Field, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "title": self.title,
            "subtitle": self.subtitle,
            "url": self.url,
            "fields": [{"label": f.label, "value": f.value} for f in self.fields],
        }


@dataclass(frozen=True, slots=True)
class QuickReply:
    id: str
    label: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "label": self.label}


@dataclass(slots=True)
class Reply:
    text: str
    cards: list[Card] = field(default_factory=list)
    quick_replies: list[QuickReply] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "cards": [c.as_dict() for c in self.cards],
            "quick_replies": [q.as_dict() for q in self.quick_replies],
        }


@dataclass(frozen=True, slots=True)
class Handoff:
    ticket: str
    url: str
    priority: str  # normal | high | urgent
    reason: str  # requested | low_confidence | sentiment | security | unresolved | complaint
    summary: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "ticket": self.ticket,
            "url": self.url,
            "priority": self.priority,
            "reason": self.reason,
            "summary": self.summary,
        }


@dataclass(frozen=True, slots=True)
class TurnResult:
    conversation: str
    replies: tuple[Reply, ...]
    intent: str
    confidence: float
    handoff: Handoff | None
    lang: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "conversation": self.conversation,
            "replies": [r.as_dict() for r in self.replies],
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "handoff": self.handoff.as_dict() if self.handoff is not None else False,
        }
