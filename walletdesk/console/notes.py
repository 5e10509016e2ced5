"""Internal notes on a live chat: what an agent writes for the agents who work the chat (after a
transfer, a supervisor's look), shown beside the thread in the console and never to the
customer."""

from __future__ import annotations

from walletdesk.console.errors import ConsoleNoteInvalidError
from walletdesk.console.models import ChatNote

NOTE_MAX = 2000
NOTES_SHOWN = 50


def add_chat_note(*, agent_id: int, conversation: str, body: str) -> ChatNote:
    """The caller has checked that the agent may work this conversation."""
    text = body.strip()
    if not text or len(text) > NOTE_MAX:
        raise ConsoleNoteInvalidError()
    return ChatNote.objects.create(conversation=conversation, agent_id=agent_id, body=text)


def chat_notes(conversation: str) -> list[ChatNote]:
    """The conversation's notes, oldest first (the latest NOTES_SHOWN), in one query."""
    rows = (
        ChatNote.objects.filter(conversation=conversation)
        .select_related("agent")
        .order_by("-created_at", "-pk")[:NOTES_SHOWN]
    )
    return list(reversed(rows))
