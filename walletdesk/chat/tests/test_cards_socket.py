"""Cards over the live chat socket (a real ASGI server, real WebSocket clients): the customer
shares one of their records with a `card` frame, acknowledged and delivered like a message and
deduplicated by its client id; another customer's record is refused with a stable code and
nothing stored; after the record changes, a resumed socket reads the card with the new status.
The agent who has the chat sees the same card and may push an article."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from walletdesk.chat.live_models import LiveChat
from walletdesk.chat.models import Message
from walletdesk.chat.tests.conftest import AsgiServer, Peer, run, sign_in
from walletdesk.helpcenter.tests.conftest import _fresh_search_state, categories, load_articles
from walletdesk.payments.models import Activity
from walletdesk.tickets.tests.test_pages import pending_top_up

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["_fresh_search_state", "categories", "load_articles"]  # fixtures


async def _join(server: AsgiServer, cookie: str, conversation: Any = None) -> tuple[Peer, str]:
    peer = await Peer(server.ws_url, cookie).open()
    await peer.send(type="join", conversation=conversation, after=0)
    joined = await peer.next(type="joined")
    await peer.next(type="queue")
    return peer, str(joined["conversation"])


def _record_card(activity: Activity) -> dict[str, str]:
    return {"type": "record", "kind": activity.type, "id": str(activity.object_public_id)}


def test_a_customer_shares_their_record_and_sees_its_live_status_after_it_changes(
    asgi_server: AsgiServer, customer: Any, user_factory: Callable[..., Any]
) -> None:
    cookie = sign_in(customer.login_name)
    mine = pending_top_up(customer.pk)
    theirs = pending_top_up(user_factory().pk)

    async def scenario() -> str:
        peer, conversation = await _join(asgi_server, cookie)
        # Another customer's record: refused with its code and the client id, nothing stored.
        await peer.send(
            type="card", conversation=conversation, client_id="s0", card=_record_card(theirs)
        )
        refused = await peer.next(type="error")
        assert (refused["code"], refused["client_id"]) == ("chat_record_not_found", "s0")
        assert refused["message"] == "没有找到这笔记录，请从记录列表中选择。"

        for _attempt in range(2):  # a retry with the same client id is stored once
            await peer.send(
                type="card", conversation=conversation, client_id="s1", card=_record_card(mine)
            )
        acks = [await peer.next(type="ack"), await peer.next(type="ack")]
        assert [(a["client_id"], a["seq"], a["duplicate"]) for a in acks] == [
            ("s1", 1, False),
            ("s1", 1, True),
        ]
        shared = await peer.next(type="message", seq=1)
        assert (shared["author"], shared["client_id"], shared["text"]) == ("customer", "s1", "")
        (card,) = shared["payload"]["cards"]
        assert (card["title"], card["amount"], card["status_label"]) == (
            "充值",
            "+¥2,000.00",
            "处理中",
        )
        assert card["url"] == f"/records/top_up/{mine.object_public_id}/"
        await peer.close()

        # The top-up settles; the customer comes back (a reload reads from seq 0).
        await sync_to_async(Activity.objects.filter(pk=mine.pk).update)(status="succeeded")
        again, _same = await _join(asgi_server, cookie, conversation=conversation)
        reread = await again.next(type="message", seq=1)
        card = reread["payload"]["cards"][0]
        assert (card["status"], card["status_label"]) == ("succeeded", "成功")
        await again.close()
        return conversation

    conversation = run(scenario())
    assert Message.objects.filter(conversation__public_id=conversation).count() == 1


def test_the_agent_sees_the_shared_card_and_pushes_an_article(
    asgi_server: AsgiServer,
    customer: Any,
    agent_factory: Callable[..., Any],
    load_articles: Callable[..., Any],
) -> None:
    load_articles("how-to-top-up")
    cookie = sign_in(customer.login_name)
    agent, agent_cookie = agent_factory()
    mine = pending_top_up(customer.pk)

    async def scenario() -> None:
        peer, conversation = await _join(asgi_server, cookie)
        await sync_to_async(LiveChat.objects.filter(conversation__public_id=conversation).update)(
            state="assigned", agent_id=agent.pk
        )
        desk = await Peer(asgi_server.ws_url, agent_cookie).open()
        await desk.send(type="join", conversation=conversation, after=0)
        await desk.next(type="joined")

        await peer.send(
            type="card", conversation=conversation, client_id="s1", card=_record_card(mine)
        )
        seen = await desk.next(type="message", seq=1)
        card = seen["payload"]["cards"][0]
        assert (card["kind"], card["id"], card["status"]) == (
            "top_up",
            str(mine.object_public_id),
            "pending",
        )

        await desk.send(
            type="card",
            conversation=conversation,
            client_id="a1",
            card={"type": "article", "slug": "how-to-top-up"},
        )
        await desk.next(type="ack", client_id="a1")
        pushed = await peer.next(type="message", seq=2)
        assert pushed["author"] == "agent"
        assert pushed["payload"]["cards"][0]["url"] == "/help/a/how-to-top-up/"
        # A customer cannot push articles.
        await peer.send(
            type="card",
            conversation=conversation,
            client_id="s2",
            card={"type": "article", "slug": "how-to-top-up"},
        )
        assert (await peer.next(type="error"))["code"] == "chat_not_your_chat"
        # A card frame without a card is a bad frame.
        await peer.send(type="card", conversation=conversation, client_id="s3", card="top_up")
        assert (await peer.next(type="error"))["code"] == "bad_frame"
        await peer.close()
        await desk.close()

    run(scenario())
