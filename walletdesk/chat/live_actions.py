"""Writes of the live chat (docs/chat-protocol.md): open or find the customer's chat, send a
message, typing and read receipts, ask for a person, leave a message outside working hours,
agent presence, accept an offer, end the chat.

Messages are stored through `actions.store_message` (numbered in the storing transaction,
deduplicated by the client's id); every change is announced through `publish_on_commit` after
commit, and the announcement is only a signal: sockets read what changed from the database.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.db.models.functions import Greatest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from walletdesk.chat import actions, live_selectors, queue, send_sql
from walletdesk.chat import files as chat_files
from walletdesk.chat.enums import AuthorKind, Channel, ConversationStatus
from walletdesk.chat.errors import (
    ChatArticleNotFoundError,
    ChatNoEmailError,
    ChatNotYoursError,
    ChatOfferGoneError,
    ChatRecordNotFoundError,
    ChatWrongStateError,
    ConversationNotFoundError,
    MessageInvalidError,
)
from walletdesk.chat.live_models import (
    HOLDS_A_SLOT,
    LIVE_STATES,
    AgentPresence,
    ChatFile,
    ChatState,
    LiveChat,
    Presence,
)
from walletdesk.chat.models import Conversation, Message
from walletdesk.core.actors import Actor
from walletdesk.core.db import columns, rows_as
from walletdesk.core.errors import ValidationFailedError
from walletdesk.helpcenter import facade as helpcenter
from walletdesk.identity import facade as identity
from walletdesk.notifications import facade as notifications
from walletdesk.payments import facade as payments
from walletdesk.realtime.publish import publish_on_commit
from walletdesk.tickets import facade as tickets

MAX_TEXT = 2000
CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def _signal_message(conversation_id: str, seq: int, frame: dict[str, Any] | None = None) -> None:
    """After commit, tell the conversation's sockets that message `seq` is stored. `frame`, the
    message's frame as `live_selectors.frames_after` would read it, rides along when it is small
    enough: a socket whose last sent seq is `seq - 1` sends it without reading the database; any
    other (a gap: a signal was lost) reads from its last seq as before."""
    payload: dict[str, Any] = {"conversation": conversation_id, "seq": seq}
    if frame is not None and (small := live_selectors.signalled_frame(frame)) is not None:
        payload["frame"] = small
    publish_on_commit(queue.conversation_group(conversation_id), "chat.message", "added", payload)


def _signal_stored(conversation_id: str, message: Any) -> dict[str, Any]:
    """Signal a message just stored, with its frame; returns the frame for the sender's ack."""
    frame = live_selectors.stored_frame(conversation_id, message)
    _signal_message(conversation_id, message.seq, frame)
    return frame


def signal_news(conversation_id: str) -> None:
    """Tell the conversation's sockets it has news (they read the database from their last seq):
    after a write that did not go through this module, such as the assistant's reply."""
    last = Conversation.objects.filter(public_id=conversation_id).values_list("last_seq", flat=True)
    _signal_message(conversation_id, int(last.first() or 0))


def _signal_queue(conversation_id: str) -> None:
    publish_on_commit(
        queue.conversation_group(conversation_id),
        "chat.queue",
        "changed",
        {"conversation": conversation_id},
    )


@functools.cache
def _locked_with_conversation_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    lock = " FOR UPDATE OF l, c" if connection.features.has_select_for_update_of else ""
    return (
        f"SELECT {columns(LiveChat, 'l')}, {columns(Conversation, 'c')} "  # noqa: S608
        f"FROM {quote(LiveChat._meta.db_table)} l JOIN {quote(Conversation._meta.db_table)} c "
        f"ON c.id = l.conversation_id WHERE c.public_id = %s{lock}"
    )


def _public_id(conversation_id: Any) -> uuid.UUID:
    """A conversation id from a client: not a UUID is "not found", like another's (a join or an
    offer's answer with a made-up id gets a stable code, not a traceback)."""
    try:
        return (
            conversation_id
            if isinstance(conversation_id, uuid.UUID)
            else uuid.UUID(str(conversation_id))
        )
    except ValueError:
        raise ConversationNotFoundError() from None


def _locked_with_conversation(conversation_id: Any) -> LiveChat | None:
    """The chat and its conversation, both rows locked, in one query written out once (the
    send's first statement, on every message: `core.db.rows_as`)."""
    public_id = Conversation._meta.get_field("public_id").get_db_prep_value(
        _public_id(conversation_id), connection
    )
    found = rows_as(
        _locked_with_conversation_sql(connection.vendor), [public_id], LiveChat, Conversation
    )
    if not found:
        return None
    chat, conversation = found[0]
    assert isinstance(chat, LiveChat) and isinstance(conversation, Conversation)
    chat.conversation = conversation
    return chat


def _live(conversation_id: Any, *, lock: bool = True, with_conversation: bool = False) -> LiveChat:
    """The chat beside a conversation (created on first use: the assistant's conversations have
    none until they reach the live chat). `with_conversation` locks the conversation's row too,
    in the same query, for a caller that numbers a message."""
    conversation_id = _public_id(conversation_id)
    if lock and with_conversation:
        found = _locked_with_conversation(conversation_id)
        if found is not None:
            return found
    rows = LiveChat.objects.select_related("conversation")
    if lock:
        rows = rows.select_for_update(
            of=("self", "conversation") if with_conversation else ("self",)
        )
    chat = rows.filter(conversation__public_id=conversation_id).first()
    if chat is not None:
        return chat
    conversation = Conversation.objects.filter(public_id=conversation_id).first()
    if conversation is None:
        raise ConversationNotFoundError()
    LiveChat.objects.get_or_create(conversation=conversation)
    return rows.get(conversation=conversation)


def _chat_to_write_in(actor: Actor, conversation_id: Any) -> LiveChat:
    """The chat a message is about to be stored in, locked with its conversation (for the
    numbering): the customer's own, or the agent's while it is theirs and not over."""
    chat = _live(conversation_id, with_conversation=True)
    _check(chat, actor)
    if chat.state in (ChatState.ENDED, ChatState.LEFT_MESSAGE) and actor.is_staff:
        raise ChatWrongStateError()
    return chat


def _check(chat: LiveChat, actor: Actor, *, offered_ok: bool = False) -> None:
    """Customers act on their own chats (another's is "not found"); agents on chats assigned to
    them (or offered, for accepting)."""
    if actor.is_customer:
        if chat.conversation.customer_id != actor.user_id:
            raise ConversationNotFoundError()
        return
    if actor.is_staff:
        if chat.state == ChatState.ASSIGNED and chat.agent_id == actor.user_id:
            return
        if offered_ok and chat.state == ChatState.OFFERED and chat.offered_to_id == actor.user_id:
            return
        raise ChatNotYoursError()


def _holder(chat: LiveChat) -> int | None:
    """The agent the chat is assigned or offered to (whose desk lists it)."""
    return _holder_of(chat.state, chat.agent_id, chat.offered_to_id)


def _holder_of(state: str, agent_id: int | None, offered_to_id: int | None) -> int | None:
    if state == ChatState.ASSIGNED:
        return agent_id
    if state == ChatState.OFFERED:
        return offered_to_id
    return None


def may_join(actor: Actor, conversation_id: Any) -> bool:
    """Whether `actor` may follow the conversation on a socket (RT-2)."""
    try:
        with transaction.atomic():
            _check(_live(conversation_id, lock=False), actor, offered_ok=True)
    except (ConversationNotFoundError, ChatNotYoursError, ValidationFailedError, ValueError):
        return False
    return True


def open_chat(actor: Actor, *, language: str = "zh-hans") -> Conversation:
    """The customer's live chat: the one still going, else a new one."""
    if not actor.is_customer or actor.user_id is None:
        raise ChatWrongStateError()
    with transaction.atomic():
        existing = (
            LiveChat.objects.select_related("conversation")
            .filter(conversation__customer_id=actor.user_id, state__in=LIVE_STATES)
            .exclude(conversation__status=ConversationStatus.CLOSED)
            .order_by("-conversation__updated_at")
            .first()
        )
        if existing is not None:
            return existing.conversation
        row = actions.start_conversation(
            actor, customer_id=actor.user_id, channel=Channel.CHAT, language=language
        )
        LiveChat.objects.create(conversation=row)
    # Outside the transaction: the chat exists whatever the assistant does, and its opening is a
    # message of its own (the socket's join reads it with the rest).
    from walletdesk.chat import bot

    bot.after_open(str(row.public_id))
    return row


QUICK_REPLY = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


def send(
    actor: Actor,
    conversation_id: Any,
    *,
    text: str,
    client_id: str,
    quick_reply: str | None = None,
    files: Sequence[str] = (),
    answer: bool = True,
) -> actions.Stored:
    """Store a customer's or agent's message (a repeated `client_id` returns the first copy) and
    signal it. A customer's message while the assistant has the chat goes to the assistant (at
    once, or, with `answer=False`, when the caller calls `answer` after acknowledging it).
    `quick_reply` is the id of the assistant's quick reply the customer tapped (`text` is its
    label). `files` are ids of the sender's uploads to this conversation (`chat.files`); with
    files the text may be empty."""
    return send_message(
        actor,
        conversation_id,
        text=text,
        client_id=client_id,
        quick_reply=quick_reply,
        files=files,
        answer=answer,
    ).stored


@dataclass(frozen=True, slots=True)
class Sent:
    stored: actions.Stored
    # The assistant has the chat and the message has words for it: the socket hands it over
    # (`answer_message`) after acknowledging; otherwise there is nothing to ask the database.
    bot_answers: bool
    # The stored message's frame, as `live_selectors.frames_after` would read it (None for a
    # retry: the first copy's frame was sent when it was stored).
    frame: dict[str, Any] | None = None


def send_message(
    actor: Actor,
    conversation_id: Any,
    *,
    text: str,
    client_id: str,
    quick_reply: str | None = None,
    files: Sequence[str] = (),
    answer: bool = True,
) -> Sent:
    """`send`, also saying whether the assistant is to answer the message."""
    if not CLIENT_ID.match(client_id or ""):
        raise ValidationFailedError()
    if quick_reply is not None and (not actor.is_customer or not QUICK_REPLY.match(quick_reply)):
        raise ValidationFailedError()
    text = (text or "").strip()
    if (not text and not files) or len(text) > MAX_TEXT:
        raise MessageInvalidError(max_length=MAX_TEXT)
    payload: dict[str, Any] = {"quick_reply": quick_reply} if quick_reply else {}
    if not files and send_sql.usable(actor):
        # Every message of a busy chat passes here: on PostgreSQL one function call does the
        # rest of this function's transaction (send_sql).
        conversation = _public_id(conversation_id)
        done = send_sql.store_message(
            actor, conversation, body=text, payload=payload or None, client_id=client_id
        )
        if done is not None:
            sent = _announce_stored(
                actor,
                str(conversation),
                done.stored,
                chat_state=done.chat_state,
                holder=_holder_of(done.chat_state, done.agent_id, done.offered_to_id),
            )
            return _answered(sent, str(conversation), answer=answer)
    with transaction.atomic():
        chat = _chat_to_write_in(actor, conversation_id)
        claimed: list[ChatFile] = []
        if files:
            # A retry of a send whose files are already bound returns the first copy.
            earlier = _already_stored(actor, chat.conversation, client_id)
            if earlier is not None:
                return Sent(actions.Stored(earlier, created=False), bot_answers=False)
            claimed = chat_files.claim(actor, chat.conversation, files)
            payload["files"] = [chat_files.describe(row) for row in claimed]
        stored = actions.store_message(
            chat.conversation,
            actor,
            body=text,
            payload=payload or None,
            client_message_id=client_id,
        )
        if stored.created and claimed:
            chat_files.bind(claimed, stored.message)
        sent = _announce_stored(
            actor,
            str(chat.conversation.public_id),
            stored,
            chat_state=chat.state,
            holder=_holder(chat),
        )
    return _answered(sent, str(chat.conversation.public_id), answer=answer)


def _announce_stored(
    actor: Actor,
    conversation_id: str,
    stored: actions.Stored,
    *,
    chat_state: str,
    holder: int | None,
) -> Sent:
    """Announce a message just stored, after commit (of the caller's transaction, or at once
    after the database function's, which has committed)."""
    frame = None
    if stored.created:
        frame = _signal_stored(conversation_id, stored.message)
        if actor.is_customer:
            queue.announce_agent(holder)
    bot_answers = stored.created and chat_state == ChatState.BOT and bool(stored.message.body)
    return Sent(stored, bot_answers, frame)


def _answered(sent: Sent, conversation_id: str, *, answer: bool) -> Sent:
    """Hand the message to the assistant (outside the storing transaction) when asked to and
    the assistant has the chat."""
    if answer and sent.bot_answers:
        answer_message(conversation_id, sent.stored.message.seq)
    return sent


def _already_stored(actor: Actor, conversation: Conversation, client_id: str) -> Message | None:
    author = AuthorKind.CUSTOMER if actor.is_customer else AuthorKind.AGENT
    return Message.objects.filter(
        conversation=conversation, author_kind=author, client_message_id=client_id
    ).first()


def answer_message(conversation_id: str, seq: int) -> None:
    """Hand the customer's message `seq` to the assistant while it has the chat."""
    from walletdesk.chat import bot

    chat = LiveChat.objects.filter(conversation__public_id=conversation_id).first()
    if chat is None or chat.state != ChatState.BOT:
        return
    # Words only: a file on its own is for a person to look at.
    authored = (
        Message.objects.filter(
            conversation_id=chat.conversation_id, seq=seq, author_kind=AuthorKind.CUSTOMER
        )
        .exclude(body="")
        .exists()
    )
    if authored:
        bot.after_customer_message(conversation_id, seq)


def post_system(conversation_id: Any, text: str, payload: dict[str, Any] | None = None) -> int:
    """A message from the service itself ("an agent has joined", the handoff offer). Returns
    its seq."""
    stored = actions.post_message(Actor.system(), conversation_id, body=text, payload=payload)
    _signal_stored(str(stored.message.conversation.public_id), stored.message)
    return stored.message.seq


def typing(actor: Actor, conversation_id: Any) -> None:
    with transaction.atomic():
        chat = _live(conversation_id, lock=False)
        _check(chat, actor)
        author = AuthorKind.CUSTOMER if actor.is_customer else AuthorKind.AGENT
        publish_on_commit(
            queue.conversation_group(str(chat.conversation.public_id)),
            "chat.typing",
            "started",
            {"conversation": str(chat.conversation.public_id), "author": str(author)},
        )


def read(actor: Actor, conversation_id: Any, seq: int) -> int:
    """The other side's messages up to `seq` are read (receipts only move forward). Returns the
    read mark now stored."""
    with transaction.atomic():
        chat = _live(conversation_id)
        _check(chat, actor)
        seq = min(max(int(seq), 0), chat.conversation.last_seq)
        field = "customer_read_seq" if actor.is_customer else "agent_read_seq"
        if seq <= getattr(chat, field):
            return int(getattr(chat, field))
        setattr(chat, field, seq)
        chat.save(update_fields=[field])
        from walletdesk.chat.enums import MessageStatus

        actions.mark_status(actor, chat.conversation.public_id, seq, MessageStatus.READ)
        publish_on_commit(
            queue.conversation_group(str(chat.conversation.public_id)),
            "chat.read",
            "updated",
            {
                "conversation": str(chat.conversation.public_id),
                "seq": seq,
                "by": "customer" if actor.is_customer else "agent",
            },
        )
        if not actor.is_customer:
            queue.announce_agent(actor.user_id)
    return seq


def request_agent(
    actor: Actor,
    conversation_id: Any,
    *,
    reasons: Sequence[str] = (),
    topic: str = "",
    now: datetime | None = None,
) -> LiveChat:
    """「转人工」: put the chat in its team's queue (or, outside working hours or with no team for
    it, offer to leave a message), then route at once. Asking again changes nothing."""
    moment = now or timezone.now()
    with transaction.atomic():
        chat = _live(conversation_id)
        _check(chat, actor)
        if chat.state in (ChatState.WAITING, ChatState.OFFERED, ChatState.ASSIGNED):
            return chat
        conversation = chat.conversation
        if conversation.status == ConversationStatus.CLOSED:
            raise ChatWrongStateError()
        boosts = sorted({r for r in reasons if r in queue.BOOSTS})
        if identity.is_frozen_by_customer(conversation.customer_id):
            boosts = sorted({*boosts, "emergency_freeze"})
        topic = topic or chat.topic
        if topic.startswith("fraud") or topic in ("account_frozen", "suspicious_login"):
            boosts = sorted({*boosts, "fraud"})
        team = tickets.chat_team_for(language=conversation.language, topic=topic)
        chat.team_id = team.id if team else None
        chat.topic = topic
        chat.boosts = boosts
        chat.priority = sum(queue.BOOSTS[b] for b in boosts)
        chat.queued_at = moment
        chat.passed_by = []
        chat.updated_at = moment
        open_now = team is not None and tickets.team_is_open(team.id, moment)
        chat.state = ChatState.WAITING if open_now else ChatState.AFTER_HOURS
        chat.save()
        actions.hand_off(actor, conversation.public_id)
        with translation.override(conversation.language):
            if open_now:
                text = _("You are in the queue for a person. You can keep typing here.")
            else:
                text = _(
                    "Our agents are not working right now. Leave a message and we will reply "
                    "by ticket as soon as we are back."
                )
        post_system(conversation.public_id, text)
        _signal_queue(str(conversation.public_id))
        queue.announce_queue(chat.team_id)
    if chat.state == ChatState.WAITING and chat.team_id is not None:
        queue.dispatch(chat.team_id, moment)
        chat.refresh_from_db()
        if chat.state == ChatState.WAITING:
            peak_answer(chat, moment)
    return chat


PEAK_ARTICLES = 3


def peak_answer(chat: LiveChat, now: datetime) -> bool:
    """At peak (the estimated wait above CHAT_PEAK_WAIT_SECONDS, or unknown because no agent is
    online) the waiting customer gets the help articles that best match what they wrote, once
    per chat. Returns whether it answered."""
    status = queue.queue_status(chat, now)
    if status.eta_seconds is not None and status.eta_seconds <= queue.peak_wait_seconds():
        return False
    conversation = chat.conversation
    if conversation.messages.filter(payload__kind="peak_articles").exists():
        return False
    words = " ".join(
        conversation.messages.filter(author_kind=AuthorKind.CUSTOMER)
        .exclude(body="")
        .order_by("-seq")
        .values_list("body", flat=True)[:5]
    )
    lang = "en" if conversation.language == "en" else "zh-hans"
    hits = helpcenter.search_articles(words[:500], lang, limit=PEAK_ARTICLES) if words else []
    if not hits:
        return False
    with translation.override(conversation.language):
        if status.eta_seconds is None:
            text = _(
                "While you wait for an agent, these articles may already answer your question:"
            )
        else:
            text = _(
                "It is busy right now (about %(minutes)s min to wait). These articles may already "
                "answer your question:"
            ) % {"minutes": max(1, round(status.eta_seconds / 60))}
        label = _("Help center")
    cards = [
        {"type": "article", "title": hit.title, "subtitle": label, "url": hit.url, "fields": []}
        for hit in hits
    ]
    post_system(
        conversation.public_id,
        text,
        {"kind": "peak_articles", "cards": cards, "articles": [hit.slug for hit in hits]},
    )
    return True


def _transcript(conversation: Conversation) -> str:
    lines = []
    for message in conversation.messages.order_by("seq").only("seq", "author_kind", "body"):
        lines.append(f"[{message.seq}] {message.get_author_kind_display()}: {message.body}")
    return "\n".join(lines)


def leave_message(actor: Actor, conversation_id: Any, *, text: str) -> str:
    """Outside working hours: open a support ticket with the chat's history and this message.
    Returns the ticket number."""
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise MessageInvalidError(max_length=MAX_TEXT)
    with transaction.atomic():
        chat = _live(conversation_id)
        _check(chat, actor)
        if not actor.is_customer or chat.state != ChatState.AFTER_HOURS:
            raise ChatWrongStateError()
        conversation = chat.conversation
        with translation.override(conversation.language):
            subject = _("Message left in the live chat")
            body = f"{text}\n\n— {_('Conversation so far')} —\n{_transcript(conversation)}"
        number = tickets.open_chat_ticket(
            actor,
            customer_id=conversation.customer_id,
            subject=subject,
            body=body[:20000],
            language=conversation.language,
            topic=chat.topic,
            urgent=chat.priority > 0,
        )
        chat.state = ChatState.LEFT_MESSAGE
        chat.ticket_number = number
        chat.updated_at = timezone.now()
        chat.save(update_fields=["state", "ticket_number", "updated_at"])
        actions.hand_off(actor, conversation.public_id, ticket_number=number)
        with translation.override(conversation.language):
            note = _("We have your message (ticket %(number)s) and will reply there.") % {
                "number": number
            }
        post_system(conversation.public_id, note)
        _signal_queue(str(conversation.public_id))
    return number


def set_presence(
    actor: Actor, status: str, *, max_chats: int | None = None, now: datetime | None = None
) -> AgentPresence:
    """An agent's availability for new chats. Going online routes their teams' queues."""
    if not actor.is_staff or actor.user_id is None or status not in Presence.values:
        raise ValidationFailedError()
    if max_chats is not None and not 1 <= max_chats <= 20:
        raise ValidationFailedError()
    moment = now or timezone.now()
    with transaction.atomic():
        presence, _created = AgentPresence.objects.select_for_update().get_or_create(
            agent_id=actor.user_id
        )
        presence.status = status
        if max_chats is not None:
            presence.max_chats = max_chats
        presence.updated_at = moment
        presence.save()
        publish_on_commit(
            queue.agent_group(actor.user_id),
            "chat.presence",
            "updated",
            {"status": presence.status, "max_chats": presence.max_chats},
        )
        queue.announce_board()
    if status == Presence.ONLINE:
        queue.route_all(moment)
    else:
        # An agent who goes away or offline hands their chats back (to the front of the queue).
        hand_back_chats(actor.user_id, moment)
    return presence


def accept_offer(actor: Actor, conversation_id: Any, *, now: datetime | None = None) -> LiveChat:
    """The agent takes the chat offered to them (under the chat's row lock: an offer that
    expired or moved on is gone)."""
    moment = now or timezone.now()
    if not actor.is_staff or actor.user_id is None:
        raise ChatNotYoursError()
    agent_id: int = actor.user_id
    with transaction.atomic():
        chat = _live(conversation_id)
        if chat.state == ChatState.ASSIGNED and chat.agent_id == actor.user_id:
            return chat
        if chat.state != ChatState.OFFERED or chat.offered_to_id != actor.user_id:
            raise ChatOfferGoneError()
        if chat.offer_expires_at is not None and chat.offer_expires_at < moment:
            raise ChatOfferGoneError()
        chat.state = ChatState.ASSIGNED
        chat.agent_id = actor.user_id
        chat.offered_to = None
        chat.offer_expires_at = None
        chat.assigned_at = moment
        chat.updated_at = moment
        chat.save()
        conversation = chat.conversation
        # Agents are known to customers by number, never by name or login.
        with translation.override(conversation.language):
            text = _("Agent no. %(number)s has joined the chat.") % {"number": actor.user_id}
        post_system(conversation.public_id, text)
        publish_on_commit(
            queue.agent_group(agent_id),
            "chat.offer",
            "accepted",
            {"conversation": str(conversation.public_id)},
        )
        queue.announce_agent(agent_id)
        _signal_queue(str(conversation.public_id))
        queue.announce_queue(chat.team_id)
    return chat


def end_chat(actor: Actor, conversation_id: Any, *, now: datetime | None = None) -> LiveChat:
    """The chat ends (either side). The agent's slot frees up and the queue moves."""
    moment = now or timezone.now()
    with transaction.atomic():
        chat = _live(conversation_id)
        _check(chat, actor)
        if chat.state == ChatState.ENDED:
            return chat
        queue.announce_agent(_holder(chat))
        chat.state = ChatState.ENDED
        chat.ended_at = moment
        chat.offered_to = None
        chat.updated_at = moment
        chat.save()
        conversation = chat.conversation
        with translation.override(conversation.language):
            post_system(conversation.public_id, _("This chat has ended."))
        actions.close_conversation(actor, conversation.public_id)
        _signal_queue(str(conversation.public_id))
        queue.announce_queue(chat.team_id)
        team_id = chat.team_id
    if team_id is not None:
        queue.dispatch(team_id, moment)
    return chat


__all__ = [
    "HOLDS_A_SLOT",
    "accept_offer",
    "answer_message",
    "email_transcript",
    "end_chat",
    "leave_message",
    "may_join",
    "open_chat",
    "post_system",
    "read",
    "request_agent",
    "send",
    "send_card",
    "set_presence",
    "signal_news",
    "to_ticket",
    "transfer",
    "typing",
]


def _check_transfer(
    chat: LiveChat, actor: Actor, agent_id: int | None, *, by_supervisor: bool
) -> int | None:
    """Who may hand the chat on, to whom; answers the agent who had (or was offered) it."""
    previous_holder = chat.agent_id if chat.state == ChatState.ASSIGNED else chat.offered_to_id
    if by_supervisor:
        if chat.state not in (ChatState.WAITING, ChatState.OFFERED, ChatState.ASSIGNED):
            raise ChatNotYoursError()
        if agent_id is not None and agent_id == previous_holder:
            raise ValidationFailedError()
    else:
        _check(chat, actor)
        if agent_id == actor.user_id:
            raise ValidationFailedError()
    return previous_holder


def transfer(
    actor: Actor,
    conversation_id: Any,
    *,
    team_id: int | None = None,
    agent_id: int | None = None,
    note: str = "",
    now: datetime | None = None,
    by_supervisor: bool = False,
) -> LiveChat:
    """The agent who has the chat hands it on with a note: to another agent (offered to them
    at once) or to a team's queue (keeping the customer's place by their first queueing time).

    `by_supervisor`: a supervisor (whose permission the caller checked) reassigns a chat they
    do not hold — waiting, offered or assigned to anyone."""
    moment = now or timezone.now()
    if (team_id is None) == (agent_id is None):
        raise ValidationFailedError()
    with transaction.atomic():
        chat = _live(conversation_id)
        if not actor.is_staff:
            raise ChatNotYoursError()
        previous_holder = _check_transfer(chat, actor, agent_id, by_supervisor=by_supervisor)
        previous_team = chat.team_id
        target_team = team_id if team_id is not None else chat.team_id
        if team_id is not None and tickets.get_team(team_id) is None:
            raise ValidationFailedError()
        chat.team_id = target_team
        chat.agent = None
        chat.assigned_at = None
        chat.passed_by = [previous_holder] if previous_holder is not None else []
        chat.handover_note = note.strip()[:500]
        chat.updated_at = moment
        if agent_id is not None:
            chat.state = ChatState.OFFERED
            chat.offered_to_id = agent_id
            chat.offer_expires_at = moment + timedelta(seconds=queue.offer_seconds())
        else:
            chat.state = ChatState.WAITING
            chat.offered_to = None
            chat.offer_expires_at = None
        chat.save()
        conversation = chat.conversation
        with translation.override(conversation.language):
            post_system(
                conversation.public_id,
                _("We are passing your chat to a colleague who can help further. Please wait."),
            )
        if agent_id is not None:
            publish_on_commit(
                queue.agent_group(agent_id),
                "chat.offer",
                "added",
                {"conversation": str(conversation.public_id)},
            )
        queue.announce_agent(agent_id, previous_holder)
        if previous_holder is not None:
            # The chat left the agent who had it (or was offered it): their consoles (every tab)
            # drop it.
            publish_on_commit(
                queue.agent_group(previous_holder),
                "chat.offer",
                "withdrawn",
                {"conversation": str(conversation.public_id)},
            )
        _signal_queue(str(conversation.public_id))
        queue.announce_queue(previous_team)
        if target_team != previous_team:
            queue.announce_queue(target_team)
    if chat.state == ChatState.WAITING and target_team is not None:
        queue.dispatch(target_team, moment)
        chat.refresh_from_db()
    return chat


def to_ticket(actor: Actor, conversation_id: Any) -> str:
    """Turn the chat into a support ticket carrying the whole conversation (the agent follows up
    there). The chat stays as it is; asking again returns the same ticket."""
    with transaction.atomic():
        chat = _live(conversation_id)
        if not actor.is_staff:
            raise ChatNotYoursError()
        _check(chat, actor)
        if chat.ticket_number:
            return chat.ticket_number
        conversation = chat.conversation
        with translation.override(conversation.language):
            subject = _("Follow-up of a live chat")
            body = f"— {_('Conversation so far')} —\n{_transcript(conversation)}"
        number = tickets.open_chat_ticket(
            actor,
            customer_id=conversation.customer_id,
            subject=subject,
            body=body[:20000],
            language=conversation.language,
            topic=chat.topic,
            urgent=chat.priority > 0,
        )
        chat.ticket_number = number
        chat.save(update_fields=["ticket_number"])
        actions.hand_off(actor, conversation.public_id, ticket_number=number)
        with translation.override(conversation.language):
            post_system(
                conversation.public_id,
                _("We opened ticket %(number)s to follow this up.") % {"number": number},
            )
    return number


def rate(actor: Actor, conversation_id: Any, *, score: int, comment: str = "") -> LiveChat:
    """The customer rates an ended chat with an agent (1–5, once; a second rating replaces
    nothing)."""
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise ValidationFailedError()
    with transaction.atomic():
        chat = _live(conversation_id)
        if not actor.is_customer:
            raise ChatNotYoursError()
        _check(chat, actor)
        if chat.state != ChatState.ENDED or chat.assigned_at is None:
            raise ChatWrongStateError()
        if chat.csat_score is None:
            chat.csat_score = score
            chat.csat_comment = (comment or "").strip()[:500]
            chat.save(update_fields=["csat_score", "csat_comment"])
            _signal_queue(str(chat.conversation.public_id))
    return chat


def _requeue(chat: LiveChat, text: str, now: datetime, *, agent_was_silent: bool = False) -> None:
    """Put a chat an agent had (or was offered) back at the front of its team's queue, tell the
    customer why and withdraw it from the agent's console. Call with the chat locked. A silent
    agent is kept away from the chat for another silence window (`LiveChat.silent_agent`)."""
    agent = chat.agent_id or chat.offered_to_id
    if agent_was_silent and agent is not None:
        chat.silent_agent_id = agent
        chat.silent_agent_until = now + timedelta(seconds=queue.silence_seconds())
    conversation = chat.conversation
    chat.state = ChatState.WAITING
    chat.queued_at = queue.front_of_queue(chat.team_id, chat.queued_at, now)
    if agent is not None:
        chat.passed_by = sorted({*(chat.passed_by or []), agent})
        publish_on_commit(
            queue.agent_group(agent),
            "chat.offer",
            "withdrawn",
            {"conversation": str(conversation.public_id)},
        )
        queue.announce_agent(agent)
    chat.agent = None
    chat.assigned_at = None
    chat.offered_to = None
    chat.offer_expires_at = None
    chat.updated_at = now
    chat.save()
    post_system(conversation.public_id, text)
    _signal_queue(str(conversation.public_id))
    queue.announce_queue(chat.team_id)


def hand_back_chats(agent_id: int, now: datetime | None = None) -> list[str]:
    """Every chat assigned or offered to an agent who is no longer online goes back to the front
    of its queue. Returns the conversations handed back."""
    moment = now or timezone.now()
    handed: list[str] = []
    teams: set[int] = set()
    with transaction.atomic():
        chats = (
            LiveChat.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("conversation")
            .filter(
                Q(state=ChatState.ASSIGNED, agent_id=agent_id)
                | Q(state=ChatState.OFFERED, offered_to_id=agent_id)
            )
            .order_by("pk")
        )
        for chat in chats:
            with translation.override(chat.conversation.language):
                text = _(
                    "Your agent had to step away. You are back at the front of the queue; the "
                    "next agent will see everything written so far."
                )
            _requeue(chat, text, moment)
            handed.append(str(chat.conversation.public_id))
            if chat.team_id is not None:
                teams.add(chat.team_id)
    for team_id in sorted(teams):
        queue.dispatch(team_id, moment)
    return handed


def _silent_chats(now: datetime) -> list[int]:
    """Chats whose customer's last message, written after the agent's last one, has waited
    longer than CHAT_AGENT_SILENCE_SECONDS (counted from the assignment when the customer wrote
    before it)."""
    cutoff = now - timedelta(seconds=queue.silence_seconds())
    rows = (
        LiveChat.objects.filter(state=ChatState.ASSIGNED)
        .annotate(
            customer_at=Max(
                "conversation__messages__created_at",
                filter=Q(conversation__messages__author_kind=AuthorKind.CUSTOMER),
            ),
            agent_at=Max(
                "conversation__messages__created_at",
                filter=Q(conversation__messages__author_kind=AuthorKind.AGENT),
            ),
        )
        # The agent's silence starts at the customer's message, or when they took the chat.
        .annotate(silent_since=Greatest("customer_at", "assigned_at"))
        .filter(customer_at__isnull=False, silent_since__lte=cutoff)
        .filter(Q(agent_at__isnull=True) | Q(agent_at__lt=F("customer_at")))
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    return list(rows)


def requeue_stalled(now: datetime | None = None) -> dict[str, int]:
    """The periodic job (beat `requeue-live-chats`): chats of agents who are no longer online go
    back to the front of the queue, and so do chats whose customer has waited too long for an
    answer (the customer is told). Then every queue is routed again."""
    moment = now or timezone.now()
    gone = (
        LiveChat.objects.filter(
            Q(state=ChatState.ASSIGNED) & ~Q(agent__chat_presence__status=Presence.ONLINE)
        )
        .values_list("agent_id", flat=True)
        .distinct()
        .order_by()
    )
    handed = sum(len(hand_back_chats(agent, moment)) for agent in list(gone) if agent)
    silent = 0
    with transaction.atomic():
        chats = (
            LiveChat.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("conversation")
            .filter(pk__in=_silent_chats(moment), state=ChatState.ASSIGNED)
            .order_by("pk")
        )
        for chat in chats:
            with translation.override(chat.conversation.language):
                text = _(
                    "Sorry for the wait. We are finding another agent for you; you are at the "
                    "front of the queue."
                )
            _requeue(chat, text, moment, agent_was_silent=True)
            silent += 1
    queue.route_all(moment)
    return {"handed_back": handed, "silent": silent}


TRANSCRIPTS_PER_CHAT = 3


def _author_label(author_kind: str, author_id: int | None) -> str:
    if author_kind == AuthorKind.CUSTOMER:
        return pgettext("chat transcript", "You")
    if author_kind == AuthorKind.AGENT:
        # Agents are known to customers by number, never by name or login.
        return pgettext("chat transcript", "Agent no. %(number)s") % {"number": author_id}
    if author_kind == AuthorKind.ASSISTANT:
        return pgettext("chat transcript", "Assistant")
    return pgettext("chat transcript", "WalletDesk")


def email_transcript(actor: Actor, conversation_id: Any) -> str:
    """Email the conversation, as the customer saw it, to the customer's own address (through the
    notifications outbox, after commit). A few times per chat. Returns the address, masked."""
    if not actor.is_customer or actor.user_id is None:
        raise ChatNotYoursError()
    contact = identity.get_contact(actor.user_id)
    if not contact.email:
        raise ChatNoEmailError()
    with transaction.atomic():
        chat = _live(conversation_id)
        _check(chat, actor)
        if chat.transcripts_sent >= TRANSCRIPTS_PER_CHAT:
            raise ChatWrongStateError()
        conversation = chat.conversation
        with translation.override(conversation.language):
            lines = [
                {
                    "at": timezone.localtime(message.created_at),
                    "author": _author_label(message.author_kind, message.author_id),
                    "text": message.body,
                    "files": [f.get("name", "") for f in (message.payload or {}).get("files", [])],
                }
                for message in conversation.messages.order_by("seq")
            ]
            transcript = render_to_string("chat/email/transcript.txt", {"lines": lines})
            date = timezone.localtime(conversation.created_at).strftime("%Y-%m-%d")
        notifications.notify(
            actor.user_id,
            "chat_transcript",
            {"date": date, "transcript": transcript.strip()[:50_000]},
            ["email"],
        )
        chat.transcripts_sent += 1
        chat.save(update_fields=["transcripts_sent"])
    name, _at, domain = contact.email.partition("@")
    return f"{name[:1]}***@{domain}"


SLUG = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


def send_card(
    actor: Actor,
    conversation_id: Any,
    *,
    card: Mapping[str, Any],
    client_id: str,
    text: str = "",
) -> actions.Stored:
    """`send_card_message`, returning only what was stored."""
    return send_card_message(
        actor, conversation_id, card=card, client_id=client_id, text=text
    ).stored


def send_card_message(
    actor: Actor,
    conversation_id: Any,
    *,
    card: Mapping[str, Any],
    client_id: str,
    text: str = "",
) -> Sent:
    """A card as a message of its own (numbered and deduplicated like `send`): one of the
    conversation's customer's records, shared by the customer or pushed by the agent who has the
    chat (`{"type": "record", "kind", "id"}`), or a help-center article from the agent
    (`{"type": "article", "slug"}`). A record card stores the record's kind and public id only,
    never an amount or status from the client: `live_selectors` draws it from the record every
    time the message is read. Another customer's record is `chat_record_not_found` and nothing
    is stored."""
    if not CLIENT_ID.match(client_id or ""):
        raise ValidationFailedError()
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise MessageInvalidError(max_length=MAX_TEXT)
    with transaction.atomic():
        conversation = _chat_to_write_in(actor, conversation_id).conversation
        # A retry returns the first copy even if the card would read differently now.
        earlier = _already_stored(actor, conversation, client_id)
        if earlier is not None:
            return Sent(actions.Stored(earlier, created=False), bot_answers=False)
        stored = actions.store_message(
            conversation,
            actor,
            body=text,
            payload={"cards": [_card_reference(actor, conversation, card)]},
            client_message_id=client_id,
        )
        frame = (
            _signal_stored(str(conversation.public_id), stored.message) if stored.created else None
        )
    return Sent(stored, bot_answers=False, frame=frame)


def _card_reference(
    actor: Actor, conversation: Conversation, card: Mapping[str, Any]
) -> dict[str, Any]:
    """What a card message stores: a record's reference (checked to be the conversation's
    customer's) or an article as the help center has it in the conversation's language."""
    kind = card.get("type")
    if kind == "record":
        record_kind, record_id = card.get("kind"), card.get("id")
        if not isinstance(record_kind, str) or not isinstance(record_id, str):
            raise ValidationFailedError()
        found = payments.customer_records(conversation.customer_id, [(record_kind, record_id)])
        if not found:
            raise ChatRecordNotFoundError()
        record = next(iter(found.values()))
        return {"type": "record", "kind": record.kind, "id": record.public_id}
    if kind == "article":
        if not actor.is_staff:
            raise ChatNotYoursError()
        slug = card.get("slug")
        if not isinstance(slug, str) or not SLUG.match(slug):
            raise ChatArticleNotFoundError()
        article = helpcenter.get_article(slug, conversation.language)
        if article is None:
            raise ChatArticleNotFoundError()
        with translation.override(conversation.language):
            label = _("Help center")
        return {
            "type": "article",
            "slug": article.slug,
            "title": article.title,
            "subtitle": label,
            "url": article.url,
            "fields": [],
        }
    raise ValidationFailedError()
