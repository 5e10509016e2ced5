"""Routing under concurrency (PostgreSQL; SQLite serialises writers anyway): several routers at
once never offer a chat twice and never fill an agent past their capacity."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections  # noqa: F401 - `connection` is read by skipif
from django.utils import timezone

from walletdesk.chat import live_actions, queue
from walletdesk.chat.live_models import ChatState, LiveChat
from walletdesk.core.actors import Actor
from walletdesk.identity.enums import Role
from walletdesk.tickets.models import BusinessCalendar, Team, TeamMembership

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs concurrent writers"),
]

ROUTERS = 6
AGENTS = 5
MAX_CHATS = 3
CHATS = 40


def test_concurrent_routers_never_offer_a_chat_twice_or_overfill_an_agent(
    user_factory: Callable[..., Any],
) -> None:
    team = Team.objects.create(
        name="chat-desk",
        title_zh="在线客服",
        title_en="Live chat",
        calendar=BusinessCalendar.objects.get(name="24x7"),
        position=1,
    )
    agents = [user_factory(role=Role.AGENT) for _ in range(AGENTS)]
    for agent in agents:
        TeamMembership.objects.create(team=team, agent=agent)
    # Customers queue while every agent is away, so the routers below find the whole queue.
    conversations = []
    for _ in range(CHATS):
        customer = Actor.customer(user_factory().pk)
        row = live_actions.open_chat(customer)
        live_actions.request_agent(customer, row.public_id)
        conversations.append(str(row.public_id))
    for agent in agents:
        live_actions.set_presence(Actor.agent(agent.pk), "away", max_chats=MAX_CHATS)
    from walletdesk.chat.models import AgentPresence

    AgentPresence.objects.update(status="online")

    def race(now: Any) -> list[queue.Offer]:
        offers: list[queue.Offer] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(ROUTERS, timeout=30)

        def work(index: int) -> None:
            try:
                barrier.wait()
                for _round in range(6):
                    if index % 2:
                        offers.extend(queue.route_all(now))
                    else:
                        offers.extend(queue.dispatch(team.pk, now))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=work, args=(n,)) for n in range(ROUTERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
        return offers

    def check(offers: list[queue.Offer]) -> None:
        counted = Counter(o.conversation for o in offers)
        assert max(counted.values()) == 1, "a chat was offered twice"
        rows = list(LiveChat.objects.filter(conversation__public_id__in=conversations))
        holding = Counter(r.offered_to_id for r in rows if r.state == ChatState.OFFERED)
        assert holding == Counter({agent.pk: MAX_CHATS for agent in agents})
        assert {r.state for r in rows} == {ChatState.OFFERED, ChatState.WAITING}

    now = timezone.now()
    first = race(now)
    check(first)
    # Every offer runs out: the routers expire them and offer the chats again, once each.
    second = race(now + timedelta(seconds=queue.offer_seconds() + 1))
    check(second)
