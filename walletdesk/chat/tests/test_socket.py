"""The live chat socket against a real ASGI server (uvicorn on loopback) with real WebSocket
clients: send and receive, retries deduplicated, resume after a dropped connection and after a
server restart without loss or duplicates, authorisation and limits (docs/chat-protocol.md)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from websockets.exceptions import InvalidStatus

from walletdesk.chat import live_actions
from walletdesk.chat.models import Message
from walletdesk.chat.tests.conftest import PASSWORD, AsgiServer, Peer, run, sign_in
from walletdesk.realtime import limits

pytestmark = pytest.mark.django_db(transaction=True)


def _seqs(frames: list[dict[str, Any]]) -> list[int]:
    return [f["seq"] for f in frames]


async def _customer(
    server: AsgiServer, cookie: str, after: int = 0, conversation: Any = None
) -> tuple[Peer, str]:
    peer = await Peer(server.ws_url, cookie).open()
    await peer.send(type="join", conversation=conversation, after=after)
    joined = await peer.next(type="joined")
    await peer.next(type="queue")
    return peer, joined["conversation"]


def test_a_message_is_stored_acknowledged_and_delivered_in_order(
    asgi_server: AsgiServer, customer: Any
) -> None:
    cookie = sign_in(customer.login_name)

    async def scenario() -> None:
        peer, conversation = await _customer(asgi_server, cookie)
        await peer.send(type="send", conversation=conversation, client_id="c-1", text="提现没到账")
        ack = await peer.next(type="ack")
        assert ack == {
            "type": "ack",
            "conversation": conversation,
            "client_id": "c-1",
            "seq": 1,
            "duplicate": False,
        }
        first = await peer.next(type="message", seq=1)
        assert (first["author"], first["text"], first["client_id"]) == (
            "customer",
            "提现没到账",
            "c-1",
        )
        # Until the assistant is connected, the chat offers a person at once.
        offer = await peer.next(type="message", seq=2)
        assert offer["author"] == "system"
        assert offer["payload"]["quick_replies"][0]["id"] == "handoff"
        assert _seqs(peer.messages(conversation)) == [1, 2]
        await peer.close()

        # A customer who comes back finds the same conversation and its history.
        again, same = await _customer(asgi_server, cookie)
        assert same == conversation
        await again.next(type="message", seq=2)
        assert _seqs(again.messages(conversation)) == [1, 2]
        await again.close()

    run(scenario())


def test_a_retried_client_id_is_stored_once_from_any_socket(
    asgi_server: AsgiServer, customer: Any
) -> None:
    cookie = sign_in(customer.login_name)

    async def scenario() -> None:
        peer, conversation = await _customer(asgi_server, cookie)
        other, _ = await _customer(asgi_server, cookie, conversation=conversation)
        for _attempt in range(2):
            await peer.send(
                type="send", conversation=conversation, client_id="retry-1", text="在吗"
            )
        acks = [await peer.next(type="ack"), await peer.next(type="ack")]
        assert [(a["seq"], a["duplicate"]) for a in acks] == [(1, False), (1, True)]
        # The same id from the customer's other tab (a retry after a reconnect) too.
        await other.send(type="send", conversation=conversation, client_id="retry-1", text="在吗")
        assert (await other.next(type="ack"))["duplicate"] is True
        await other.next(type="message", seq=2)
        await peer.next(type="message", seq=2)
        for socket in (peer, other):
            assert _seqs(socket.messages(conversation)) == [1, 2]
            await socket.close()

    run(scenario())
    assert Message.objects.filter(author_kind="customer", client_message_id="retry-1").count() == 1


def test_resume_after_a_dropped_connection_loses_and_doubles_nothing(
    asgi_server: AsgiServer, customer: Any
) -> None:
    cookie = sign_in(customer.login_name)

    async def scenario() -> None:
        peer, conversation = await _customer(asgi_server, cookie)
        for n in range(3):
            await peer.send(
                type="send", conversation=conversation, client_id=f"a{n}", text=f"第{n}条"
            )
            await peer.next(type="ack")
        await peer.next(type="message", seq=4)  # 3 messages and the handoff offer
        last_seen = max(_seqs(peer.messages(conversation)))
        peer.ws.transport.abort()  # the network drops: no close handshake

        # While the customer is away, the service writes three more messages.
        for n in range(3):
            await sync_to_async(live_actions.post_system)(conversation, f"离线时的消息{n}")

        back, _ = await _customer(asgi_server, cookie, after=last_seen, conversation=conversation)
        await back.next(type="message", seq=7)
        assert _seqs(back.messages(conversation)) == [5, 6, 7]
        assert [f["text"] for f in back.messages(conversation)] == [
            "离线时的消息0",
            "离线时的消息1",
            "离线时的消息2",
        ]
        # New messages keep coming on the resumed socket, once each.
        await back.send(type="send", conversation=conversation, client_id="b0", text="回来了")
        await back.next(type="message", seq=8)
        assert _seqs(back.messages(conversation)) == [5, 6, 7, 8]
        await back.close()

    run(scenario())


def test_resume_after_a_server_restart(asgi_server: AsgiServer, customer: Any) -> None:
    cookie = sign_in(customer.login_name)

    async def scenario() -> None:
        peer, conversation = await _customer(asgi_server, cookie)
        await peer.send(type="send", conversation=conversation, client_id="r0", text="第一条")
        await peer.next(type="message", seq=2)
        last = max(_seqs(peer.messages(conversation)))
        # A send whose frames the restart will swallow: the client keeps it in its outbox.
        await peer.send(type="send", conversation=conversation, client_id="r1", text="重启前发的")
        await peer.next(type="ack", client_id="r1")

        await asyncio.to_thread(asgi_server.stop)
        assert await peer.closed() in (1001, 1006, 1012)
        await sync_to_async(live_actions.post_system)(conversation, "重启期间的消息")
        await asyncio.to_thread(asgi_server.start)

        back, _ = await _customer(asgi_server, cookie, after=last, conversation=conversation)
        # The outbox is flushed with the same client id: stored once, not twice.
        await back.send(type="send", conversation=conversation, client_id="r1", text="重启前发的")
        ack = await back.next(type="ack", client_id="r1")
        assert (ack["seq"], ack["duplicate"]) == (3, True)
        await back.next(type="message", seq=4)
        assert [(f["seq"], f["text"]) for f in back.messages(conversation)] == [
            (3, "重启前发的"),
            (4, "重启期间的消息"),
        ]
        await back.close()

    run(scenario())


def test_sockets_need_a_session_an_allowed_origin_and_their_own_conversation(
    asgi_server: AsgiServer, customer: Any, user_factory: Callable[..., Any]
) -> None:
    mine = sign_in(customer.login_name)
    stranger = user_factory()
    theirs = sign_in(stranger.login_name)

    async def scenario() -> None:
        anonymous = await Peer(asgi_server.ws_url, None).open()
        assert await anonymous.closed() == 4401

        with pytest.raises(InvalidStatus):
            await Peer(asgi_server.ws_url, mine, origin="http://evil.example").open()

        _peer, conversation = await _customer(asgi_server, mine)
        intruder = await Peer(asgi_server.ws_url, theirs).open()
        await intruder.send(type="join", conversation=conversation, after=0)
        assert await intruder.closed() == 4403
        assert not intruder.messages(conversation)

        # A made-up id is refused like another's conversation, not with a server error.
        guesser = await Peer(asgi_server.ws_url, theirs).open()
        await guesser.send(type="join", conversation="not-a-uuid", after=0)
        assert await guesser.closed() == 4403

    run(scenario())


def test_size_and_rate_limits(
    asgi_server: AsgiServer, customer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cookie = sign_in(customer.login_name)
    # Stop the token buckets' clock: no refill while the test runs, however slow the machine.
    monkeypatch.setattr(limits, "monotonic", lambda: 1000.0)

    async def scenario() -> None:
        peer, conversation = await _customer(asgi_server, cookie)
        for n in range(11):
            await peer.send(type="send", conversation=conversation, client_id=f"x{n}", text="刷屏")
        acks = [await peer.next(type="ack") for _ in range(10)]
        refused = await peer.next(type="error")
        assert refused["code"] == "rate_limited" and refused["client_id"] == "x10"
        assert [a["client_id"] for a in acks] == [f"x{n}" for n in range(10)]

        big = await Peer(asgi_server.ws_url, cookie).open()
        await big.send(type="send", conversation=conversation, client_id="big", text="长" * 2000)
        assert await big.closed() == 1009

    run(scenario())
    assert Message.objects.filter(author_kind="customer").count() == 10


def test_a_customer_and_an_agent_chat_through_the_queue(
    asgi_server: AsgiServer, customer: Any, agent_factory: Callable[..., Any]
) -> None:
    from walletdesk.tickets.models import BusinessCalendar, Team, TeamMembership

    team = Team.objects.create(
        name="chat-desk",
        title_zh="在线客服",
        title_en="Live chat",
        calendar=BusinessCalendar.objects.get(name="24x7"),
        position=1,
    )
    agent, agent_cookie = agent_factory()
    TeamMembership.objects.create(team=team, agent=agent)
    cookie = sign_in(customer.login_name)

    async def scenario() -> None:
        desk = await Peer(asgi_server.ws_url, agent_cookie).open()
        assert (await desk.next(type="presence"))["status"] == "offline"
        await desk.send(type="presence", status="online", max_chats=2)
        await desk.next(type="presence", status="online")

        peer, conversation = await _customer(asgi_server, cookie)
        await peer.send(
            type="send", conversation=conversation, client_id="h0", text="银行卡被盗刷了"
        )
        await peer.next(type="message", seq=2)
        await peer.send(type="handoff", conversation=conversation, reason="fraud")
        queued = await peer.next(type="queue", state="offered")
        assert queued["position"] == 1 and queued["agents_online"] == 1

        offer = await desk.next(type="offer")
        assert (offer["conversation"], offer["priority"]) == (conversation, 30)
        await desk.send(type="accept", conversation=conversation)
        await desk.next(type="assigned", conversation=conversation)
        await desk.send(type="join", conversation=conversation, after=0)
        await desk.next(type="joined", conversation=conversation)
        joined_note = await desk.next(type="message", seq=4)
        assert joined_note["author"] == "system"
        assert _seqs(desk.messages(conversation))[:2] == [1, 2]
        assert (await peer.next(type="queue", state="assigned"))["position"] is None

        await desk.send(type="send", conversation=conversation, client_id="a0", text="已为您冻结")
        reply = await peer.next(type="message", author="agent")
        assert reply["text"] == "已为您冻结"
        await peer.send(type="typing", conversation=conversation)
        await desk.next(type="typing", author="customer")
        await peer.send(type="read", conversation=conversation, seq=reply["seq"])
        assert (await desk.next(type="read"))["seq"] == reply["seq"]
        # Each side saw every message once, in order.
        for side in (peer, desk):
            seqs = _seqs(side.messages(conversation))
            assert seqs == sorted(set(seqs)) and seqs[-1] == reply["seq"]
        await peer.close()
        await desk.close()

    run(scenario())


def test_logout_closes_the_chat_socket(asgi_server: AsgiServer, customer: Any) -> None:
    from django.test import Client

    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Safari/604.1")
    response = client.post(
        "/account/login/", {"username": customer.login_name, "password": PASSWORD}
    )
    assert response.status_code == 302
    from django.conf import settings

    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    async def scenario() -> None:
        peer, _conversation = await _customer(asgi_server, cookie)
        await sync_to_async(client.post)("/account/logout/")
        assert await peer.closed() == 4401
        assert peer.frames[-1] == {"type": "session.closed", "reason": "logout"}

    run(scenario())
