"""Cards in the live chat: a record card shows the record's status as it is when the message is
read, not as it was when the card was sent. A record shared in the chat (by its customer, or by
the agent who has the chat) stores the reference only and is drawn whole from the record; an
agent pushes a help-center article (docs/chat-protocol.md, "Cards")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from walletdesk.chat import live_actions, live_selectors
from walletdesk.chat.errors import (
    ChatArticleNotFoundError,
    ChatNotYoursError,
    ChatRecordNotFoundError,
)
from walletdesk.chat.live_models import LiveChat
from walletdesk.chat.models import Message
from walletdesk.core.actors import Actor
from walletdesk.helpcenter.tests.conftest import _fresh_search_state, categories, load_articles
from walletdesk.identity.enums import Role
from walletdesk.payments.models import Activity
from walletdesk.tickets.tests.test_pages import pending_top_up

pytestmark = pytest.mark.django_db
__all__ = ["_fresh_search_state", "categories", "load_articles"]  # fixtures


def test_a_record_card_shows_the_live_status_and_an_article_card_as_sent(
    user_factory: Callable[..., Any],
) -> None:
    user = user_factory()
    record = pending_top_up(user.pk)
    conversation = str(live_actions.open_chat(Actor.customer(user.pk)).public_id)
    url = reverse("payments:record-detail", args=["top_up", record.object_public_id])
    cards = [
        {"type": "record", "title": "银行卡充值", "url": url, "subtitle": "", "fields": []},
        {
            "type": "article",
            "title": "充值多久到账",
            "url": "/help/x/",
            "subtitle": "",
            "fields": [],
        },
    ]
    live_actions.post_system(conversation, "这笔充值正在处理", {"cards": cards})

    first = live_selectors.frames_after(conversation, 0)[0]["payload"]["cards"]
    assert (first[0]["status"], first[0]["status_label"]) == ("pending", "处理中")
    assert "status" not in first[1]

    Activity.objects.filter(pk=record.pk).update(status="succeeded")
    later = live_selectors.frames_after(conversation, 0)[0]["payload"]["cards"]
    assert later[0]["status"] == "succeeded"
    # Another customer's record never shows its status in my chat.
    stranger = user_factory()
    theirs = pending_top_up(stranger.pk)
    url = reverse("payments:record-detail", args=["top_up", theirs.object_public_id])
    live_actions.post_system(
        conversation, "x", {"cards": [{"type": "record", "title": "x", "url": url}]}
    )
    assert "status" not in live_selectors.frames_after(conversation, 1)[0]["payload"]["cards"][0]


def _card(conversation: str) -> dict[str, Any]:
    frame = live_selectors.frames_after(conversation, 0)[-1]
    cards: list[dict[str, Any]] = frame["payload"]["cards"]
    assert len(cards) == 1
    return cards[0]


def test_a_customer_shares_their_record_and_the_card_is_drawn_from_it_on_every_read(
    user_factory: Callable[..., Any],
) -> None:
    user = user_factory()
    me = Actor.customer(user.pk)
    record = pending_top_up(user.pk)
    conversation = str(live_actions.open_chat(me).public_id)
    card = {"type": "record", "kind": "top_up", "id": str(record.object_public_id).upper()}
    # Whatever else the client puts in the card is not stored.
    stored = live_actions.send_card(
        me, conversation, card={**card, "amount": "¥1.00", "status": "succeeded"}, client_id="k1"
    )
    again = live_actions.send_card(me, conversation, card=card, client_id="k1")
    assert stored.created and not again.created and again.message.pk == stored.message.pk
    assert stored.message.payload == {
        "cards": [{"type": "record", "kind": "top_up", "id": str(record.object_public_id)}]
    }
    assert stored.message.author_kind == "customer" and stored.message.body == ""

    drawn = _card(conversation)
    assert drawn["title"] == "充值" and drawn["amount"] == "+¥2,000.00"
    assert (drawn["status"], drawn["status_label"]) == ("pending", "处理中")
    assert drawn["subtitle"] == timezone.localtime(record.created_at).strftime("%Y-%m-%d %H:%M")
    assert drawn["fields"] == [{"label": "金额", "value": "+¥2,000.00"}]
    assert drawn["url"] == reverse(
        "payments:record-detail", args=["top_up", record.object_public_id]
    )
    # The top-up settles later: the same message now reads "succeeded".
    Activity.objects.filter(pk=record.pk).update(status="succeeded")
    assert (_card(conversation)["status"], _card(conversation)["status_label"]) == (
        "succeeded",
        "成功",
    )


def test_a_shared_card_reads_in_the_conversations_language(
    user_factory: Callable[..., Any],
) -> None:
    user = user_factory()
    me = Actor.customer(user.pk)
    record = pending_top_up(user.pk)
    conversation = str(live_actions.open_chat(me, language="en").public_id)
    card = {"type": "record", "kind": "top_up", "id": str(record.object_public_id)}
    live_actions.send_card(me, conversation, card=card, client_id="k1")
    drawn = _card(conversation)
    assert (drawn["title"], drawn["status_label"]) == ("Top-up", "Processing")
    assert drawn["fields"][0]["label"] == "Amount"


def test_another_customers_record_is_refused_and_nothing_is_stored(
    user_factory: Callable[..., Any],
) -> None:
    user, stranger = user_factory(), user_factory()
    me = Actor.customer(user.pk)
    conversation = str(live_actions.open_chat(me).public_id)
    theirs = pending_top_up(stranger.pk)
    for card in (
        {"type": "record", "kind": "top_up", "id": str(theirs.object_public_id)},
        {"type": "record", "kind": "withdrawal", "id": str(theirs.object_public_id)},
        {"type": "record", "kind": "top_up", "id": "not-a-uuid"},
    ):
        with pytest.raises(ChatRecordNotFoundError):
            live_actions.send_card(me, conversation, card=card, client_id="k1")
    # Articles are the agent's to push.
    with pytest.raises(ChatNotYoursError):
        live_actions.send_card(
            me, conversation, card={"type": "article", "slug": "how-to-top-up"}, client_id="k2"
        )
    assert not Message.objects.filter(conversation__public_id=conversation).exists()


def test_the_agent_pushes_an_article_and_a_record_of_this_customer_only(
    user_factory: Callable[..., Any], load_articles: Callable[..., Any]
) -> None:
    load_articles("how-to-top-up")
    user, stranger = user_factory(), user_factory()
    agent = Actor.agent(user_factory(role=Role.AGENT).pk)
    conversation = live_actions.open_chat(Actor.customer(user.pk))
    LiveChat.objects.filter(conversation=conversation).update(
        state="assigned", agent_id=agent.user_id
    )
    conversation_id = str(conversation.public_id)

    live_actions.send_card(
        agent, conversation_id, card={"type": "article", "slug": "how-to-top-up"}, client_id="a1"
    )
    article = _card(conversation_id)
    assert article["type"] == "article" and article["url"] == reverse(
        "helpcenter:article", args=["how-to-top-up"]
    )
    assert article["title"] and "status" not in article
    with pytest.raises(ChatArticleNotFoundError):
        live_actions.send_card(
            agent, conversation_id, card={"type": "article", "slug": "nope"}, client_id="a2"
        )

    mine = pending_top_up(user.pk)
    live_actions.send_card(
        agent,
        conversation_id,
        card={"type": "record", "kind": "top_up", "id": str(mine.object_public_id)},
        client_id="a3",
    )
    assert _card(conversation_id)["status"] == "pending"
    theirs = pending_top_up(stranger.pk)
    with pytest.raises(ChatRecordNotFoundError):
        live_actions.send_card(
            agent,
            conversation_id,
            card={"type": "record", "kind": "top_up", "id": str(theirs.object_public_id)},
            client_id="a4",
        )
    assert Message.objects.filter(conversation=conversation).count() == 2


def test_drawing_the_cards_costs_the_same_queries_however_many(
    user_factory: Callable[..., Any], django_assert_num_queries: Any
) -> None:
    user = user_factory()
    me = Actor.customer(user.pk)
    conversation = str(live_actions.open_chat(me).public_id)

    def share(n: int) -> None:
        record = pending_top_up(user.pk)
        card = {"type": "record", "kind": "top_up", "id": str(record.object_public_id)}
        live_actions.send_card(me, conversation, card=card, client_id=f"k{n}")

    share(0)
    # The messages, the conversation (its customer and language) and every record at once.
    with django_assert_num_queries(3):
        one = live_selectors.frames_after(conversation, 0)
    for n in range(1, 6):
        share(n)
    with django_assert_num_queries(3):
        six = live_selectors.frames_after(conversation, 0)
    assert len(one) == 1 and len(six) == 6
    assert all(f["payload"]["cards"][0]["status"] == "pending" for f in six)
