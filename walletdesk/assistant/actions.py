"""Writes of the assistant: a conversation turn (which may freeze the account on the customer's
confirmation, re-query their pending operation, or open a support case)."""

from __future__ import annotations

from datetime import datetime

from walletdesk.assistant.dialogue.engine import handle_turn, open_conversation
from walletdesk.assistant.dialogue.types import TurnResult
from walletdesk.assistant.errors import ModelNotTrainedError
from walletdesk.chat import facade as chat
from walletdesk.core.actors import Actor
from walletdesk.core.errors import PermissionDeniedError


def converse(
    actor: Actor,
    *,
    text: str | None = None,
    quick_reply: str | None = None,
    conversation: str | None = None,
    now: datetime | None = None,
) -> TurnResult:
    """One customer turn. Only a customer talks to the assistant as themselves."""
    if not actor.is_customer or actor.user_id is None:
        raise PermissionDeniedError()
    return handle_turn(
        customer_id=actor.user_id,
        text=text,
        quick_reply=quick_reply,
        conversation=conversation,
        now=now,
    )


def open_with_assistant(
    actor: Actor,
    *,
    conversation: str | None = None,
    now: datetime | None = None,
    language: str = "",
) -> TurnResult:
    """The customer opened the assistant without writing: it speaks first (what affects them
    now, else a greeting), in the conversation's language; a new one takes `language` (the
    app's) or else the customer's preferred language."""
    if not actor.is_customer or actor.user_id is None:
        raise PermissionDeniedError()
    result = open_conversation(
        customer_id=actor.user_id, conversation=conversation, now=now, language=language
    )
    if result is None:  # pragma: no cover - greet=True always answers
        raise RuntimeError("the opening said nothing")
    return result


# Queue reasons of the live chat (chat docs: priority boosts) for the assistant's handoff reasons.
_CHAT_REASONS = {"security": "fraud", "sentiment": "angry", "complaint": "angry"}


def answer_chat_message(conversation: str, seq: int) -> chat.BotAnswer | None:
    """The live chat's responder (`chat.connect_assistant`): answer the customer's message `seq`,
    already stored by the chat, and say whether a person should take over. None when the
    assistant cannot answer (no trained model yet): the chat then offers a person itself."""
    info = chat.get_conversation(Actor.system(), conversation)
    if seq == chat.OPENING_SEQ:
        # A new chat: the assistant opens with what affects the customer, or stays quiet (the
        # page greets them). Nothing is understood, so no model is needed.
        opened = open_conversation(
            customer_id=info.customer_id, conversation=conversation, greet=False
        )
        return None if opened is None else chat.BotAnswer()
    try:
        result = handle_turn(
            customer_id=info.customer_id, conversation=conversation, answer_seq=seq
        )
    except ModelNotTrainedError:
        return None
    if result.handoff is None:
        return chat.BotAnswer()
    reasons = {_CHAT_REASONS.get(result.handoff.reason, "")}
    if result.handoff.priority in ("high", "urgent"):
        reasons.add("urgent")
    return chat.BotAnswer(
        handoff=True, reasons=tuple(sorted(r for r in reasons if r)), topic=result.intent
    )
