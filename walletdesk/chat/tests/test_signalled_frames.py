"""A stored message's frame rides in its `chat.message` signal (docs/chat-protocol.md, "Delivery
without a read"): a socket whose last seq is the one before sends it without reading the
database; the sender's own socket sends its message from what the send returned; a gap (a lost
signal) still reads the database from the last seq, in order; the frame is exactly what the
database read gives every socket, so nothing a customer may not see travels this way."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from walletdesk.chat import live_actions, live_selectors, queue
from walletdesk.chat.consumers import ChatConsumer
from walletdesk.chat.live_models import ChatState, LiveChat
from walletdesk.core.actors import Actor
from walletdesk.realtime.events import EventSchemaError, check_event

# The consumer's database hops close and reopen connections between hops, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


class Listener:
    """A channel in the conversation's group of the (in-memory) channel layer: the events the
    conversation's sockets are sent, as published."""

    def __init__(self, conversation: str) -> None:
        self.layer = get_channel_layer()
        self.group = queue.conversation_group(conversation)
        self.channel = async_to_sync(self.layer.new_channel)()
        async_to_sync(self.layer.group_add)(self.group, self.channel)

    def events(self) -> list[dict[str, Any]]:
        found = []
        waiting = self.layer.channels.get(self.channel)
        while waiting is not None and not waiting.empty():
            _expiry, message = waiting.get_nowait()
            found.append(message)
        return found

    def close(self) -> None:
        async_to_sync(self.layer.group_discard)(self.group, self.channel)
        self.layer.channels.pop(self.channel, None)


@pytest.fixture
def in_memory_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-memory channel layer whatever the pass (the Redis layer carries these events in
    `test_two_processes.py`), so that a test reads the events as they were published."""
    from channels.layers import InMemoryChannelLayer, channel_layers

    monkeypatch.setitem(channel_layers.backends, "default", InMemoryChannelLayer())


@pytest.fixture
def chat(
    user_factory: Callable[..., Any], in_memory_layer: None
) -> Iterator[tuple[Any, Any, str, Listener]]:
    """A customer's chat assigned to an agent, and a listener on its group."""
    from walletdesk.identity.enums import Role

    customer = user_factory()
    agent = user_factory(role=Role.AGENT)
    conversation = str(live_actions.open_chat(Actor.customer(customer.pk)).public_id)
    LiveChat.objects.filter(conversation__public_id=conversation).update(
        state=ChatState.ASSIGNED, agent_id=agent.pk, assigned_at=timezone.now()
    )
    listener = Listener(conversation)
    try:
        yield customer, agent, conversation, listener
    finally:
        listener.close()


def _socket(role: str, user: Any, conversation: str, last_seq: int) -> ChatConsumer:
    """A chat consumer joined to `conversation` up to `last_seq`, keeping what it sends."""
    consumer = ChatConsumer()
    consumer.scope = {"type": "websocket", "user": user, "session": None}
    consumer.role = role
    consumer.user_id = user.pk
    consumer.joined = {conversation: last_seq}
    consumer.groups_joined = []
    consumer.sent = []

    async def send_json(content: dict[str, Any], close: bool = False) -> None:
        consumer.sent.append(content)

    consumer.send_json = send_json
    return consumer


def _sent(consumer: ChatConsumer) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = consumer.sent
    return sent


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every `frames_after` read a socket makes (conversation, after)."""
    calls: list[tuple[str, int]] = []
    real = live_selectors.frames_after

    def spy(conversation_id: str, after: int) -> list[dict[str, Any]]:
        calls.append((conversation_id, after))
        return real(conversation_id, after)

    monkeypatch.setattr(live_selectors, "frames_after", spy)
    return calls


def _deliver(consumer: ChatConsumer, message: dict[str, Any]) -> int:
    """Hand a channel-layer message to the consumer; returns the queries it made."""
    with CaptureQueriesContext(connection) as queries:
        async_to_sync(consumer.realtime_event)(message)
    return len(queries)


def test_a_follower_in_sequence_sends_the_signalled_frame_without_a_query(
    chat: tuple[Any, Any, str, Listener], reads: list[tuple[str, int]]
) -> None:
    customer, agent, conversation, listener = chat
    before = live_selectors.last_seq(conversation)
    desk = _socket("agent", agent, conversation, before)
    other_tab = _socket("customer", customer, conversation, before)

    live_actions.send_message(
        Actor.customer(customer.pk), conversation, text="提现没到账", client_id="f-1", answer=False
    )
    [message] = listener.events()
    event = message["event"]
    assert (event["type"], event["seq"]) == ("chat.message", before + 1)
    # Exactly the frame the database read gives.
    assert event["frame"] == live_selectors.frames_after(conversation, before)[0]
    reads.clear()

    for socket in (desk, other_tab):
        assert _deliver(socket, message) == 0
        assert _sent(socket) == [event["frame"]]
        assert socket.joined[conversation] == before + 1
    assert reads == []

    # The same signal again (or a late one) sends nothing.
    assert _deliver(desk, message) == 0
    assert _sent(desk) == [event["frame"]]


def test_after_a_lost_signal_the_follower_reads_every_message_in_order(
    chat: tuple[Any, Any, str, Listener], reads: list[tuple[str, int]]
) -> None:
    customer, agent, conversation, listener = chat
    before = live_selectors.last_seq(conversation)
    desk = _socket("agent", agent, conversation, before)

    def send(n: int) -> None:
        live_actions.send_message(
            Actor.customer(customer.pk), conversation, text=f"第{n}条", client_id=f"g-{n}"
        )

    send(1)
    send(2)
    first, second = listener.events()

    # The first signal is lost: the second comes with a frame, but the socket owes `before + 1`.
    assert _deliver(desk, second) > 0
    assert reads == [(conversation, before)]
    assert [f["seq"] for f in _sent(desk)] == [before + 1, before + 2]
    assert _sent(desk) == live_selectors.frames_after(conversation, before)
    # Back in sequence: the next is sent as signalled, the late first one is ignored.
    send(3)
    [third] = listener.events()
    reads.clear()
    assert _deliver(desk, third) == 0
    assert _deliver(desk, first) == 0
    assert reads == []
    assert [f["seq"] for f in _sent(desk)] == [before + 1, before + 2, before + 3]


def test_the_sender_sends_its_own_message_from_the_send_without_reading_it_back(
    chat: tuple[Any, Any, str, Listener], reads: list[tuple[str, int]]
) -> None:
    customer, agent, conversation, listener = chat
    before = live_selectors.last_seq(conversation)
    tab = _socket("customer", customer, conversation, before)
    sent = live_actions.send_message(
        Actor.customer(customer.pk), conversation, text="在吗", client_id="s-1", answer=False
    )
    assert sent.frame == live_selectors.frames_after(conversation, before)[0]
    reads.clear()
    with CaptureQueriesContext(connection) as queries:
        async_to_sync(tab._acknowledge)(conversation, "s-1", sent)
    assert len(queries) == 0 and reads == []
    assert [f["type"] for f in _sent(tab)] == ["ack", "message"]
    assert _sent(tab)[1] == sent.frame
    # Its own signal, arriving after, sends nothing again.
    [message] = listener.events()
    assert _deliver(tab, message) == 0
    assert len(_sent(tab)) == 2

    # The agent wrote in between: the customer's socket owes that one first, so it reads.
    agent_sent = live_actions.send_message(
        Actor.agent(agent.pk), conversation, text="您好", client_id="a-1"
    )
    mine = live_actions.send_message(
        Actor.customer(customer.pk), conversation, text="还是没到", client_id="s-2", answer=False
    )
    async_to_sync(tab._acknowledge)(conversation, "s-2", mine)
    assert reads == [(conversation, before + 1)]
    assert [f.get("seq") for f in _sent(tab)[2:]] == [
        mine.stored.message.seq,
        agent_sent.stored.message.seq,
        mine.stored.message.seq,
    ]
    assert [f["type"] for f in _sent(tab)[2:]] == ["ack", "message", "message"]

    # A retry (duplicate) carries no frame and reads as before.
    again = live_actions.send_message(
        Actor.customer(customer.pk), conversation, text="在吗", client_id="s-1", answer=False
    )
    assert again.frame is None and not again.stored.created


def test_internal_notes_never_reach_a_customer_socket_through_the_signal(
    chat: tuple[Any, Any, str, Listener], user_factory: Callable[..., Any]
) -> None:
    from walletdesk.console.notes import add_chat_note
    from walletdesk.identity.enums import Role

    customer, agent, conversation, listener = chat
    colleague = user_factory(role=Role.AGENT)
    secret = "内部备注：疑似盗卡，勿告知客户"
    before = live_selectors.last_seq(conversation)
    tab = _socket("customer", customer, conversation, before)
    add_chat_note(agent_id=agent.pk, conversation=conversation, body=secret)
    live_actions.transfer(Actor.agent(agent.pk), conversation, agent_id=colleague.pk, note=secret)
    events = listener.events()
    signals = [m for m in events if m["event"]["type"] == "chat.message"]
    assert len(signals) == 1 and "frame" in signals[0]["event"]
    for message in events:
        assert secret not in repr(message)
        _deliver(tab, message)
    frames = [f for f in _sent(tab) if f["type"] == "message"]
    assert frames == live_selectors.frames_after(conversation, before)
    assert frames and frames[0]["author"] == "system"
    assert secret not in repr(_sent(tab))


def test_a_large_frame_is_not_signalled_and_followers_read_it(
    chat: tuple[Any, Any, str, Listener], reads: list[tuple[str, int]]
) -> None:
    customer, agent, conversation, listener = chat
    before = live_selectors.last_seq(conversation)
    desk = _socket("agent", agent, conversation, before)
    text = "😀" * live_actions.MAX_TEXT  # 8,000 bytes of text alone
    sent = live_actions.send_message(
        Actor.customer(customer.pk), conversation, text=text, client_id="big-1", answer=False
    )
    assert sent.frame is not None and sent.frame["text"] == text
    [message] = listener.events()
    assert "frame" not in message["event"]
    assert _deliver(desk, message) > 0
    assert reads == [(conversation, before)]
    assert [f["text"] for f in _sent(desk)] == [text]


def test_a_card_and_a_system_message_signal_the_frame_the_database_reads(
    chat: tuple[Any, Any, str, Listener], user_factory: Callable[..., Any]
) -> None:
    from walletdesk.tickets.tests.test_pages import pending_top_up

    customer, _agent, conversation, listener = chat
    record = pending_top_up(customer.pk)
    before = live_selectors.last_seq(conversation)
    sent = live_actions.send_card_message(
        Actor.customer(customer.pk),
        conversation,
        card={"type": "record", "kind": "top_up", "id": str(record.object_public_id)},
        client_id="card-1",
    )
    live_actions.post_system(conversation, "已为您转接")
    card_event, system_event = (m["event"] for m in listener.events())
    read = live_selectors.frames_after(conversation, before)
    assert [card_event["frame"], system_event["frame"]] == read
    assert sent.frame == read[0]
    assert read[0]["payload"]["cards"][0]["status"] == "pending"


def test_the_message_signal_schema_takes_a_frame_object_only() -> None:
    check_event("chat.message", "added", {"conversation": "c", "seq": 1})
    check_event("chat.message", "added", {"conversation": "c", "seq": 1, "frame": {"seq": 1}})
    with pytest.raises(EventSchemaError):
        check_event("chat.message", "added", {"conversation": "c", "seq": 1, "frame": "{}"})
