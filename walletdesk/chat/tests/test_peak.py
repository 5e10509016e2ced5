"""At peak (a long or unknown estimated wait) a queued customer gets the help articles that best
match what they wrote, once; with a short wait they get none."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import override_settings

from walletdesk.chat import live_actions
from walletdesk.chat.live_models import ChatState
from walletdesk.chat.models import Message
from walletdesk.chat.tests.test_queue import agent_in, chat, team
from walletdesk.core.actors import Actor
from walletdesk.helpcenter.tests.conftest import (
    _fresh_search_state,
    categories,
    help_articles,
    load_articles,
)
from walletdesk.tickets.models import Team

pytestmark = pytest.mark.django_db
__all__ = [  # fixtures
    "_fresh_search_state",
    "agent_in",
    "categories",
    "help_articles",
    "load_articles",
    "team",
]


def _queued(user_factory: Callable[..., Any], text: str) -> str:
    customer = Actor.customer(user_factory().pk)
    conversation = str(live_actions.open_chat(customer).public_id)
    live_actions.send(customer, conversation, text=text, client_id="c1")
    live_actions.request_agent(customer, conversation)
    return conversation


def _peak(conversation: str) -> list[Message]:
    return list(
        Message.objects.filter(conversation__public_id=conversation, payload__kind="peak_articles")
    )


@pytest.mark.usefixtures("help_articles")
def test_with_nobody_online_the_customer_gets_the_most_relevant_articles_once(
    team: Team, user_factory: Callable[..., Any]
) -> None:
    conversation = _queued(user_factory, "我的提现还没到账")
    assert chat(conversation).state == ChatState.WAITING
    [answer] = _peak(conversation)
    assert answer.author_kind == "system"
    assert answer.payload["articles"][0] == "withdrawal-not-arrived"
    assert all(card["type"] == "article" for card in answer.payload["cards"])
    assert 1 <= len(answer.payload["cards"]) <= 3
    # Asking again does not repeat it.
    customer = Actor.customer(chat(conversation).conversation.customer_id)
    live_actions.request_agent(customer, conversation)
    assert len(_peak(conversation)) == 1


@pytest.mark.usefixtures("help_articles")
def test_above_the_threshold_the_wait_is_said_and_below_it_nothing_is_sent(
    team: Team, agent_in: Callable[..., Actor], user_factory: Callable[..., Any]
) -> None:
    agent_in(team, max_chats=1)
    _queued(user_factory, "充值没到账")  # takes the only slot
    with override_settings(CHAT_PEAK_WAIT_SECONDS=60):
        busy = _queued(user_factory, "充值没到账")
    [answer] = _peak(busy)
    assert "分钟" in answer.body
    with override_settings(CHAT_PEAK_WAIT_SECONDS=3600):
        calm = _queued(user_factory, "充值没到账")
    assert chat(calm).state == ChatState.WAITING and _peak(calm) == []
