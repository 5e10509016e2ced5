"""Agent assist: what the console shows beside a conversation, for the agent to edit and send.

Read-only. The intent is the one the assistant last answered (else the customer's latest message
understood now), the summary is built from the conversation's own messages and the assistant's
state, and the suggested replies come from the desk's macros and the help center. With the
optional LLM on (walletdesk/assistant/llm.py) the summary is the model's, when it passes the
same output guardrails as the assistant's replies; otherwise the built-in one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import pgettext

from walletdesk.assistant.contracts import OUT_OF_SCOPE
from walletdesk.assistant.dialogue import phrasing
from walletdesk.assistant.errors import ModelNotTrainedError, ParseTextInvalidError
from walletdesk.assistant.models import DialogueState
from walletdesk.chat import facade as chat
from walletdesk.core.actors import Actor
from walletdesk.helpcenter import facade as helpcenter
from walletdesk.tickets import facade as tickets

SUMMARY_QUOTE_MAX = 120
ENTITIES_MAX = 8
MACRO_SUGGESTIONS = 3
ARTICLE_SUGGESTIONS = 2

# The desk tags a topic's macros carry (tickets.0009_desk_seed_macros).
_MACRO_TAGS = {
    "topup_not_arrived": ("topup",),
    "topup_failed": ("topup",),
    "topup_how": ("topup",),
    "withdraw_not_arrived": ("withdrawal",),
    "withdraw_failed": ("withdrawal",),
    "withdraw_how": ("withdrawal",),
}


@dataclass(frozen=True, slots=True)
class Suggestion:
    kind: str  # "macro" | "article"
    title: str
    text: str
    source_id: str  # the macro's id or the article's slug


@dataclass(frozen=True, slots=True)
class AgentAssist:
    conversation: str
    intent: str
    confidence: float
    summary: str
    entities: list[dict[str, str]] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    handoff_ticket: str = ""


def _public_id(conversation_id: int | str) -> str:
    if isinstance(conversation_id, int):
        public_id = chat.conversation_public_id(conversation_id)
        if public_id is None:
            raise chat.ConversationNotFoundError()
        return public_id
    return str(conversation_id)


def _understood_now(text: str, lang: str) -> tuple[str, float, list[dict[str, str]]]:
    """The latest customer message understood now (a conversation the assistant never answered,
    e.g. a live chat started with a person)."""
    from walletdesk.assistant import facade

    try:
        parse = facade.parse(text[: facade.MAX_TEXT_LENGTH], lang)
    except (ModelNotTrainedError, ParseTextInvalidError):
        return OUT_OF_SCOPE, 0.0, []
    entities = [{"type": e.type, "value": e.loggable_value} for e in parse.entities]
    return parse.intent, parse.confidence, entities


def _unique(entities: list[dict[str, Any]]) -> list[dict[str, str]]:
    seen: set[tuple[str, str]] = set()
    kept: list[dict[str, str]] = []
    for entity in reversed(entities):
        key = (str(entity.get("type")), str(entity.get("value")))
        if key not in seen:
            seen.add(key)
            kept.append({"type": key[0], "value": key[1]})
    return list(reversed(kept))[-ENTITIES_MAX:]


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SUMMARY_QUOTE_MAX else flat[: SUMMARY_QUOTE_MAX - 1] + "…"


def _summary(
    *,
    topic: str,
    customer_messages: list[str],
    records: list[Any],
    handoff_ticket: str,
) -> str:
    parts = [
        pgettext("agent assist", "The customer asks about: %(topic)s (%(count)s messages).")
        % {"topic": topic, "count": len(customer_messages)}
    ]
    if customer_messages:
        parts.append(
            pgettext("agent assist", "Latest: \u201c%(text)s\u201d")
            % {"text": _one_line(customer_messages[-1])}
        )
    if records:
        parts.append(
            pgettext("agent assist", "Records discussed: %(records)s.")
            % {"records": ", ".join(f"{kind} {public_id}" for kind, public_id in records)}
        )
    if handoff_ticket:
        parts.append(
            pgettext("agent assist", "Handed off as case %(number)s.") % {"number": handoff_ticket}
        )
    return " ".join(parts)


def _suggestions(intent: str, lang: str, handoff_ticket: str, query: str) -> list[Suggestion]:
    language = "en" if lang == "en" else "zh-hans"
    found: list[Suggestion] = [
        Suggestion("macro", _macro_title(macro.name, lang), macro.body, str(macro.id))
        for macro in tickets.suggested_macros(
            tags=_MACRO_TAGS.get(intent, ()),
            language=language,
            ticket_number=handoff_ticket,
            limit=MACRO_SUGGESTIONS,
        )
    ]
    articles: list[tuple[str, str, str, str]] = []
    article = helpcenter.article_for_intent(intent, language) if intent != OUT_OF_SCOPE else None
    if article is not None:
        articles.append((article.slug, article.title, article.summary, article.url))
    if query.strip():
        for hit in helpcenter.search_articles(query, language, limit=ARTICLE_SUGGESTIONS):
            articles.append((hit.slug, hit.title, hit.summary, hit.url))
    slugs: set[str] = set()
    for slug, title, summary, url in articles:
        if slug in slugs or len(slugs) >= ARTICLE_SUGGESTIONS:
            continue
        slugs.add(slug)
        found.append(Suggestion("article", title, f"{summary}\n{url}".strip(), slug))
    return found


def _macro_title(name: str, lang: str) -> str:
    """Seeded macro names read "中文 / English"; show the agent's half."""
    halves = [half.strip() for half in name.split(" / ", 1)]
    if len(halves) == 2 and all(halves):
        return halves[1] if lang == "en" else halves[0]
    return name


def agent_assist(conversation_id: int | str, *, lang: str) -> AgentAssist:
    """Intent, summary, entities and suggested replies for one conversation, in `lang` ("zh" or
    "en", the agent's language). `conversation_id` is the conversation's public id (as the
    assistant API returns it) or its database id. Raises ConversationNotFoundError."""
    lang = "en" if lang.startswith("en") else "zh"
    info = chat.get_conversation(Actor.system(), _public_id(conversation_id))
    messages = chat.messages_after(Actor.system(), info.id)
    customer_messages = [
        m.body for m in messages if m.author_kind == chat.AuthorKind.CUSTOMER and m.body
    ]
    answered = [m for m in messages if m.author_kind == chat.AuthorKind.ASSISTANT]
    row = DialogueState.objects.filter(conversation_id=info.id).first()
    state: dict[str, Any] = dict(row.state or {}) if row is not None else {}

    intent, confidence = OUT_OF_SCOPE, 0.0
    entities: list[dict[str, Any]] = list(state.get("entities") or [])
    if answered:
        payload = answered[-1].payload
        intent = str(state.get("last_intent") or payload.get("intent") or OUT_OF_SCOPE)
        confidence = float(payload.get("confidence") or 0.0)
    elif customer_messages:
        intent, confidence, entities = _understood_now(customer_messages[-1], lang)

    handoff_ticket = info.handoff_ticket or str(state.get("handoff_ticket") or "")
    language = "en" if lang == "en" else "zh-hans"
    with translation.override(language):
        topic = tickets.topic_label(intent, language) or intent.replace("_", " ")
        records = list(state.get("records") or [])
        summary = _summary(
            topic=topic,
            customer_messages=customer_messages,
            records=records,
            handoff_ticket=handoff_ticket,
        )
    summary = phrasing.phrase_agent_summary(
        summary,
        lang=lang,
        topic=topic,
        customer_messages=customer_messages,
        records=records,
        handoff_ticket=handoff_ticket,
    )
    return AgentAssist(
        conversation=info.id,
        intent=intent,
        confidence=round(confidence, 3),
        summary=summary,
        entities=_unique(entities),
        suggestions=_suggestions(
            intent, lang, handoff_ticket, customer_messages[-1] if customer_messages else ""
        ),
        handoff_ticket=handoff_ticket,
    )
