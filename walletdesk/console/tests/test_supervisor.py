"""The supervisors' board: agents with presence and load against capacity, each queue's waiting
chats and oldest wait, tickets near their SLA deadline; reassigning a chat. Supervisors only."""

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
from walletdesk.identity.models import AuditEvent
from walletdesk.tickets.models import Team

pytestmark = pytest.mark.django_db
# Session, user, permissions, then presence and load, queues, live chats, teams, tickets due.
BOARD_QUERIES = 13


@pytest.fixture
def supervisor(user_factory: Any) -> Any:
    return user_factory(role=Role.SUPERVISOR, display_name="主管老李")


@pytest.fixture
def supervisor_client(supervisor: Any) -> Client:
    client = Client()
    client.force_login(supervisor)
    return client


def _waiting(customer: Any, team: Team, minutes: int) -> Conversation:
    conversation = Conversation.objects.create(customer=customer, channel="live")
    LiveChat.objects.create(
        conversation=conversation,
        state=ChatState.WAITING,
        team=team,
        queued_at=timezone.now() - timedelta(minutes=minutes),
    )
    return conversation


def test_the_board_shows_presence_load_queues_and_waits(
    customer: Any, agent: Any, supervisor_client: Client
) -> None:
    team = Team.objects.filter(active=True).first() or Team.objects.create(name="general")
    AgentPresence.objects.create(agent=agent, status="online", max_chats=2)
    chat_with(customer, agent)
    _waiting(customer, team, 5)
    _waiting(customer, team, 1)

    response = supervisor_client.get("/desk/console/supervisor/")

    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-agent="{agent.pk}"' in page and "1 / 2" in page
    [queue] = [q for q in response.context["queues"] if q["waiting"]]
    assert queue["waiting"] == 2 and queue["chat_at_risk"]
    assert 5 <= queue["oldest_wait"].total_seconds() / 60 < 6


def test_agents_cannot_open_the_board_and_are_audited(agent: Any) -> None:
    client = Client()
    client.force_login(agent)
    assert client.get("/desk/console/supervisor/").status_code == 403
    assert client.post("/desk/console/supervisor/reassign/", {}).status_code == 403
    denied = AuditEvent.objects.filter(actor_id=agent.pk, action="access_denied")
    assert {e.data.get("permission") for e in denied} == {"console.supervise_chats"}


def test_a_supervisor_reassigns_an_assigned_chat_to_another_agent(
    customer: Any, agent: Any, user_factory: Any, supervisor_client: Client
) -> None:
    other = user_factory(role=Role.AGENT, display_name="客服小王")
    conversation = chat_with(customer, agent)
    response = supervisor_client.post(
        "/desk/console/supervisor/reassign/",
        {"conversation": str(conversation.public_id), "to": f"agent:{other.pk}", "note": "VIP"},
    )
    assert response.status_code == 200 and 'id="board-flash"' in response.content.decode()
    chat = LiveChat.objects.get(conversation=conversation)
    assert (chat.state, chat.offered_to_id, chat.agent_id, chat.handover_note) == (
        ChatState.OFFERED,
        other.pk,
        None,
        "VIP",
    )
    assert chat.passed_by == [agent.pk]
    again = supervisor_client.post(
        "/desk/console/supervisor/reassign/",
        {"conversation": str(conversation.public_id), "to": f"agent:{other.pk}"},
    )
    assert again.status_code == 400  # already offered to that agent


def test_the_board_costs_the_same_queries_for_many_agents_and_chats(
    customer: Any, user_factory: Any, supervisor_client: Client, django_assert_num_queries: Any
) -> None:
    team = Team.objects.filter(active=True).first() or Team.objects.create(name="general")
    supervisor_client.get("/desk/console/supervisor/")
    with django_assert_num_queries(BOARD_QUERIES):
        supervisor_client.get("/desk/console/supervisor/")
    for _ in range(5):
        agent = user_factory(role=Role.AGENT)
        AgentPresence.objects.create(agent=agent, status="online")
        chat_with(customer, agent)
        _waiting(customer, team, 3)
    with django_assert_num_queries(BOARD_QUERIES):
        response = supervisor_client.get("/desk/console/supervisor/")
    assert len(response.context["chats"]) == 10 and len(response.context["agents"]) == 5
