"""Frozen dataclasses handed to other apps through the facade."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ArticleHit:
    slug: str
    language: str
    title: str
    summary: str
    snippet_html: str  # escaped text with <mark> around matches; safe to render
    url: str
    score: float


@dataclass(frozen=True, slots=True)
class ArticleDetail:
    slug: str
    language: str
    title: str
    summary: str
    body_markdown: str
    body_html: str  # sanitised
    plain_text: str
    url: str
    category: str
    intents: tuple[str, ...]
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class IncidentSummary:
    public_id: str
    title: str
    title_en: str
    status: str
    impact: str
    components: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime | None
    latest_message: str
    latest_message_en: str
    url: str

    def title_for(self, language: str) -> str:
        return self.title_en if language.startswith("en") else self.title

    def message_for(self, language: str) -> str:
        return self.latest_message_en if language.startswith("en") else self.latest_message
