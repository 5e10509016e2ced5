"""The assistant answers first in the live chat (chat.bot): it answers the message the chat
already stored (one message, one seq), its quick replies and cards reach the socket, 「转人工」 is
always among them, and its handoff queues the chat for a person."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from walletdesk.chat import live_actions
from walletdesk.chat.live_models import ChatState, LiveChat
from walletdesk.chat.models import Message
from walletdesk.chat.tests.conftest import AsgiServer, Peer, run, sign_in
from walletdesk.chat.tests.test_queue import make_team
from walletdesk.core.actors import Actor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("live_chat_assistant")]


def _thread(conversation: str) -> list[tuple[int, str, str]]:
    return list(
        Message.objects.filter(conversation__public_id=conversation)
        .order_by("seq")
        .values_list("seq", "author_kind", "body")
    )


def test_the_assistant_answers_the_stored_message_without_storing_it_again(
    user_factory: Callable[..., Any],
) -> None:
    customer = Actor.customer(user_factory().pk)
    conversation = str(live_actions.open_chat(customer).public_id)
    live_actions.send(customer, conversation, text="充值之后余额没有变", client_id="c1")

    thread = _thread(conversation)
    assert [(seq, author) for seq, author, _ in thread] == [(1, "customer"), (2, "assistant")]
    assert thread[0][2] == "充值之后余额没有变"
    reply = Message.objects.get(conversation__public_id=conversation, seq=2)
    assert reply.body
    # Talk to a person is one tap away in every answer.
    assert "handoff" in [q["id"] for q in reply.payload["quick_replies"]]
    assert isinstance(reply.payload["cards"], list)
    assert LiveChat.objects.get(conversation__public_id=conversation).state == ChatState.BOT


def test_a_quick_reply_is_one_customer_message_answered_by_the_assistant(
    user_factory: Callable[..., Any],
) -> None:
    customer = Actor.customer(user_factory().pk)
    conversation = str(live_actions.open_chat(customer).public_id)
    live_actions.send(
        customer,
        conversation,
        text="提现没到账",
        client_id="q1",
        quick_reply="topic:withdraw_not_arrived",
    )
    thread = _thread(conversation)
    assert [(seq, author) for seq, author, _ in thread] == [(1, "customer"), (2, "assistant")]
    assert thread[0][2] == "提现没到账"
    stored = Message.objects.get(conversation__public_id=conversation, seq=1)
    assert stored.payload == {"quick_reply": "topic:withdraw_not_arrived"}


def test_a_code_typed_into_the_chat_is_not_kept(user_factory: Callable[..., Any]) -> None:
    customer = Actor.customer(user_factory().pk)
    conversation = str(live_actions.open_chat(customer).public_id)
    live_actions.send(customer, conversation, text="验证码是 739201", client_id="s1")
    thread = _thread(conversation)
    assert "739201" not in thread[0][2]
    assert len(thread) == 2


def test_asking_the_assistant_for_a_person_queues_the_chat(
    user_factory: Callable[..., Any],
) -> None:
    team = make_team()
    customer = Actor.customer(user_factory().pk)
    conversation = str(live_actions.open_chat(customer).public_id)
    live_actions.send(customer, conversation, text="转人工", client_id="h1")

    row = LiveChat.objects.get(conversation__public_id=conversation)
    assert (row.state, row.team_id) == (ChatState.WAITING, team.pk)
    authors = [author for _, author, _ in _thread(conversation)]
    assert authors == ["customer", "assistant", "system"]
    handoff = Message.objects.get(conversation__public_id=conversation, seq=2).payload["handoff"]
    assert handoff["ticket"] == "" and "Intent:" in handoff["summary"]
    # No ticket: in the live chat a person takes the chat itself.
    assert row.ticket_number == ""
    # Once a person is on the way, the assistant stays out of the chat.
    live_actions.send(customer, conversation, text="还在吗", client_id="h2")
    assert [author for _, author, _ in _thread(conversation)][-1] == "customer"


@pytest.mark.django_db(transaction=True)
def test_over_the_socket_the_ack_comes_first_then_the_answer(
    asgi_server: AsgiServer, customer: Any
) -> None:
    cookie = sign_in(customer.login_name)

    async def scenario() -> None:
        peer = await Peer(asgi_server.ws_url, cookie).open()
        await peer.send(type="join", conversation=None, after=0)
        conversation = (await peer.next(type="joined"))["conversation"]
        await peer.send(type="send", conversation=conversation, client_id="w1", text="怎么提现")
        ack = await peer.next(type="ack")
        answer = await peer.next(type="message", seq=2)
        kinds = [f["type"] for f in peer.frames]
        assert kinds.index("ack") < peer.frames.index(answer)
        assert ack["seq"] == 1 and answer["author"] == "assistant"
        assert "handoff" in [q["id"] for q in answer["payload"]["quick_replies"]]
        await peer.close()

    run(scenario())


@pytest.mark.django_db(transaction=True)
def test_joining_a_new_chat_during_an_incident_the_assistant_speaks_first(
    asgi_server: AsgiServer, customer: Any
) -> None:
    from walletdesk.helpcenter import facade as helpcenter

    # Payments are everyone's rail: an incident there concerns every customer.
    incident = helpcenter.open_incident(
        title="付款处理缓慢",
        title_en="Slow payments",
        components=("payments",),
        message="部分付款处理变慢，资金安全不受影响。",
        message_en="Some payments are slow. Your money is safe.",
    )
    cookie = sign_in(customer.login_name)

    async def scenario() -> None:
        peer = await Peer(asgi_server.ws_url, cookie).open()
        await peer.send(type="join", conversation=None, after=0)
        joined = await peer.next(type="joined")
        # The opening is in the chat before the customer has written a word.
        assert joined["last_seq"] == 1
        opening = await peer.next(type="message", seq=1)
        assert opening["author"] == "assistant"
        assert f"{incident.title}：{incident.latest_message}".rstrip("。") in opening["text"]
        assert "。。" not in opening["text"]
        assert "handoff" in [q["id"] for q in opening["payload"]["quick_replies"]]
        await peer.close()
        # Joining again (a reload): the same chat, no second opening.
        again = await Peer(asgi_server.ws_url, cookie).open()
        await again.send(type="join", conversation=None, after=0)
        rejoined = await again.next(type="joined")
        assert (rejoined["conversation"], rejoined["last_seq"]) == (joined["conversation"], 1)
        await again.close()

    run(scenario())


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("header", "language", "expected"),
    [
        ("cookie", "en", "Slow payments"),
        ("accept-language", "en-US,en;q=0.9", "Slow payments"),
        ("none", "", "付款处理缓慢"),
    ],
)
def test_a_new_chat_speaks_the_language_the_page_was_drawn_in(
    asgi_server: AsgiServer, customer: Any, header: str, language: str, expected: str
) -> None:
    """The account says Chinese (the default); the app was switched to English (the language
    cookie) or the phone asks for English: the chat, its opening included, is in English."""
    from walletdesk.chat.models import Conversation
    from walletdesk.helpcenter import facade as helpcenter

    helpcenter.open_incident(
        title="付款处理缓慢",
        title_en="Slow payments",
        components=("payments",),
        message="部分付款处理变慢，资金安全不受影响。",
        message_en="Some payments are slow. Your money is safe.",
    )
    assert customer.preferred_language == "zh-hans"
    cookie = sign_in(customer.login_name)
    if header == "cookie":
        cookie = f"{cookie}; django_language={language}"

    async def scenario() -> None:
        headers = {"Accept-Language": language} if header == "accept-language" else {}
        peer = await Peer(asgi_server.ws_url, cookie, extra_headers=headers).open()
        await peer.send(type="join", conversation=None, after=0)
        joined = await peer.next(type="joined")
        opening = await peer.next(type="message", seq=1)
        assert expected in opening["text"]
        await peer.close()
        stored = await sync_to_async(
            lambda: Conversation.objects.get(public_id=joined["conversation"]).language
        )()
        assert stored == ("en" if language else "zh-hans")

    run(scenario())
