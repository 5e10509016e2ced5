"""Re-queueing (docs/chat-protocol.md, "Re-queueing"): an agent who goes away or offline hands
their chats back to the front of the queue; an agent who leaves the customer's last message
unanswered too long loses the chat to the front of the queue and the customer is told. The
periodic job (beat `requeue-live-chats`) is called directly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from walletdesk.chat import live_actions, live_selectors, queue, tasks
from walletdesk.chat.live_models import AgentPresence, ChatState
from walletdesk.chat.models import Message
from walletdesk.chat.tests.test_queue import agent_in, chat, team, waiting_chat
from walletdesk.core.actors import Actor
from walletdesk.tickets.models import Team

pytestmark = pytest.mark.django_db
__all__ = ["agent_in", "team"]  # fixtures


def _system_texts(conversation: str) -> list[str]:
    return list(
        Message.objects.filter(conversation__public_id=conversation, author_kind="system")
        .order_by("seq")
        .values_list("body", flat=True)
    )


def _busy_queue(
    team: Team, agent_in: Callable[..., Actor], user_factory: Callable[..., Any]
) -> tuple[Actor, str, list[str]]:
    """One agent (one slot) with a chat, and two chats waiting behind it."""
    agent = agent_in(team, max_chats=1)
    mine = waiting_chat(user_factory)[1]
    live_actions.accept_offer(agent, mine)
    others = [waiting_chat(user_factory)[1], waiting_chat(user_factory)[1]]
    assert [chat(c).state for c in others] == [ChatState.WAITING, ChatState.WAITING]
    return agent, mine, others


def test_an_agent_who_goes_away_hands_their_chats_back_to_the_front_of_the_queue(
    team: Team, agent_in: Callable[..., Actor], user_factory: Callable[..., Any]
) -> None:
    agent, mine, others = _busy_queue(team, agent_in, user_factory)
    live_actions.set_presence(agent, "away")

    row = chat(mine)
    assert (row.state, row.agent_id, row.passed_by) == (ChatState.WAITING, None, [agent.user_id])
    frame = live_selectors.queue_frame(mine)
    assert (frame["state"], frame["position"]) == ("waiting", 1)
    assert [live_selectors.queue_frame(c)["position"] for c in others] == [2, 3]
    assert "step away" in _system_texts(mine)[-1] or "暂时离开" in _system_texts(mine)[-1]

    # The next agent online gets the handed-back chat first.
    colleague = agent_in(team, max_chats=1)
    assert chat(mine).offered_to_id == colleague.user_id
    assert [chat(c).state for c in others] == [ChatState.WAITING, ChatState.WAITING]


def test_the_job_hands_back_the_chats_of_an_agent_no_longer_online(
    team: Team, agent_in: Callable[..., Actor], user_factory: Callable[..., Any]
) -> None:
    agent, mine, _others = _busy_queue(team, agent_in, user_factory)
    # Presence changed without the action (the agent's session ended, an admin edit).
    AgentPresence.objects.filter(agent_id=agent.user_id).update(status="offline")
    assert tasks.requeue_chats() == {"handed_back": 1, "silent": 0}
    assert chat(mine).state == ChatState.WAITING
    assert live_selectors.queue_frame(mine)["position"] == 1
    assert tasks.requeue_chats() == {"handed_back": 0, "silent": 0}


def test_an_agent_silent_too_long_after_the_customer_wrote_loses_the_chat(
    team: Team, agent_in: Callable[..., Actor], user_factory: Callable[..., Any]
) -> None:
    agent, mine, others = _busy_queue(team, agent_in, user_factory)
    customer = Actor.customer(chat(mine).conversation.customer_id)
    live_actions.send(customer, mine, text="还在吗？", client_id="c2")
    soon = timezone.now() + timedelta(seconds=queue.silence_seconds() - 5)
    assert live_actions.requeue_stalled(soon) == {"handed_back": 0, "silent": 0}

    later = timezone.now() + timedelta(seconds=queue.silence_seconds() + 1)
    assert live_actions.requeue_stalled(later)["silent"] == 1
    row = chat(mine)
    # Back at the front, but not offered to the silent agent again even though their slot is
    # the only one free: the customer was told another agent is coming. The slot goes to the
    # next customer waiting.
    assert (row.state, row.agent_id, row.offered_to_id) == (ChatState.WAITING, None, None)
    assert row.passed_by == [agent.user_id] and row.silent_agent_id == agent.user_id
    assert live_selectors.queue_frame(mine)["position"] == 1
    assert chat(others[0]).offered_to_id == agent.user_id
    last = _system_texts(mine)[-1]
    assert "Sorry for the wait" in last or "抱歉让你久等" in last

    # Another agent who comes online gets it.
    colleague = agent_in(team, max_chats=1)
    assert chat(mine).offered_to_id == colleague.user_id


def test_a_chat_taken_from_a_silent_agent_goes_back_to_them_only_after_another_window(
    team: Team, agent_in: Callable[..., Actor], user_factory: Callable[..., Any]
) -> None:
    agent = agent_in(team, max_chats=2)
    mine = waiting_chat(user_factory)[1]
    live_actions.accept_offer(agent, mine)
    customer = Actor.customer(chat(mine).conversation.customer_id)
    live_actions.send(customer, mine, text="还在吗？", client_id="c2")
    window = timedelta(seconds=queue.silence_seconds())
    later = timezone.now() + window + timedelta(seconds=1)
    live_actions.requeue_stalled(later)
    assert (chat(mine).state, chat(mine).offered_to_id) == (ChatState.WAITING, None)

    # Within the next window the agent, though free, is not offered it; after it, nobody else
    # having come, they are, so the customer is never stranded.
    queue.route_all(later + window - timedelta(seconds=1))
    assert chat(mine).state == ChatState.WAITING
    queue.route_all(later + window + timedelta(seconds=1))
    assert chat(mine).offered_to_id == agent.user_id


def test_an_answered_customer_or_a_quiet_customer_keeps_their_agent(
    team: Team, agent_in: Callable[..., Actor], user_factory: Callable[..., Any]
) -> None:
    agent, mine, _others = _busy_queue(team, agent_in, user_factory)
    customer = Actor.customer(chat(mine).conversation.customer_id)
    live_actions.send(customer, mine, text="在吗", client_id="c2")
    live_actions.send(agent, mine, text="在的，请讲", client_id="a1")
    later = timezone.now() + timedelta(seconds=queue.silence_seconds() + 60)
    assert live_actions.requeue_stalled(later) == {"handed_back": 0, "silent": 0}
    assert chat(mine).state == ChatState.ASSIGNED
