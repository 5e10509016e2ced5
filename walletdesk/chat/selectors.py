"""Reads of conversations, always scoped to who asks."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from walletdesk.chat.models import Conversation, Message
from walletdesk.core.actors import Actor


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def conversation_for(actor: Actor, public_id: Any) -> Conversation | None:
    """The conversation when `actor` may see it (its customer, staff, the assistant), else None."""
    key = _uuid(public_id)
    if key is None:
        return None
    rows = Conversation.objects.filter(public_id=key)
    if actor.is_customer:
        rows = rows.filter(customer_id=actor.user_id)
    return rows.first()


def messages_after(
    conversation: Conversation, after_seq: int = 0, limit: int = 200
) -> QuerySet[Message]:
    return Message.objects.filter(conversation=conversation, seq__gt=after_seq).order_by("seq")[
        :limit
    ]
