"""Pictures and PDFs in the live chat, under the support desk's attachment rules (types, size,
pixels, re-encoding without metadata, no active PDF content: `tickets.check_attachment`).

A file is uploaded over HTTP first (`upload`: checked, stored, owned by its uploader and tied to
the conversation), then named by its id in one socket `send` (`claim`), which binds it to that
message; only then does the other side see it. Reading (`file_for`) follows the conversation:
its customer, and staff of the desk.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from walletdesk.chat.errors import (
    ChatFileNotFoundError,
    ChatFileQuotaError,
    ChatFilesTooManyError,
    ConversationNotFoundError,
)
from walletdesk.chat.live_models import ChatFile, ChatState, LiveChat
from walletdesk.chat.models import Conversation, Message
from walletdesk.core.actors import Actor
from walletdesk.tickets import facade as tickets


def max_bytes() -> int:
    return _limits()["MAX_BYTES"]


def _limits() -> dict[str, int]:
    return tickets.attachment_limits()


def _too_many() -> ChatFilesTooManyError:
    limit = _limits()
    return ChatFilesTooManyError(per_message=limit["PER_MESSAGE"], per_chat=limit["PER_TICKET"])


def _conversation_for(actor: Actor, conversation_id: Any) -> Conversation:
    """The conversation when `actor` takes part: its customer, or the agent who has it."""
    try:
        key = uuid.UUID(str(conversation_id))
    except ValueError as error:
        raise ConversationNotFoundError() from error
    conversation = Conversation.objects.filter(public_id=key).first()
    if conversation is None:
        raise ConversationNotFoundError()
    if actor.is_customer and conversation.customer_id == actor.user_id:
        return conversation
    if (
        actor.is_staff
        and LiveChat.objects.filter(
            conversation=conversation, state=ChatState.ASSIGNED, agent_id=actor.user_id
        ).exists()
    ):
        return conversation
    raise ConversationNotFoundError()


def upload(
    actor: Actor,
    conversation_id: Any,
    *,
    name: str,
    content_type: str,
    data: bytes,
    now: datetime | None = None,
) -> ChatFile:
    """Check and store one file for a conversation (not yet visible to the other side)."""
    conversation = _conversation_for(actor, conversation_id)
    # Slow on big pictures and touches no table: before the transaction.
    checked = tickets.check_attachment(name, content_type, data)
    moment = now or timezone.now()
    limit = _limits()
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if ChatFile.objects.filter(conversation=locked).count() >= limit["PER_TICKET"]:
            raise _too_many()
        if actor.is_customer:
            used = (
                ChatFile.objects.filter(
                    uploaded_by_id=actor.user_id, created_at__gte=moment - timedelta(hours=24)
                ).aggregate(total=Sum("size"))["total"]
                or 0
            )
            if used + len(checked.data) > limit["DAILY_BYTES_PER_USER"]:
                raise ChatFileQuotaError()
        row = ChatFile(
            conversation=locked,
            uploaded_by_id=actor.user_id,
            original_name=checked.name,
            content_type=checked.content_type,
            size=len(checked.data),
            created_at=moment,
        )
        # The stored name is ours alone: a date folder and a random id.
        stored = f"chat/{moment:%Y/%m}/{uuid.uuid4().hex}.{checked.extension}"
        row.file.save(stored, ContentFile(checked.data), save=False)
        row.save()
    return row


def claim(actor: Actor, conversation: Conversation, file_ids: Sequence[Any]) -> list[ChatFile]:
    """The sender's own unsent files of this conversation, locked for binding to a message.
    Call inside the message's transaction."""
    if len(file_ids) > _limits()["PER_MESSAGE"]:
        raise _too_many()
    keys: list[uuid.UUID] = []
    for value in dict.fromkeys(str(i) for i in file_ids):
        try:
            keys.append(uuid.UUID(value))
        except ValueError as error:
            raise ChatFileNotFoundError() from error
    rows = list(
        ChatFile.objects.select_for_update()
        .filter(
            public_id__in=keys,
            conversation=conversation,
            uploaded_by_id=actor.user_id,
            message__isnull=True,
        )
        .order_by("pk")
    )
    if len(rows) != len(keys) or actor.user_id is None:
        raise ChatFileNotFoundError()
    return rows


def bind(rows: Sequence[ChatFile], message: Message) -> None:
    ChatFile.objects.filter(pk__in=[r.pk for r in rows]).update(message=message)


def describe(row: ChatFile) -> dict[str, Any]:
    """A file as messages carry it (`payload.files`)."""
    return {
        "id": str(row.public_id),
        "name": row.original_name,
        "content_type": row.content_type,
        "size": row.size,
        "url": reverse("chat:file", args=[row.public_id]),
    }


def file_for(actor: Actor, public_id: Any, *, staff_may_read: bool = False) -> ChatFile:
    """One file as `actor` may see it: the conversation's customer (sent files, and their own
    unsent uploads); desk staff (`staff_may_read`, checked by the view) every sent file. Anything
    else is "not found"."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as error:
        raise ChatFileNotFoundError() from error
    row = ChatFile.objects.select_related("conversation").filter(public_id=key).first()
    if row is None:
        raise ChatFileNotFoundError()
    own_chat = actor.is_customer and row.conversation.customer_id == actor.user_id
    if own_chat and (row.message_id is not None or row.uploaded_by_id == actor.user_id):
        return row
    if actor.is_staff and staff_may_read and row.message_id is not None:
        return row
    if actor.is_staff and row.uploaded_by_id == actor.user_id:
        return row
    raise ChatFileNotFoundError()
