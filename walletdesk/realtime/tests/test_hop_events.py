"""Events committed inside a socket's database hop are sent by the event loop after the hop,
in commit order, and not by the hop's thread (walletdesk/realtime/db.py); a socket's frames
and signals do not cost a hop of their own (`LimitedJsonConsumer.dispatch`)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, channel_layers

from walletdesk.realtime import publish
from walletdesk.realtime.db import db_hop
from walletdesk.realtime.limits import LimitedJsonConsumer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def layer(monkeypatch: pytest.MonkeyPatch) -> InMemoryChannelLayer:
    memory = InMemoryChannelLayer()
    monkeypatch.setitem(channel_layers.backends, "default", memory)
    return memory


def test_events_of_a_hop_are_sent_after_it_in_commit_order(
    layer: InMemoryChannelLayer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent_from: list[str] = []
    real_group_send = layer.group_send

    async def group_send(group: str, message: dict[str, Any]) -> None:
        sent_from.append(threading.current_thread().name)
        await real_group_send(group, message)

    monkeypatch.setattr(layer, "group_send", group_send)

    def work() -> list[str]:
        for seq in (1, 2, 3):  # outside a transaction each commits at once
            publish.publish_on_commit(
                "chat.c", "chat.message", "added", {"conversation": "c", "seq": seq}
            )
        return sent_from.copy()  # what was sent while the hop still ran

    def after_the_hop() -> None:
        # The same thread (Channels' one database thread), outside a hop: sent at once again.
        publish.publish_on_commit(
            "chat.c", "chat.message", "added", {"conversation": "c", "seq": 4}
        )

    async def scenario() -> tuple[list[str], list[int]]:
        channel = await layer.new_channel()
        await layer.group_add("chat.c", channel)
        during = await db_hop(work)()
        seqs = [
            (await asyncio.wait_for(layer.receive(channel), 5))["event"]["seq"] for _ in range(3)
        ]
        await database_sync_to_async(after_the_hop)()
        late = await asyncio.wait_for(layer.receive(channel), 5)
        return during, [*seqs, late["event"]["seq"]]

    during, seqs = asyncio.run(scenario())
    assert during == []  # the hop's thread sent nothing itself
    assert sent_from[:3] == ["MainThread"] * 3  # the event loop sent them
    # In commit order; and the 4th, from the same thread after the hop, was sent rather than
    # kept in a list nobody sends.
    assert seqs == [1, 2, 3, 4]


def test_events_go_out_even_when_the_hop_fails_after_committing(
    layer: InMemoryChannelLayer,
) -> None:
    def work() -> None:
        publish.publish_on_commit("user.9", "desk.inbox", "changed", {})
        raise ValueError("after the commit")

    async def scenario() -> dict[str, Any]:
        channel = await layer.new_channel()
        await layer.group_add("user.9", channel)
        with pytest.raises(ValueError):
            await db_hop(work)()
        return await asyncio.wait_for(layer.receive(channel), 5)

    assert asyncio.run(scenario())["event"]["type"] == "desk.inbox"


def test_a_frame_is_handled_without_a_hop_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    import channels.consumer

    async def no_hop() -> None:
        raise AssertionError("a hop into the database thread for nothing")

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", no_hop)
    handled: list[dict[str, Any]] = []

    class Echo(LimitedJsonConsumer):
        async def receive_json(self, content: Any, **kwargs: Any) -> None:
            handled.append(content)

    consumer = Echo()
    asyncio.run(consumer.dispatch({"type": "websocket.receive", "text": '{"type": "ping"}'}))
    assert handled == [{"type": "ping"}]
    with pytest.raises(ValueError, match="No handler"):
        asyncio.run(consumer.dispatch({"type": "no.such.event"}))


def test_a_hop_ending_after_its_loop_closed_still_returns(caplog: pytest.LogCaptureFixture) -> None:
    loop = asyncio.new_event_loop()
    loop.close()
    publish.send_soon(loop, [("user.1", {"type": "desk.inbox", "op": "changed"})])
    assert "not published" in caplog.text


def test_a_re_read_signal_goes_at_most_once_a_window_and_the_last_change_is_always_signalled(
    layer: InMemoryChannelLayer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`desk.inbox` only tells the desk list to re-read: five in a burst are two signals (the
    first at once, one when the window ends); other events are never held back."""
    monkeypatch.setitem(publish.COALESCE_SECONDS, "desk.inbox", 1.0)

    def burst() -> None:
        for n in range(5):
            publish.publish_on_commit("user.7", "desk.inbox", "changed", {})
            publish.publish_on_commit(
                "chat.c", "chat.message", "added", {"conversation": "c", "seq": n + 1}
            )

    async def scenario() -> tuple[list[float], list[int], float]:
        loop = asyncio.get_running_loop()
        inbox, chat = await layer.new_channel(), await layer.new_channel()
        await layer.group_add("user.7", inbox)
        await layer.group_add("chat.c", chat)
        started = loop.time()
        await db_hop(burst)()
        seqs = [(await asyncio.wait_for(layer.receive(chat), 5))["event"]["seq"] for _ in range(5)]
        times = []
        for _ in range(2):
            await asyncio.wait_for(layer.receive(inbox), 5)
            times.append(loop.time() - started)
        # Nothing more comes; after the window a new change is signalled at once again.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(layer.receive(inbox), 1.5)
        again = loop.time()
        await db_hop(burst)()
        await asyncio.wait_for(layer.receive(inbox), 5)
        return times, seqs, loop.time() - again

    times, seqs, later = asyncio.run(scenario())
    assert seqs == [1, 2, 3, 4, 5]  # never held back
    # The first before its window ends, the second not before (bounds a slow machine keeps).
    assert times[0] < 1.0 <= times[1]
    assert later < 1.0
