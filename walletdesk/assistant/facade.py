"""What other apps may call on the assistant's understanding.

    from walletdesk.assistant.facade import parse
    result = parse("昨天晚上8点充的500块还没到账")
    result.intent            # "topup_not_arrived"
    result.entities_of("amount")[0].money   # Money(50000, "CNY")

The trained model is loaded once per process on first use; nothing here trains. When no model
has been trained yet, `parse` raises `ModelNotTrainedError` (503, code
"assistant_model_missing").

For the console, `agent_assist(conversation_id, lang="zh")` returns the detected intent, a short
summary, the entities and suggested replies (desk macros, help articles) for the agent to edit.
"""

from __future__ import annotations

import logging
from datetime import datetime

from walletdesk.assistant.agent_assist import AgentAssist, Suggestion, agent_assist
from walletdesk.assistant.contracts import OUT_OF_SCOPE, Entity, IntentScore, ParseResult
from walletdesk.assistant.errors import ParseTextInvalidError
from walletdesk.assistant.nlu import store

__all__ = [
    "MAX_TEXT_LENGTH",
    "OUT_OF_SCOPE",
    "AgentAssist",
    "Entity",
    "IntentScore",
    "ParseResult",
    "Suggestion",
    "agent_assist",
    "model_version",
    "parse",
]

MAX_TEXT_LENGTH = 1000

logger = logging.getLogger("walletdesk.assistant")


def parse(text: str, lang: str | None = None, now: datetime | None = None) -> ParseResult:
    """Understand one customer message.

    `lang` ("zh" / "en") forces the reply language; by default it is detected. `now` is the
    moment the message was sent (relative dates such as 昨天 resolve against it, in the
    operator's time zone); by default the current time.
    """
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT_LENGTH:
        raise ParseTextInvalidError(max_length=MAX_TEXT_LENGTH)
    if lang not in (None, "zh", "en"):
        lang = None
    result = store.get_pipeline().parse(text, lang=lang, now=now)
    logger.debug(
        "assistant.parse intent=%s confidence=%.3f lang=%s entities=%s",
        result.intent,
        result.confidence,
        result.lang,
        [f"{e.type}:{e.loggable_value}" for e in result.entities],
    )
    return result


def model_version() -> str:
    return store.get_pipeline().version
