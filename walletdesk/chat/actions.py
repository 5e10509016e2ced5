"""Writes of conversations: start one, store a message (numbered in the storing transaction,
deduplicated by the client's message id), move a message's status forward, hand off, close.

Every action takes a typed `Actor`. Customers act on their own conversations only; another
customer's conversation is "not found"."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from walletdesk.chat.enums import (
    MESSAGE_STATUS_ORDER,
    AuthorKind,
    Channel,
    ConversationStatus,
    MessageStatus,
)
from walletdesk.chat.errors import (
    ConversationClosedError,
    ConversationNotFoundError,
    MessageInvalidError,
)
from walletdesk.chat.models import Conversation, Message
from walletdesk.core.actors import Actor, ActorKind
from walletdesk.core.db import columns, insert, rows_as

MAX_BODY = 4000
MAX_CLIENT_ID = 64

_AUTHOR_OF_ACTOR = {
    ActorKind.CUSTOMER: AuthorKind.CUSTOMER,
    ActorKind.ASSISTANT: AuthorKind.ASSISTANT,
    ActorKind.AGENT: AuthorKind.AGENT,
    ActorKind.SYSTEM: AuthorKind.SYSTEM,
}


@dataclass(frozen=True, slots=True)
class Stored:
    message: Message
    created: bool  # False: the client's message id was seen before; this is the first copy


def _check_access(conversation: Conversation, actor: Actor) -> None:
    if actor.is_customer and conversation.customer_id != actor.user_id:
        raise ConversationNotFoundError()


def start_conversation(
    actor: Actor,
    *,
    customer_id: int,
    channel: Channel = Channel.ASSISTANT,
    language: str = "zh-hans",
    now: datetime | None = None,
) -> Conversation:
    if actor.is_customer and actor.user_id != customer_id:
        raise ConversationNotFoundError()
    moment = now or timezone.now()
    return Conversation.objects.create(
        customer_id=customer_id,
        channel=channel,
        language="en" if language.startswith("en") else "zh-hans",
        created_at=moment,
        updated_at=moment,
    )


def _locked(public_id: Any) -> Conversation:
    conversation = (
        Conversation.objects.select_for_update().filter(public_id=public_id).first()
        if public_id
        else None
    )
    if conversation is None:
        raise ConversationNotFoundError()
    return conversation


def _check_body(body: str, payload: dict[str, Any] | None) -> None:
    if len(body) > MAX_BODY or (not body.strip() and not payload):
        raise MessageInvalidError(max_length=MAX_BODY)


def post_message(
    actor: Actor,
    conversation_id: Any,
    *,
    body: str,
    payload: dict[str, Any] | None = None,
    client_message_id: str = "",
    now: datetime | None = None,
) -> Stored:
    """Store one message with the next sequence number of its conversation.

    The conversation row is locked for the numbering, so two senders never get the same number;
    a message whose (author kind, client message id) was stored before is returned as it was,
    not stored twice."""
    _check_body(body, payload)
    with transaction.atomic():
        return store_message(
            _locked(conversation_id),
            actor,
            body=body,
            payload=payload,
            client_message_id=client_message_id,
            now=now,
        )


def store_message(
    conversation: Conversation,
    actor: Actor,
    *,
    body: str,
    payload: dict[str, Any] | None = None,
    client_message_id: str = "",
    now: datetime | None = None,
) -> Stored:
    """`post_message` for a caller that already holds the conversation row locked in its own
    transaction (the live chat's send locks it with the chat, in one query)."""
    _check_body(body, payload)
    client_message_id = (client_message_id or "")[:MAX_CLIENT_ID]
    author_kind = _AUTHOR_OF_ACTOR[actor.kind]
    _check_access(conversation, actor)
    if client_message_id:
        existing = _stored_copy(conversation, author_kind, client_message_id)
        if existing is not None:
            return Stored(existing, created=False)
    if conversation.status == ConversationStatus.CLOSED:
        raise ConversationClosedError()
    moment = now or timezone.now()
    conversation.last_seq += 1
    conversation.updated_at = moment
    message = Message(
        conversation=conversation,
        seq=conversation.last_seq,
        author_kind=author_kind,
        author_id=actor.user_id if actor.kind in (ActorKind.CUSTOMER, ActorKind.AGENT) else None,
        client_message_id=client_message_id,
        body=body,
        payload=payload or {},
        created_at=moment,
    )
    # Every live chat message passes here: its three statements are written out once
    # (`core.db`) rather than compiled by the ORM on each message.
    _number(conversation)
    insert(message)
    return Stored(message, created=True)


@functools.cache
def _stored_copy_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    return (
        f"SELECT {columns(Message, 'm')} FROM {quote(Message._meta.db_table)} m "  # noqa: S608
        "WHERE m.conversation_id = %s AND m.author_kind = %s AND m.client_message_id = %s"
    )


def _stored_copy(conversation: Conversation, author_kind: str, client_id: str) -> Message | None:
    """The message this author already stored with this client id (a retry), if any."""
    found = rows_as(
        _stored_copy_sql(connection.vendor), [conversation.pk, author_kind, client_id], Message
    )
    if not found:
        return None
    message = found[0][0]
    assert isinstance(message, Message)
    return message


@functools.cache
def _number_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    return (
        f"UPDATE {quote(Conversation._meta.db_table)} SET last_seq = %s, updated_at = %s "  # noqa: S608
        "WHERE id = %s"
    )


def _number(conversation: Conversation) -> None:
    """Write the conversation's new `last_seq` and `updated_at` (its row is locked)."""
    updated_at = Conversation._meta.get_field("updated_at").get_db_prep_save(
        conversation.updated_at, connection
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _number_sql(connection.vendor), [conversation.last_seq, updated_at, conversation.pk]
        )


def post_messages(
    conversation_id: Any,
    messages: list[tuple[Actor, str, dict[str, Any]]],
    *,
    now: datetime | None = None,
) -> list[Message]:
    """Store several messages (author, body, payload) in order under one lock of the
    conversation: one numbering step and one insert for all (an assistant turn stores the
    customer's message and the reply together)."""
    for _actor, body, payload in messages:
        if len(body) > MAX_BODY or (not body.strip() and not payload):
            raise MessageInvalidError(max_length=MAX_BODY)
    with transaction.atomic():
        conversation = _locked(conversation_id)
        for actor, _body, _payload in messages:
            _check_access(conversation, actor)
        if conversation.status == ConversationStatus.CLOSED:
            raise ConversationClosedError()
        moment = now or timezone.now()
        first = conversation.last_seq + 1
        conversation.last_seq += len(messages)
        conversation.updated_at = moment
        conversation.save(update_fields=["last_seq", "updated_at"])
        return Message.objects.bulk_create(
            [
                Message(
                    conversation=conversation,
                    seq=first + offset,
                    author_kind=_AUTHOR_OF_ACTOR[actor.kind],
                    author_id=actor.user_id
                    if actor.kind in (ActorKind.CUSTOMER, ActorKind.AGENT)
                    else None,
                    body=body,
                    payload=payload or {},
                    created_at=moment,
                )
                for offset, (actor, body, payload) in enumerate(messages)
            ]
        )


def mark_status(actor: Actor, conversation_id: Any, up_to_seq: int, status: MessageStatus) -> int:
    """Move every message up to `up_to_seq` written by the other side forward to `status`
    (delivered, read); never backwards. Returns how many changed."""
    with transaction.atomic():
        conversation = _locked(conversation_id)
        _check_access(conversation, actor)
        mine = _AUTHOR_OF_ACTOR[actor.kind]
        behind = [
            s for s, rank in MESSAGE_STATUS_ORDER.items() if rank < MESSAGE_STATUS_ORDER[status]
        ]
        return (
            Message.objects.filter(conversation=conversation, seq__lte=up_to_seq, status__in=behind)
            .exclude(author_kind=mine)
            .update(status=status)
        )


def hand_off(actor: Actor, conversation_id: Any, *, ticket_number: str = "") -> Conversation:
    """The conversation now waits for a person (the ticket a handoff opened, when there is one)."""
    with transaction.atomic():
        conversation = _locked(conversation_id)
        _check_access(conversation, actor)
        if conversation.status == ConversationStatus.CLOSED:
            raise ConversationClosedError()
        conversation.status = ConversationStatus.HANDED_OFF
        if ticket_number:
            conversation.handoff_ticket = ticket_number
        conversation.updated_at = timezone.now()
        conversation.save(update_fields=["status", "handoff_ticket", "updated_at"])
    return conversation


def close_conversation(actor: Actor, conversation_id: Any) -> Conversation:
    with transaction.atomic():
        conversation = _locked(conversation_id)
        _check_access(conversation, actor)
        if conversation.status != ConversationStatus.CLOSED:
            conversation.status = ConversationStatus.CLOSED
            conversation.closed_at = timezone.now()
            conversation.save(update_fields=["status", "closed_at"])
    return conversation
