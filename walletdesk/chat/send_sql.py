"""The live chat's send on PostgreSQL: one call to the `chat_store_message` function.

The function (walletdesk/chat/sql/store_message.sql) does in one round trip, in a transaction of
its own, what `live_actions.send_message` does in Python for a message without files: lock the
chat and its conversation, check who writes, return the first copy of a retry, refuse a closed
conversation, number the message and store it. That path costs six round trips (BEGIN, the
locking read, the retry check, the numbering, the insert, COMMIT) in the thread every socket of
a process shares; this one costs one. Refusals come back as the same typed errors, and the
caller announces the stored message exactly as after the Python path. The parity test
(tests/test_store_message_parity.py) runs every outcome through both paths.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone
from psycopg.types.json import Jsonb

from walletdesk.chat import actions
from walletdesk.chat.enums import AuthorKind, MessageStatus
from walletdesk.chat.errors import (
    ChatNotYoursError,
    ConversationClosedError,
    ConversationNotFoundError,
)
from walletdesk.chat.models import Message
from walletdesk.core.actors import Actor
from walletdesk.core.db import call_database_function, is_postgres
from walletdesk.core.errors import WalletDeskError

_CALL = "SELECT * FROM chat_store_message(%s, %s, %s, %s, %s, %s, %s, %s)"

_REFUSALS: dict[str, type[WalletDeskError]] = {
    "not_found": ConversationNotFoundError,
    "not_yours": ChatNotYoursError,
    "closed": ConversationClosedError,
}


@dataclass(frozen=True, slots=True)
class StoredInChat:
    stored: actions.Stored
    # The chat as the function found it under its lock: who holds it, whether the assistant has it.
    chat_state: str
    agent_id: int | None
    offered_to_id: int | None


def usable(actor: Actor) -> bool:
    """Whether this send can go through the function: PostgreSQL, and a customer or an agent
    (the only authors a socket has)."""
    return (actor.is_customer or actor.is_staff) and is_postgres()


def store_message(
    actor: Actor,
    conversation: uuid.UUID,
    *,
    body: str,
    payload: dict[str, Any] | None,
    client_id: str,
    now: datetime | None = None,
) -> StoredInChat | None:
    """Store a message as `actions.store_message` would in the locked chat, or None when the
    conversation has no live chat yet (the Python path creates it). Raises the Python path's
    errors for its refusals."""
    author_kind = AuthorKind.CUSTOMER if actor.is_customer else AuthorKind.AGENT
    client_id = (client_id or "")[: actions.MAX_CLIENT_ID]
    moment = now or timezone.now()
    public_id = uuid.uuid4()
    params = [
        conversation,
        str(author_kind),
        actor.user_id,
        client_id,
        body,
        Jsonb(payload or {}),
        public_id,
        moment,
    ]
    row = call_database_function(_CALL, params)
    outcome, state, agent_id, offered_to_id, conversation_pk, message_pk, seq = row
    if outcome == "no_chat":
        return None
    refusal = _REFUSALS.get(outcome)
    if refusal is not None:
        raise refusal()
    if outcome == "duplicate":
        stored = actions.Stored(Message.objects.get(pk=message_pk), created=False)
    else:
        message = Message(
            id=message_pk,
            public_id=public_id,
            conversation_id=conversation_pk,
            seq=seq,
            author_kind=author_kind,
            author_id=actor.user_id,
            client_message_id=client_id,
            body=body,
            payload=payload or {},
            status=MessageStatus.STORED,
            created_at=moment,
        )
        message._state.adding = False
        message._state.db = DEFAULT_DB_ALIAS
        stored = actions.Stored(message, created=True)
    return StoredInChat(stored, state, agent_id, offered_to_id)
