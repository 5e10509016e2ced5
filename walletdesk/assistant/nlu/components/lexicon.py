"""Lexicon entities: payment rails and merchant names, from `data/nlu/lexicons.yml`.

Each entry maps a canonical value to the ways people write it. Matching is on the normalised
text (lower case, simplified characters), longest synonym first, Latin words on word boundaries.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from walletdesk.assistant.contracts import Entity
from walletdesk.assistant.nlu.components.base import Component, Message, register

LEXICON_FILE = Path(__file__).resolve().parent.parent.parent / "data" / "nlu" / "lexicons.yml"


@cache
def load_lexicons(path: str = str(LEXICON_FILE)) -> dict[str, dict[str, list[str]]]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return {
        kind: {str(value): [str(s).lower() for s in synonyms] for value, synonyms in table.items()}
        for kind, table in raw.items()
    }


def _compile(table: dict[str, list[str]]) -> tuple[re.Pattern[str], dict[str, str]]:
    lookup: dict[str, str] = {}
    for value, synonyms in table.items():
        for synonym in [value.lower(), *synonyms]:
            lookup.setdefault(synonym, value)
    parts = []
    for synonym in sorted(lookup, key=len, reverse=True):
        escaped = re.escape(synonym)
        if synonym[:1].isascii() and synonym[:1].isalnum():
            escaped = r"(?<![a-z0-9])" + escaped
        if synonym[-1:].isascii() and synonym[-1:].isalnum():
            escaped += r"(?![a-z0-9])"
        parts.append(escaped)
    return re.compile("|".join(parts)), lookup


@register
class LexiconEntityExtractor(Component):
    name = "lexicon_entity_extractor"
    requires = ("normalized_text",)
    provides = ("entities",)

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        lexicons = load_lexicons(str(config["lexicon_file"] or LEXICON_FILE))
        self._tables = {
            kind: _compile(table) for kind, table in lexicons.items() if kind in config["types"]
        }

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        return {"lexicon_file": "", "types": ["rail", "merchant"]}

    def process(self, message: Message) -> None:
        message.entities.extend(self.extract(message.working_text))

    def extract(self, text: str) -> list[Entity]:
        found: list[Entity] = []
        for kind, (pattern, lookup) in self._tables.items():
            for match in pattern.finditer(text):
                value = lookup[match.group(0)]
                found.append(
                    Entity(
                        type=kind,
                        value=value,
                        text=match.group(0),
                        start=match.start(),
                        end=match.end(),
                        normalized={"value": value},
                        confidence=0.9,
                        extractor=self.name,
                    )
                )
        found.sort(key=lambda entity: entity.start)
        return found
