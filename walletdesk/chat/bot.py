"""The one place where the live chat hands a customer's message to the assistant.

`after_customer_message` runs after a customer's message is stored (and acknowledged) while the
assistant has the chat (before「转人工」). The assistant engine is connected with
`connect_assistant(responder)` (from the assistant app's `AppConfig.ready`, through
`walletdesk.chat.facade`: the chat app must not import the assistant, which imports the chat).

The responder answers the message already stored under `seq` (it never stores the customer's
message again: one message, one seq), stores its reply in the conversation through the chat
facade (`post_message` as `Actor.assistant()`, with `cards` and `quick_replies` in the payload)
and returns a `BotAnswer`; the chat then signals the sockets and, when the assistant decided a
person should take over, puts the chat in the queue. A responder that cannot answer (no trained
model yet) returns None.

A new chat is offered to the assistant once, with `seq` OPENING_SEQ (no message has that
number): it may speak first (a top-up stuck, a withdrawal failed, an incident on a rail the
customer uses) or say nothing; `after_open` runs it when `open_chat` creates the chat.

Without an answer, the chat answers the first customer message with a short note and the
「转人工 / talk to a person」 quick reply, and stores the later ones only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from walletdesk.chat.enums import AuthorKind
from walletdesk.chat.models import Conversation, Message
from walletdesk.core.actors import Actor

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BotAnswer:
    """What the assistant decided on a customer's message (its reply is already stored)."""

    handoff: bool = False
    # Queue priority reasons (queue.BOOSTS: "fraud", "urgent", "angry") and the topic (intent).
    reasons: tuple[str, ...] = ()
    topic: str = ""


#: (conversation public id, seq of the customer's message) -> BotAnswer, or None: not answered
#: (seq OPENING_SEQ: the chat was just opened and nobody has written yet)
Responder = Callable[[str, int], BotAnswer | None]

_responder: Responder | None = None

HANDOFF_QUICK_REPLY = "handoff"
# Messages are numbered from 1, so 0 names no message: "the chat was just opened".
OPENING_SEQ = 0


def connect_assistant(responder: Responder | None) -> Responder | None:
    """Connect the assistant (None disconnects it). Returns the responder connected before."""
    global _responder
    previous, _responder = _responder, responder
    return previous


def handoff_quick_reply(language: str) -> dict[str, str]:
    with translation.override(language):
        return {"id": HANDOFF_QUICK_REPLY, "label": _("Talk to a person")}


def _ask(conversation_id: str, seq: int) -> BotAnswer | None:
    if _responder is None:
        return None
    try:
        return _responder(conversation_id, seq)
    except Exception:
        # The customer's message is stored whatever the assistant does; they can still ask for
        # a person.
        logger.exception("the assistant failed on %s#%s", conversation_id, seq)
        return None


def after_open(conversation_id: str) -> None:
    """A new chat: the assistant may speak first (see the module docstring); without an
    assistant, or when it has nothing to say, the page's own greeting stands."""
    if _ask(conversation_id, OPENING_SEQ) is not None:
        from walletdesk.chat import live_actions

        live_actions.signal_news(conversation_id)


def after_customer_message(conversation_id: str, seq: int) -> None:
    """Let the assistant answer the customer's message `seq` (see the module docstring)."""
    from walletdesk.chat import live_actions

    conversation = Conversation.objects.filter(public_id=conversation_id).first()
    if conversation is None:
        return
    answer = _ask(conversation_id, seq)
    if answer is not None:
        live_actions.signal_news(conversation_id)
        if answer.handoff:
            live_actions.request_agent(
                Actor.customer(conversation.customer_id),
                conversation_id,
                reasons=answer.reasons,
                topic=answer.topic[:40],
            )
        return
    answered = (
        Message.objects.filter(conversation=conversation, seq__lt=seq)
        .exclude(author_kind=AuthorKind.CUSTOMER)
        .exists()
    )
    if answered:
        return
    with translation.override(conversation.language):
        text = _("Thanks, we have your message. Tap below to talk to a person.")
    live_actions.post_system(
        conversation.public_id,
        text,
        {"quick_replies": [handoff_quick_reply(conversation.language)]},
    )
