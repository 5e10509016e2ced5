"""What other apps use of conversations (the assistant today; the console and live chat later).

    from walletdesk.chat import facade as chat
    conversation = chat.start_conversation(Actor.customer(7), customer_id=7, language="zh-hans")
    stored = chat.post_message(Actor.customer(7), conversation.id, body="hi", client_message_id="c")
    stored.message.seq   # 1

Ids are the conversation's public UUID (as text), the id clients see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from walletdesk.chat import actions, selectors
from walletdesk.chat.bot import OPENING_SEQ, BotAnswer, Responder, connect_assistant
from walletdesk.chat.enums import AuthorKind, Channel, ConversationStatus, MessageStatus
from walletdesk.chat.errors import (
    ConversationClosedError,
    ConversationNotFoundError,
    MessageInvalidError,
)
from walletdesk.chat.models import Conversation, Message
from walletdesk.core.actors import Actor

__all__ = [
    "OPENING_SEQ",
    "AuthorKind",
    "BotAnswer",
    "Channel",
    "ConversationClosedError",
    "ConversationInfo",
    "ConversationNotFoundError",
    "ConversationStatus",
    "MessageInfo",
    "MessageInvalidError",
    "MessageStatus",
    "Responder",
    "StoredMessage",
    "close_conversation",
    "connect_assistant",
    "conversation_public_id",
    "get_conversation",
    "hand_off",
    "message_at",
    "messages_after",
    "post_message",
    "redact_message",
    "start_conversation",
]


@dataclass(frozen=True, slots=True)
class ConversationInfo:
    id: str
    customer_id: int
    channel: str
    status: str
    language: str
    last_seq: int
    handoff_ticket: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class MessageInfo:
    id: str
    seq: int
    author_kind: str
    author_id: int | None
    client_message_id: str
    body: str
    payload: dict[str, Any]
    status: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoredMessage:
    message: MessageInfo
    created: bool


def _conversation(row: Conversation) -> ConversationInfo:
    return ConversationInfo(
        id=str(row.public_id),
        customer_id=row.customer_id,
        channel=row.channel,
        status=row.status,
        language=row.language,
        last_seq=row.last_seq,
        handoff_ticket=row.handoff_ticket,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _message(row: Message) -> MessageInfo:
    return MessageInfo(
        id=str(row.public_id),
        seq=row.seq,
        author_kind=row.author_kind,
        author_id=row.author_id,
        client_message_id=row.client_message_id,
        body=row.body,
        payload=dict(row.payload or {}),
        status=row.status,
        created_at=row.created_at,
    )


def start_conversation(
    actor: Actor,
    *,
    customer_id: int,
    channel: str = Channel.ASSISTANT,
    language: str = "zh-hans",
    now: datetime | None = None,
) -> ConversationInfo:
    row = actions.start_conversation(
        actor, customer_id=customer_id, channel=Channel(channel), language=language, now=now
    )
    return _conversation(row)


def get_conversation(actor: Actor, conversation_id: Any) -> ConversationInfo:
    """The conversation if `actor` may see it; ConversationNotFoundError (404) otherwise."""
    row = selectors.conversation_for(actor, conversation_id)
    if row is None:
        raise ConversationNotFoundError()
    return _conversation(row)


def conversation_public_id(pk: int) -> str | None:
    """The public id of the conversation with this database id (the console's lists know it)."""
    public_id = Conversation.objects.filter(pk=pk).values_list("public_id", flat=True).first()
    return str(public_id) if public_id is not None else None


def post_message(
    actor: Actor,
    conversation_id: Any,
    *,
    body: str,
    payload: dict[str, Any] | None = None,
    client_message_id: str = "",
    now: datetime | None = None,
) -> StoredMessage:
    stored = actions.post_message(
        actor,
        conversation_id,
        body=body,
        payload=payload,
        client_message_id=client_message_id,
        now=now,
    )
    return StoredMessage(_message(stored.message), stored.created)


def post_messages(
    conversation_id: Any,
    messages: list[tuple[Actor, str, dict[str, Any]]],
    *,
    now: datetime | None = None,
) -> list[MessageInfo]:
    """Several messages (author, body, payload) stored in order under one lock (an assistant
    turn: the customer's message and the reply)."""
    return [_message(row) for row in actions.post_messages(conversation_id, messages, now=now)]


def messages_after(actor: Actor, conversation_id: Any, after_seq: int = 0) -> list[MessageInfo]:
    row = selectors.conversation_for(actor, conversation_id)
    if row is None:
        raise ConversationNotFoundError()
    return [_message(m) for m in selectors.messages_after(row, after_seq)]


def hand_off(actor: Actor, conversation_id: Any, *, ticket_number: str = "") -> ConversationInfo:
    return _conversation(actions.hand_off(actor, conversation_id, ticket_number=ticket_number))


def close_conversation(actor: Actor, conversation_id: Any) -> ConversationInfo:
    return _conversation(actions.close_conversation(actor, conversation_id))


@dataclass(frozen=True, slots=True)
class CustomerChatLine:
    """One of a customer's conversations as the console's customer 360 lists it."""

    id: str
    channel: str
    status: str
    state: str
    state_label: str
    ticket_number: str
    csat_score: int | None
    created_at: datetime


def customer_conversations(customer_id: int, limit: int = 10) -> list[CustomerChatLine]:
    """The customer's conversations, newest first, with the live chat's state and CSAT."""
    from walletdesk.chat.live_models import ChatState

    rows = (
        Conversation.objects.filter(customer_id=customer_id)
        .select_related("live")
        .order_by("-updated_at", "-pk")[:limit]
    )
    lines = []
    for row in rows:
        live = getattr(row, "live", None)
        state = live.state if live is not None else ""
        lines.append(
            CustomerChatLine(
                id=str(row.public_id),
                channel=row.channel,
                status=row.status,
                state=state,
                state_label=str(ChatState(state).label) if state else str(row.get_status_display()),
                ticket_number=(live.ticket_number if live is not None else "")
                or row.handoff_ticket,
                csat_score=live.csat_score if live is not None else None,
                created_at=row.created_at,
            )
        )
    return lines


def conversation_customer_id(conversation_id: Any) -> int | None:
    """The customer of a conversation (None for an unknown or malformed id)."""
    import uuid

    try:
        public_id = uuid.UUID(str(conversation_id))
    except ValueError:
        return None
    return (
        Conversation.objects.filter(public_id=public_id)
        .values_list("customer_id", flat=True)
        .first()
    )


__all__ += ["CustomerChatLine", "conversation_customer_id", "customer_conversations"]


@dataclass(frozen=True, slots=True)
class AgentInbox:
    """An agent's live chats as stored: the console resyncs from this when a socket frame (an
    offer, a withdrawal, an assignment) may have been dropped by the channel layer."""

    presence: str
    max_chats: int
    # `offer` frames as the socket sends them (docs/chat-protocol.md), `expires_in` from now.
    offers: list[dict[str, Any]]
    assigned: list[str]
    # Messages the agent has not read yet, per assigned conversation.
    unread: dict[str, int] | None = None


def agent_inbox(agent_id: int, now: datetime | None = None) -> AgentInbox:
    """Two queries whatever the number of chats."""
    from django.db.models import Q
    from django.utils import timezone

    from walletdesk.chat import live_selectors
    from walletdesk.chat.live_models import ChatState, LiveChat

    moment = now or timezone.now()
    rows = (
        LiveChat.objects.select_related("conversation")
        .filter(
            Q(agent_id=agent_id, state=ChatState.ASSIGNED)
            | Q(offered_to_id=agent_id, state=ChatState.OFFERED)
        )
        .order_by("-conversation__updated_at")
    )
    offers: list[dict[str, Any]] = []
    assigned: list[str] = []
    unread: dict[str, int] = {}
    for row in rows:
        conversation = str(row.conversation.public_id)
        if row.state == ChatState.ASSIGNED:
            assigned.append(conversation)
            unread[conversation] = max(row.conversation.last_seq - row.agent_read_seq, 0)
        elif row.offer_expires_at is not None and row.offer_expires_at > moment:
            offers.append(
                {
                    "type": "offer",
                    "conversation": conversation,
                    "expires_in": int((row.offer_expires_at - moment).total_seconds()),
                    "language": row.conversation.language,
                    "priority": row.priority,
                }
            )
    status, max_chats = live_selectors.presence_of(agent_id)
    return AgentInbox(
        presence=status, max_chats=max_chats, offers=offers, assigned=assigned, unread=unread
    )


__all__ += ["AgentInbox", "agent_inbox"]


PREVIEW_CHARS = 80


@dataclass(frozen=True, slots=True)
class AgentChatRow:
    """One of an agent's live chats as a row of the desk's list (docs/console.md)."""

    conversation: str
    state: str  # offered or assigned
    state_label: str
    customer: str  # the display name, else the masked phone
    preview: str  # the last message's text, shortened ("" for a file on its own)
    preview_author: str  # customer, agent or assistant
    last_message_at: datetime | None
    # Offered: since the chat was queued; assigned: since the customer's oldest unread message.
    waiting_since: datetime | None
    unread: int  # the customer's messages the agent has not read
    priority: int
    boosts: tuple[str, ...]
    offer_expires_at: datetime | None


def agent_chat_rows(agent_id: int, now: datetime | None = None) -> list[AgentChatRow]:
    """The agent's live chats (offers still open and assigned chats), most urgent first: offers,
    then by priority (the queue's boosts), then the customer who has waited longest for an
    answer. One query whatever the number of chats."""
    from django.db.models import Count, OuterRef, Q, Subquery
    from django.utils import timezone

    from walletdesk.chat.live_models import ChatState, LiveChat
    from walletdesk.core.masking import mask_phone

    moment = now or timezone.now()
    said = Message.objects.filter(conversation=OuterRef("conversation")).exclude(
        author_kind=AuthorKind.SYSTEM
    )
    last = said.order_by("-seq")
    unread = Message.objects.filter(
        conversation=OuterRef("conversation"),
        author_kind=AuthorKind.CUSTOMER,
        seq__gt=OuterRef("agent_read_seq"),
    )
    rows = (
        LiveChat.objects.select_related("conversation__customer")
        .filter(
            Q(agent_id=agent_id, state=ChatState.ASSIGNED)
            | Q(offered_to_id=agent_id, state=ChatState.OFFERED, offer_expires_at__gt=moment)
        )
        .annotate(
            last_body=Subquery(last.values("body")[:1]),
            last_author=Subquery(last.values("author_kind")[:1]),
            last_at=Subquery(last.values("created_at")[:1]),
            unread_since=Subquery(unread.order_by("seq").values("created_at")[:1]),
            unread_count=Subquery(
                unread.order_by().values("conversation").annotate(n=Count("pk")).values("n")[:1]
            ),
        )
        .order_by("pk")
    )
    lines = []
    for row in rows:
        customer = row.conversation.customer
        offered = row.state == ChatState.OFFERED
        body = " ".join((row.last_body or "").split())
        lines.append(
            AgentChatRow(
                conversation=str(row.conversation.public_id),
                state=row.state,
                state_label=str(ChatState(row.state).label),
                customer=customer.display_name or mask_phone(customer.phone or "") or "—",
                preview=body[:PREVIEW_CHARS] + ("…" if len(body) > PREVIEW_CHARS else ""),
                preview_author=row.last_author or "",
                last_message_at=row.last_at,
                waiting_since=row.queued_at if offered else row.unread_since,
                unread=int(row.unread_count or 0),
                priority=row.priority,
                boosts=tuple(row.boosts or ()),
                offer_expires_at=row.offer_expires_at if offered else None,
            )
        )

    def urgency(line: AgentChatRow) -> tuple[bool, int, float]:
        waited = line.waiting_since.timestamp() if line.waiting_since else moment.timestamp()
        return (line.state != ChatState.OFFERED, -line.priority, waited)

    return sorted(lines, key=urgency)


__all__ += ["AgentChatRow", "agent_chat_rows"]


@dataclass(frozen=True, slots=True)
class AgentLoad:
    agent_id: int
    name: str
    presence: str
    load: int
    max_chats: int


@dataclass(frozen=True, slots=True)
class QueueLine:
    team_id: int | None
    waiting: int
    oldest_queued_at: datetime | None


@dataclass(frozen=True, slots=True)
class LiveChatLine:
    conversation: str
    state: str
    state_label: str
    team_id: int | None
    holder_id: int | None
    holder_name: str
    language: str
    priority: int
    queued_at: datetime | None


@dataclass(frozen=True, slots=True)
class SupervisorBoard:
    agents: list[AgentLoad]
    queues: list[QueueLine]
    chats: list[LiveChatLine]


LIVE_BOARD_CHATS = 100


def agent_loads(*, online_only: bool = False) -> list[AgentLoad]:
    """Active agents with a presence, by name: presence and the chats they hold or are
    offered against their capacity. Two queries."""
    from walletdesk.chat.live_models import AgentPresence, ChatState, LiveChat, Presence

    presences = AgentPresence.objects.select_related("agent").filter(agent__is_active=True)
    if online_only:
        presences = presences.filter(status=Presence.ONLINE)
    rows = list(presences.order_by("agent__display_name", "agent_id"))
    loads = dict.fromkeys((p.agent_id for p in rows), 0)
    # Every held chat (one query even when no agent has a presence row yet).
    holders = LiveChat.objects.filter(
        state__in=(ChatState.ASSIGNED, ChatState.OFFERED)
    ).values_list("agent_id", "offered_to_id", "state")
    for agent_id, offered_to, state in holders:
        holder = agent_id if state == ChatState.ASSIGNED else offered_to
        if holder in loads:
            loads[holder] += 1
    return [
        AgentLoad(p.agent_id, str(p.agent), p.status, loads[p.agent_id], p.max_chats) for p in rows
    ]


def supervisor_board() -> SupervisorBoard:
    """Agents with presence and load against capacity, each team's waiting chats and oldest
    wait, and the live chats (waiting, offered, assigned; most urgent and oldest first). A fixed
    number of queries."""
    from django.db.models import Count, Min

    from walletdesk.chat.live_models import ChatState, LiveChat

    agents = agent_loads()
    queues = [
        QueueLine(team_id, n, oldest)
        for team_id, n, oldest in LiveChat.objects.filter(state=ChatState.WAITING)
        .values_list("team_id")
        .annotate(n=Count("pk"), oldest=Min("queued_at"))
        .values_list("team_id", "n", "oldest")
        .order_by()
    ]
    rows = (
        LiveChat.objects.select_related("conversation", "agent", "offered_to")
        .filter(state__in=(ChatState.WAITING, ChatState.OFFERED, ChatState.ASSIGNED))
        .order_by("-priority", "queued_at", "pk")[:LIVE_BOARD_CHATS]
    )
    chats = []
    for row in rows:
        person = row.agent if row.state == ChatState.ASSIGNED else row.offered_to
        chats.append(
            LiveChatLine(
                conversation=str(row.conversation.public_id),
                state=row.state,
                state_label=str(ChatState(row.state).label),
                team_id=row.team_id,
                holder_id=person.pk if person is not None else None,
                holder_name=str(person) if person is not None else "",
                language=row.conversation.language,
                priority=row.priority,
                queued_at=row.queued_at,
            )
        )
    return SupervisorBoard(agents=agents, queues=queues, chats=chats)


def reassign_chat(
    supervisor: Actor,
    conversation_id: Any,
    *,
    agent_id: int | None = None,
    team_id: int | None = None,
    note: str = "",
) -> str:
    """A supervisor moves a live chat (waiting, offered or assigned to anyone) to another agent
    (offered to them at once) or back into a team's queue, through the transfer action; the
    caller has checked the supervisor's permission. Answers the chat's new state."""
    from walletdesk.chat import live_actions

    chat = live_actions.transfer(
        supervisor,
        conversation_id,
        agent_id=agent_id,
        team_id=team_id,
        note=note,
        by_supervisor=True,
    )
    return str(chat.state)


__all__ += [
    "AgentLoad",
    "LiveChatLine",
    "QueueLine",
    "SupervisorBoard",
    "reassign_chat",
    "supervisor_board",
]


def message_at(actor: Actor, conversation_id: Any, seq: int) -> MessageInfo:
    """One message of a conversation `actor` may see (ConversationNotFoundError otherwise)."""
    row = selectors.conversation_for(actor, conversation_id)
    message = row.messages.filter(seq=seq).first() if row is not None else None
    if message is None:
        raise ConversationNotFoundError()
    return _message(message)


def redact_message(actor: Actor, conversation_id: Any, seq: int, body: str) -> None:
    """Replace the text of a customer's message that should never have been kept (a code or a
    password typed into the chat). Its seq and id stay; sockets that join later see the new text."""
    row = selectors.conversation_for(actor, conversation_id)
    if row is None:
        raise ConversationNotFoundError()
    row.messages.filter(seq=seq, author_kind=AuthorKind.CUSTOMER).update(body=body)
