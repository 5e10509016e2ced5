"""`/ws/chat/`: the live chat socket of customers and agents (docs/chat-protocol.md).

Thin: check the session on connect and on every frame, parse the frame, call one action or
selector, send frames. Nothing is kept here that the database does not have: per joined
conversation only the last `seq` this socket sent, so a signal (lost or not) makes the socket
read the database from there.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

from walletdesk.chat import live_actions, live_selectors, queue
from walletdesk.chat.errors import ChatNotYoursError
from walletdesk.core.actors import Actor
from walletdesk.core.errors import WalletDeskError
from walletdesk.identity import facade as identity
from walletdesk.realtime.facade import db_hop
from walletdesk.realtime.limits import LimitedJsonConsumer, TokenBucket
from walletdesk.realtime.publish import user_group

T = TypeVar("T")

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
WORK_TICKETS = "tickets.work_tickets"

#: Messages per sender per conversation (security guide RT-3 as DESIGN.md applies it).
SEND_LIMIT = 10
SEND_WINDOW = 10.0
_BUCKETS_KEPT = 10_000
_send_buckets: OrderedDict[tuple[int, str], TokenBucket] = OrderedDict()


def _may_send(user_id: int, conversation: str) -> bool:
    key = (user_id, conversation)
    bucket = _send_buckets.get(key)
    if bucket is None:
        bucket = _send_buckets[key] = TokenBucket(SEND_LIMIT, SEND_WINDOW)
        while len(_send_buckets) > _BUCKETS_KEPT:
            _send_buckets.popitem(last=False)
    _send_buckets.move_to_end(key)
    return bucket.take()


def _role_of(session: Any, user: Any) -> str | None:
    if not identity.session_is_live(session, user):
        return None
    if user.is_staff:
        return "agent" if user.is_active and user.has_perm(WORK_TICKETS) else None
    return "customer"


#: Frames whose action checks the session in its own thread hop, before it writes anything:
#: one hop per message instead of two.
_SESSION_CHECKED_IN_ACTION = frozenset({"send", "card"})


class _SessionEndedError(Exception):
    """The session check inside an action's hop failed: nothing was done; close with 4401."""


def _as_session(
    session: Any, user: Any, role: str | None, action: Callable[..., T], /, *args: Any, **kw: Any
) -> T:
    """`action(*args, **kw)` if the socket's session is still live with the same role."""
    if role is None or _role_of(session, user) != role:
        raise _SessionEndedError()
    return action(*args, **kw)


class ChatConsumer(LimitedJsonConsumer):
    max_frame_bytes = 4 * 1024
    # Per connection; an agent's socket carries many chats. Sends are limited per conversation.
    max_messages = 60
    window_seconds = 10.0

    role: str | None = None
    user_id: int = 0
    joined: dict[str, int]
    groups_joined: list[str]

    # --- connection -----------------------------------------------------------------------

    async def _authorised(self) -> bool:
        role = await db_hop(_role_of)(self.scope.get("session"), self.scope.get("user"))
        return role is not None and role == self.role

    async def connect(self) -> None:
        self.joined = {}
        self.groups_joined = []
        # Accept, then close: the client sees 4401 (a refusal before accept has no code).
        await self.accept()
        user = self.scope.get("user")
        role = await db_hop(_role_of)(self.scope.get("session"), user)
        if role is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.role = role
        self.user_id = int(user.pk)
        await self._group(user_group(self.user_id))
        if role == "agent":
            await self._group(queue.agent_group(self.user_id))
            status, max_chats = await db_hop(live_selectors.presence_of)(self.user_id)
            await self.send_json({"type": "presence", "status": status, "max_chats": max_chats})

    async def _group(self, name: str) -> None:
        if name not in self.groups_joined:
            await self.channel_layer.group_add(name, self.channel_name)
            self.groups_joined.append(name)

    async def disconnect(self, code: int) -> None:
        for name in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(name, self.channel_name)
        self.groups_joined = []
        self.role = None

    def _actor(self) -> Actor:
        if self.role == "agent":
            return Actor.agent(self.user_id)
        return Actor.customer(self.user_id)

    # --- client frames --------------------------------------------------------------------

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        # Every frame checks the session first; a send or a card checks it in the hop that
        # stores the message (`_in_session`), or here before it answers without storing.
        checked_later = kind in _SESSION_CHECKED_IN_ACTION
        if self.role is None or (not checked_later and not await self._authorised()):
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not isinstance(content, dict) or not isinstance(kind, str):
            await self._error("bad_frame")
            return
        handler = getattr(self, f"on_{kind}", None)
        if handler is None:
            await self._error("unknown_frame")
            return
        try:
            await handler(content)
        except _SessionEndedError:
            await self.close(code=CLOSE_UNAUTHENTICATED)
        except WalletDeskError as exc:
            await self._error(
                exc.code,
                message=await self._translated(exc),
                conversation=content.get("conversation"),
                client_id=content.get("client_id"),
            )
        except (KeyError, TypeError, ValueError):
            if checked_later and not await self._authorised():
                await self.close(code=CLOSE_UNAUTHENTICATED)
                return
            await self._error("bad_frame", conversation=content.get("conversation"))

    async def _over_rate(self, conversation: str, client_id: str) -> bool:
        """True, and `rate_limited` answered, when this sender is over its rate in
        `conversation`. The session check left to the send's own hop runs here instead, since
        the send will not reach it."""
        if _may_send(self.user_id, conversation):
            return False
        if not await self._authorised():
            raise _SessionEndedError()
        await self._error("rate_limited", conversation=conversation, client_id=client_id)
        return True

    async def _in_session(self, action: Callable[..., T], *args: Any, **kw: Any) -> T:
        """`action` in one thread hop with the session check before it."""
        result: T = await db_hop(_as_session)(
            self.scope.get("session"), self.scope.get("user"), self.role, action, *args, **kw
        )
        return result

    async def _translated(self, exc: WalletDeskError) -> str:
        with translation.override(self._page_language()):
            return exc.user_message

    def _page_language(self) -> str:
        """The language the page was drawn in, read as LocaleMiddleware reads it (the language
        cookie, then Accept-Language), else the user's preferred language: a customer who reads
        the app in English gets an English chat even if their account still says Chinese."""
        chosen = (self.scope.get("cookies") or {}).get(settings.LANGUAGE_COOKIE_NAME, "")
        if chosen in dict(settings.LANGUAGES):
            return str(chosen)
        header = dict(self.scope.get("headers") or []).get(b"accept-language", b"")
        for code, _quality in parse_accept_lang_header(header.decode("latin-1")):
            try:
                return translation.get_supported_language_variant(code)
            except LookupError:
                continue
        return getattr(self.scope.get("user"), "preferred_language", "") or "zh-hans"

    async def _error(self, code: str, *, message: str = "", **extra: Any) -> None:
        frame: dict[str, Any] = {"type": "error", "code": code}
        if message:
            frame["message"] = message
        frame.update({k: v for k, v in extra.items() if isinstance(v, str | int)})
        await self.send_json(frame)

    def _conversation(self, content: dict[str, Any]) -> str:
        value = content.get("conversation")
        if not isinstance(value, str) or value not in self.joined:
            raise ValueError("join first")
        return value

    async def on_ping(self, content: dict[str, Any]) -> None:
        await self.send_json({"type": "pong"})

    async def on_join(self, content: dict[str, Any]) -> None:
        after = content.get("after", 0)
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            raise ValueError("after")
        conversation = content.get("conversation")
        actor = self._actor()
        if conversation is None and self.role == "customer":
            row = await db_hop(live_actions.open_chat)(actor, language=self._page_language())
            conversation = str(row.public_id)
        if not isinstance(conversation, str):
            raise ValueError("conversation")
        if not await db_hop(live_actions.may_join)(actor, conversation):
            # RT-2: another customer's conversation, or a chat not this agent's.
            await self.close(code=CLOSE_FORBIDDEN)
            return
        conversation = conversation.lower()
        await self._group(queue.conversation_group(conversation))
        self.joined[conversation] = after
        last = await db_hop(live_selectors.last_seq)(conversation)
        await self.send_json(
            {"type": "joined", "conversation": conversation, "last_seq": last, "role": self.role}
        )
        await self._catch_up(conversation)
        await self._send_queue(conversation)

    async def on_send(self, content: dict[str, Any]) -> None:
        conversation = self._conversation(content)
        client_id = content.get("client_id")
        text = content.get("text")
        quick_reply = content.get("quick_reply")
        if not isinstance(client_id, str) or not isinstance(text, str):
            raise ValueError("send")
        if quick_reply is not None and not isinstance(quick_reply, str):
            raise ValueError("quick_reply")
        files = content.get("files", [])
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise ValueError("files")
        if await self._over_rate(conversation, client_id):
            return
        sent = await self._in_session(
            live_actions.send_message,
            self._actor(),
            conversation,
            text=text,
            client_id=client_id,
            quick_reply=quick_reply,
            files=files,
            answer=False,
        )
        await self._acknowledge(conversation, client_id, sent)
        if sent.bot_answers and self.role == "customer":
            # Acknowledged first: the assistant's answer follows as a message of its own.
            await db_hop(live_actions.answer_message)(conversation, sent.stored.message.seq)

    async def on_card(self, content: dict[str, Any]) -> None:
        """A card as a message of its own: a record (customer or agent) or an article (agent),
        acknowledged and delivered like `send` (docs/chat-protocol.md, "Cards")."""
        conversation = self._conversation(content)
        client_id, card, text = content.get("client_id"), content.get("card"), content.get("text")
        if not isinstance(client_id, str) or not isinstance(card, dict):
            raise ValueError("card")
        if text is not None and not isinstance(text, str):
            raise ValueError("text")
        if await self._over_rate(conversation, client_id):
            return
        sent = await self._in_session(
            live_actions.send_card_message,
            self._actor(),
            conversation,
            card=card,
            client_id=client_id,
            text=text or "",
        )
        await self._acknowledge(conversation, client_id, sent)

    async def _acknowledge(
        self, conversation: str, client_id: str, sent: live_actions.Sent
    ) -> None:
        """The sender learns its message's seq (or that it was a retry), then gets every
        message up to it in order, its own included: straight from the send when its own
        message is the next one this socket owes, else read from the database."""
        seq = sent.stored.message.seq
        await self.send_json(
            {
                "type": "ack",
                "conversation": conversation,
                "client_id": client_id,
                "seq": seq,
                "duplicate": not sent.stored.created,
            }
        )
        if not await self._send_in_sequence(conversation, seq, sent.frame):
            await self._catch_up(conversation)

    async def _send_in_sequence(
        self, conversation: str, seq: int, frame: dict[str, Any] | None
    ) -> bool:
        """Send the stored message `frame` (seq `seq`) without reading the database when it is
        exactly the next one this socket owes (its last sent seq is `seq - 1`); False when it
        is not (nothing sent: the caller reads from the last seq)."""
        if frame is None or frame.get("seq") != seq or self.joined.get(conversation) != seq - 1:
            return False
        await self.send_json(frame)
        self.joined[conversation] = seq
        return True

    async def on_typing(self, content: dict[str, Any]) -> None:
        await db_hop(live_actions.typing)(self._actor(), self._conversation(content))

    async def on_read(self, content: dict[str, Any]) -> None:
        seq = content.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool):
            raise ValueError("seq")
        await db_hop(live_actions.read)(self._actor(), self._conversation(content), seq)

    async def on_handoff(self, content: dict[str, Any]) -> None:
        if self.role != "customer":
            raise ChatNotYoursError()
        reason = content.get("reason")
        reasons = [reason] if isinstance(reason, str) else []
        await db_hop(live_actions.request_agent)(
            self._actor(), self._conversation(content), reasons=reasons
        )
        await self._send_queue(self._conversation(content))

    async def on_leave_message(self, content: dict[str, Any]) -> None:
        text = content.get("text")
        if not isinstance(text, str):
            raise ValueError("text")
        await db_hop(live_actions.leave_message)(
            self._actor(), self._conversation(content), text=text
        )
        await self._send_queue(self._conversation(content))

    async def on_accept(self, content: dict[str, Any]) -> None:
        conversation = content.get("conversation")
        if self.role != "agent" or not isinstance(conversation, str):
            raise ChatNotYoursError()
        await db_hop(live_actions.accept_offer)(self._actor(), conversation)
        await self.send_json({"type": "assigned", "conversation": conversation})

    async def on_presence(self, content: dict[str, Any]) -> None:
        status = content.get("status")
        max_chats = content.get("max_chats")
        if self.role != "agent" or not isinstance(status, str):
            raise ChatNotYoursError()
        if max_chats is not None and (
            not isinstance(max_chats, int) or isinstance(max_chats, bool)
        ):
            raise ValueError("max_chats")
        await db_hop(live_actions.set_presence)(self._actor(), status, max_chats=max_chats)

    async def on_transfer(self, content: dict[str, Any]) -> None:
        team, agent, note = content.get("team"), content.get("agent"), content.get("note", "")
        for value in (team, agent):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise ValueError("transfer")
        if not isinstance(note, str):
            raise ValueError("note")
        conversation = self._conversation(content)
        await db_hop(live_actions.transfer)(
            self._actor(), conversation, team_id=team, agent_id=agent, note=note
        )
        self.joined.pop(conversation, None)

    async def on_to_ticket(self, content: dict[str, Any]) -> None:
        conversation = self._conversation(content)
        number = await db_hop(live_actions.to_ticket)(self._actor(), conversation)
        await self.send_json({"type": "ticket", "conversation": conversation, "number": number})

    async def on_rate(self, content: dict[str, Any]) -> None:
        score, comment = content.get("score"), content.get("comment", "")
        if not isinstance(score, int) or not isinstance(comment, str):
            raise ValueError("rate")
        await db_hop(live_actions.rate)(
            self._actor(), self._conversation(content), score=score, comment=comment
        )

    async def on_transcript(self, content: dict[str, Any]) -> None:
        conversation = self._conversation(content)
        sent_to = await db_hop(live_actions.email_transcript)(self._actor(), conversation)
        await self.send_json(
            {"type": "transcript", "conversation": conversation, "sent_to": sent_to}
        )

    async def on_end(self, content: dict[str, Any]) -> None:
        await db_hop(live_actions.end_chat)(self._actor(), self._conversation(content))

    # --- server signals -------------------------------------------------------------------

    async def _catch_up(self, conversation: str) -> None:
        """Send every stored message after the last one this socket sent, in order."""
        while conversation in self.joined:
            frames = await db_hop(live_selectors.frames_after)(
                conversation, self.joined[conversation]
            )
            if not frames:
                return
            for frame in frames:
                await self.send_json(frame)
                self.joined[conversation] = frame["seq"]
            if len(frames) < live_selectors.BATCH:
                return

    async def _send_queue(self, conversation: str) -> None:
        frame = await db_hop(live_selectors.queue_frame)(conversation)
        await self.send_json(frame)

    async def realtime_event(self, message: dict[str, Any]) -> None:
        if self.role is None:
            return
        event = message["event"]
        kind = event.get("type")
        conversation = str(event.get("conversation", ""))
        if kind == "chat.message":
            seq = event["seq"]
            # In sequence: the frame that came with the signal. After a gap (a lost signal) or
            # without a frame (a large message, the assistant's): the database.
            if (
                conversation in self.joined
                and seq > self.joined[conversation]
                and not await self._send_in_sequence(conversation, seq, event.get("frame"))
            ):
                await self._catch_up(conversation)
        elif kind == "chat.queue":
            if conversation in self.joined:
                await self._send_queue(conversation)
        elif kind in ("chat.typing", "chat.read"):
            who = event.get("author") or event.get("by")
            if conversation in self.joined and who != self.role:
                frame = {k: v for k, v in event.items() if k != "op"}
                frame["type"] = kind.removeprefix("chat.")
                await self.send_json(frame)
        elif kind == "chat.offer":
            await self._offer_event(event["op"], conversation)
        elif kind == "chat.presence":
            await self.send_json(
                {"type": "presence", "status": event["status"], "max_chats": event["max_chats"]}
            )

    async def _offer_event(self, op: str, conversation: str) -> None:
        if self.role != "agent":
            return
        if op == "added":
            frame = await db_hop(live_selectors.offer_frame)(conversation, self.user_id)
            if frame is not None:
                await self.send_json(frame)
        elif op == "withdrawn":
            self.joined.pop(conversation, None)
            await self.send_json({"type": "offer_withdrawn", "conversation": conversation})
        elif op == "accepted":
            await self.send_json({"type": "assigned", "conversation": conversation})

    async def force_close(self, message: dict[str, Any]) -> None:
        """Identity revoked the session (logout, freeze, role change): say why, close now."""
        await self.send_json({"type": "session.closed", "reason": str(message.get("reason", ""))})
        await self.close(code=CLOSE_UNAUTHENTICATED)
