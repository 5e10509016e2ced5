"""Identifiers written in messages: card tails, phone numbers, transaction and order ids.

Phone numbers are personal data: `Entity.loggable_value` masks them (138****5678), and the
pipeline logs only masked entities.
"""

from __future__ import annotations

import re
from typing import Any

from walletdesk.assistant.contracts import Entity
from walletdesk.assistant.nlu.components.base import Component, Message, register

_CARD_TAIL_RE = re.compile(
    r"(?:尾号|卡尾号|尾数|末四位|末4位|后四位|后4位|末尾|结尾是|ending in|ending with|ends in|"
    r"ends with|ending|last four digits|last 4 digits|last four|last 4|\*{2,}|•{2,}|x{4}\s?)"
    r"\s?(?:是|为|:|：|is|are)?\s?(?P<tail>\d{4})(?!\d)"
)
_PHONE_RE = re.compile(
    r"(?<![0-9a-z])(?:\+?86[\s-]?)?(?P<phone>1[3-9]\d(?:[\s-]?\d{4}){2})(?![\d])"
)
_ID_KEYWORD_RE = re.compile(
    r"(?:订单号|订单编号|订单|交易单号|交易号|交易编号|流水号|单号|商户单号|凭证号|参考号|"
    r"order number|order no\.?|order id|order|transaction number|transaction no\.?|"
    r"transaction id|transaction|txn id|reference number|reference no\.?|reference|ref no\.?|ref)"
    r"\s?(?:是|为|:|：|#|is)?\s?(?P<id>[a-z0-9][a-z0-9\-_]{5,39})(?![a-z0-9])"
)
_BARE_ID_RE = re.compile(r"(?<![a-z0-9])(?P<id>[a-z]{0,6}\d[a-z0-9]{9,39})(?![a-z0-9])")


def _id_candidates(text: str) -> list[tuple[re.Match[str], int, float]]:
    """Ids after a keyword (订单号, order id) need one digit; bare ids need eight."""
    keyed = [(m, 1, 0.95) for m in _ID_KEYWORD_RE.finditer(text)]
    bare = [(m, 8, 0.7) for m in _BARE_ID_RE.finditer(text)]
    return keyed + bare


@register
class PatternEntityExtractor(Component):
    """Regular expressions for ids; runs before the amount extractor so digits are claimed once."""

    name = "pattern_entity_extractor"
    requires = ("normalized_text",)
    provides = ("entities",)

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        return {"card_tails": True, "phones": True, "transaction_ids": True}

    def process(self, message: Message) -> None:
        message.entities.extend(self.extract(message.working_text))

    def extract(self, text: str) -> list[Entity]:
        found: list[Entity] = []

        def overlaps(start: int, end: int) -> bool:
            return any(start < e.end and e.start < end for e in found)

        def add(kind: str, value: str, start: int, end: int, confidence: float) -> None:
            if overlaps(start, end):
                return
            found.append(
                Entity(
                    type=kind,
                    value=value,
                    text=text[start:end],
                    start=start,
                    end=end,
                    normalized={"value": value} if kind != "phone" else {"country": "CN"},
                    confidence=confidence,
                    extractor=self.name,
                )
            )

        if self.config["card_tails"]:
            for m in _CARD_TAIL_RE.finditer(text):
                add("card_tail", m.group("tail"), m.start(), m.end(), 0.95)
        if self.config["phones"]:
            for m in _PHONE_RE.finditer(text):
                digits = re.sub(r"\D", "", m.group("phone"))
                add("phone", digits, m.start(), m.end(), 0.9)
        if self.config["transaction_ids"]:
            for m, min_digits, confidence in _id_candidates(text):
                value = m.group("id")
                if sum(ch.isdigit() for ch in value) >= min_digits:
                    add("transaction_id", value.upper(), m.start("id"), m.end("id"), confidence)
        found.sort(key=lambda entity: entity.start)
        return found
