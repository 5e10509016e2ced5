"""Reads of the live chat: message frames after a seq, a chat's queue status, an agent's chats."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.translation import pgettext

from walletdesk.chat import queue
from walletdesk.chat.live_models import AgentPresence, ChatState, LiveChat, Presence
from walletdesk.chat.models import Conversation, Message
from walletdesk.payments import facade as payments

BATCH = 200
#: A stored message's frame travels in its `chat.message` signal only up to this size (UTF-8 JSON):
#: the channel layer's messages stay small, and a larger one is read from the database instead.
MAX_SIGNALLED_FRAME_BYTES = 8 * 1024


def message_frame(conversation_id: str, message: Message) -> dict[str, Any]:
    return {
        "type": "message",
        "conversation": conversation_id,
        "seq": message.seq,
        "id": str(message.public_id),
        "author": message.author_kind,
        "text": message.body,
        "payload": dict(message.payload or {}),
        "client_id": message.client_message_id,
        "at": message.created_at.isoformat(),
    }


def frames_after(conversation_id: str, after: int) -> list[dict[str, Any]]:
    """Message frames with `seq > after`, in order, at most BATCH (callers read again until
    they have caught up). Record cards carry the record's status as it is now."""
    rows = Message.objects.filter(conversation__public_id=conversation_id, seq__gt=after).order_by(
        "seq"
    )[:BATCH]
    frames = [message_frame(conversation_id, m) for m in rows]
    _live_record_status(conversation_id, frames)
    return frames


def stored_frame(conversation_id: str, message: Message) -> dict[str, Any]:
    """The frame `frames_after` would read for `message`, drawn from the row just stored (in
    the storing transaction), so that its own socket and the conversation's other sockets need
    not read it back. Frames are the same for every socket of a conversation (customer's and
    agent's alike: nothing role-restricted is ever a message), so one frame serves all. The
    payload is copied through JSON, as the database hands it back; record cards are drawn as
    `frames_after` draws them (two queries, only when the message has one)."""
    frame = message_frame(conversation_id, message)
    if frame["payload"]:
        frame["payload"] = json.loads(json.dumps(frame["payload"]))
    _live_record_status(conversation_id, [frame])
    return frame


def signalled_frame(frame: dict[str, Any]) -> dict[str, Any] | None:
    """`frame` when it is small enough to ride in the channel-layer signal, else None."""
    text = frame["text"]
    # Cheap bounds first: a short text and no payload is always small; a long one is measured.
    if not frame["payload"] and len(text) * 4 + 512 <= MAX_SIGNALLED_FRAME_BYTES:
        return frame
    size = len(json.dumps(frame, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    return frame if size <= MAX_SIGNALLED_FRAME_BYTES else None


def _record_ref(card: dict[str, Any]) -> tuple[str, str] | None:
    """(kind, public id) of a card about one of the wallet's records: a card shared in the chat
    names it (`kind`, `id`); the assistant's cards link to its page."""
    if card.get("type") != "record":
        return None
    if isinstance(card.get("kind"), str) and isinstance(card.get("id"), str):
        return card["kind"], card["id"]
    if not isinstance(card.get("url"), str):
        return None
    try:
        match = resolve(card["url"])
    except Resolver404:
        return None
    if match.view_name != "payments:record-detail":
        return None
    return str(match.kwargs["kind"]), str(match.kwargs["public_id"])


def _live_record_status(conversation_id: str, frames: list[dict[str, Any]]) -> None:
    """A record card shows the record's live status (a top-up that has arrived since the
    assistant answered says so on every later read), in the conversation's language. A card
    shared in the chat stores only the record's reference and is drawn whole from the record
    as it is now: title, amount and time as the records list shows them, and its page.
    One query for the conversation and one for every record of the frames, however many."""
    cards = [
        (card, ref)
        for frame in frames
        for card in frame["payload"].get("cards") or []
        if isinstance(card, dict) and (ref := _record_ref(card)) is not None
    ]
    if not cards:
        return
    conversation = Conversation.objects.filter(public_id=conversation_id).first()
    if conversation is None:
        return
    with translation.override(conversation.language):
        records = payments.customer_records(conversation.customer_id, [r for _, r in cards])
        for card, ref in cards:
            record = records.get(ref)
            if record is None:
                continue
            card["status"] = record.status
            card["status_label"] = str(record.status_label)
            if "id" in card:
                _draw_shared_record(card, record)


def _draw_shared_record(card: dict[str, Any], record: payments.RecordSummary) -> None:
    card.update(
        {
            "title": record.heading or record.title,
            "subtitle": timezone.localtime(record.created_at).strftime("%Y-%m-%d %H:%M"),
            "amount": record.amount,
            "fields": [{"label": pgettext("chat card", "Amount"), "value": record.amount}],
            "url": record.url,
        }
    )


def last_seq(conversation_id: str) -> int:
    return int(
        Conversation.objects.filter(public_id=conversation_id)
        .values_list("last_seq", flat=True)
        .first()
        or 0
    )


def queue_frame(conversation_id: str, now: datetime | None = None) -> dict[str, Any]:
    chat = LiveChat.objects.filter(conversation__public_id=conversation_id).first()
    if chat is None:
        status = queue.QueueStatus(ChatState.BOT, None, None, 0)
    else:
        status = queue.queue_status(chat, now or timezone.now())
    return {
        "type": "queue",
        "conversation": conversation_id,
        # An offer is still waiting, seen from the customer's side.
        "state": status.state,
        "position": status.position,
        "eta_seconds": status.eta_seconds,
        "agents_online": status.agents_online,
        "ticket": chat.ticket_number if chat is not None else "",
        # After a chat with an agent ends: whether the customer may still rate it.
        "can_rate": bool(
            chat is not None
            and chat.state == ChatState.ENDED
            and chat.assigned_at is not None
            and chat.csat_score is None
        ),
    }


def offer_frame(
    conversation_id: str, agent_id: int, now: datetime | None = None
) -> dict[str, Any] | None:
    chat = (
        LiveChat.objects.select_related("conversation")
        .filter(
            conversation__public_id=conversation_id,
            state=ChatState.OFFERED,
            offered_to_id=agent_id,
        )
        .first()
    )
    if chat is None or chat.offer_expires_at is None:
        return None
    left = (chat.offer_expires_at - (now or timezone.now())).total_seconds()
    return {
        "type": "offer",
        "conversation": conversation_id,
        "expires_in": max(int(left), 0),
        "language": chat.conversation.language,
        "priority": chat.priority,
    }


@dataclass(frozen=True, slots=True)
class AgentChat:
    conversation: str
    state: str
    language: str
    priority: int
    boosts: list[str]
    last_seq: int
    agent_read_seq: int
    queued_at: datetime | None


def agent_chats(agent_id: int) -> list[AgentChat]:
    """The chats an agent has or is offered, newest activity first (the console's list)."""
    rows = LiveChat.objects.select_related("conversation").filter(
        state__in=(ChatState.ASSIGNED, ChatState.OFFERED),
    ).filter(agent_id=agent_id, state=ChatState.ASSIGNED) | LiveChat.objects.select_related(
        "conversation"
    ).filter(offered_to_id=agent_id, state=ChatState.OFFERED)
    return [
        AgentChat(
            conversation=str(row.conversation.public_id),
            state=row.state,
            language=row.conversation.language,
            priority=row.priority,
            boosts=list(row.boosts or []),
            last_seq=row.conversation.last_seq,
            agent_read_seq=row.agent_read_seq,
            queued_at=row.queued_at,
        )
        for row in rows.order_by("-conversation__updated_at")
    ]


def presence_of(agent_id: int) -> tuple[str, int]:
    row = AgentPresence.objects.filter(agent_id=agent_id).first()
    return (row.status, row.max_chats) if row else (Presence.OFFLINE, 3)
