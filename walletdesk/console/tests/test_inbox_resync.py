"""The console's resync: an offer stored for the agent reaches the console from the database
even when its socket frame was never delivered (the channel layer may drop it)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from walletdesk.chat.live_models import AgentPresence, ChatState, LiveChat
from walletdesk.chat.models import Conversation
from walletdesk.console.tests.conftest import chat_with
from walletdesk.identity.enums import Role

pytestmark = pytest.mark.django_db
# Session, user, permissions, then the agent's live chats and their presence.
INBOX_QUERIES = 9
# Session, user, permissions, the agent's live chats (as the list's chat rows), the open
# tickets' counts.
INBOX_STRIP_QUERIES = 9


def _offer(customer: Any, agent: Any, seconds: int = 30) -> Conversation:
    conversation = Conversation.objects.create(customer=customer, channel="live")
    LiveChat.objects.create(
        conversation=conversation,
        state=ChatState.OFFERED,
        offered_to=agent,
        offer_expires_at=timezone.now() + timedelta(seconds=seconds),
        priority=40,
    )
    return conversation


def test_stored_offers_and_chats_are_listed_without_any_socket_frame(
    customer: Any, agent: Any, user_factory: Any
) -> None:
    AgentPresence.objects.create(agent=agent, status="online", max_chats=4)
    offered = _offer(customer, agent)
    _offer(customer, agent, seconds=-1)  # expired: the router withdraws it
    _offer(customer, user_factory(role=Role.AGENT))  # another agent's
    mine = chat_with(customer, agent)
    client = Client()
    client.force_login(agent)

    state = client.get("/desk/console/inbox-state/").json()

    assert [offer["conversation"] for offer in state["offers"]] == [str(offered.public_id)]
    assert 0 < state["offers"][0]["expires_in"] <= 30 and state["offers"][0]["priority"] == 40
    assert state["assigned"] == [str(mine.public_id)]
    assert state["presence"] == {"status": "online", "max_chats": 4}


def test_the_resync_costs_the_same_queries_for_one_chat_or_many(
    customer: Any, agent: Any, django_assert_num_queries: Any
) -> None:
    client = Client()
    client.force_login(agent)
    _offer(customer, agent)
    client.get("/desk/console/inbox-state/")
    with django_assert_num_queries(INBOX_QUERIES):
        client.get("/desk/console/inbox-state/")
    for _ in range(5):
        _offer(customer, agent)
        chat_with(customer, agent)
    with django_assert_num_queries(INBOX_QUERIES):
        state = client.get("/desk/console/inbox-state/").json()
    assert (len(state["offers"]), len(state["assigned"])) == (6, 5)


def test_customers_get_no_inbox(customer: Any) -> None:
    client = Client()
    client.force_login(customer)
    assert client.get("/desk/console/inbox-state/").status_code == 403


def test_the_inbox_strip_counts_chats_unread_tickets_email_and_callbacks(
    customer: Any, agent: Any, user_factory: Any, django_assert_num_queries: Any
) -> None:
    from walletdesk.chat import actions as chat_actions
    from walletdesk.core.actors import Actor
    from walletdesk.tickets import actions as ticket_actions
    from walletdesk.tickets.enums import Channel

    conversation = chat_with(customer, agent)
    for text in ("在吗", "提现没到账", "卡号尾号 6621"):
        chat_actions.post_message(Actor.customer(customer.pk), conversation.public_id, body=text)
    _offer(customer, agent)
    for channel in (Channel.EMAIL, Channel.APP):
        ticket_actions.open_ticket(
            Actor.customer(customer.pk),
            customer_id=customer.pk,
            subject="钱没到账",
            body="……",
            category="topup_not_arrived",
            channel=channel,
        )
    client = Client()
    client.force_login(agent)
    client.get("/desk/console/inbox/")
    with django_assert_num_queries(INBOX_STRIP_QUERIES):
        response = client.get("/desk/console/inbox/")
    assert response.context["unread"] == 3
    assert (response.context["offers"], response.context["assigned"]) == (1, 1)
    counts = response.context["counts"]
    assert (counts.email, counts.unassigned, counts.mine) == (1, 2, 0)
    assert 'id="inbox-offers"' in response.content.decode()
