"""The customer 360 beside a chat and a ticket: what it shows (masked), who may open it, and
that it costs the same queries for a long history as for a short one."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from walletdesk.console.tests.conftest import add_history, chat_with, pay, stuck_top_up
from walletdesk.core.actors import Actor
from walletdesk.identity.models import AuditEvent
from walletdesk.tickets import actions as ticket_actions
from walletdesk.tickets.enums import TicketKind

pytestmark = pytest.mark.django_db
# Session, user, permissions, then the panel: the customer, wallet and balances,
# records and the refused attempt's details, refused attempts, top-ups and withdrawals in flight,
# tickets with CSAT, conversations with their live state, the workspace's actions.
PANEL_QUERIES = 23


def _panel_url(conversation: Any) -> str:
    return f"/desk/console/chats/{conversation.public_id}/customer/"


def test_the_panel_shows_identity_wallet_records_and_history_with_masked_contact(
    customer: Any, agent: Any, agent_client: Client
) -> None:
    assert pay(customer, "12.30").status_code == 201
    top_up = stuck_top_up(customer)
    assert pay(customer, "5000.00").status_code >= 400  # refused: not enough money
    ticket = ticket_actions.open_ticket(
        Actor.customer(customer.pk),
        customer_id=customer.pk,
        subject="投诉：退款太慢",
        body="……",
        category="topup_not_arrived",
        kind=TicketKind.COMPLAINT,
    )
    chat_with(customer, csat_score=5)
    conversation = chat_with(customer, agent)

    response = agent_client.get(_panel_url(conversation))

    assert response.status_code == 200
    page = response.content.decode()
    assert "王芳" in page and "138****1234" in page and "13812341234" not in page
    assert "¥1,987.70" in page  # 2,000.00 − 12.30
    assert str(top_up.public_id) in page and top_up.rail_trace_id in page  # in flight, trace id
    assert 'data-reason="insufficient_balance"' in page  # the refused attempt and its reason
    assert ticket.number in page and "★5" in page
    view = response.context["c"]
    assert [line.number for line in view.open_tickets] == [ticket.number]
    assert view.csat_average == 5.0


def test_the_ticket_page_panel_reads_the_tickets_customer(
    customer: Any, agent_client: Client
) -> None:
    ticket = ticket_actions.open_ticket(
        Actor.customer(customer.pk),
        customer_id=customer.pk,
        subject="钱没到账",
        body="……",
        category="topup_not_arrived",
    )
    response = agent_client.get(f"/desk/console/tickets/{ticket.number}/customer/")
    assert response.status_code == 200 and "138****1234" in response.content.decode()
    assert agent_client.get("/desk/console/tickets/WD-0000-000000/customer/").status_code == 404


def test_customers_and_staff_without_the_desk_are_refused(
    customer: Any, agent: Any, user_factory: Any
) -> None:
    conversation = chat_with(customer, agent)
    own = Client()
    own.force_login(customer)
    assert own.get(_panel_url(conversation)).status_code == 403
    outsider = user_factory(role="agent")
    outsider.groups.remove(Group.objects.get(name="agent"))
    client = Client()
    client.force_login(outsider)
    assert client.get(_panel_url(conversation)).status_code == 403
    assert AuditEvent.objects.filter(actor_id=outsider.pk, action="access_denied").exists()
    assert Client().get(_panel_url(conversation)).status_code == 302


def test_the_panel_costs_the_same_queries_for_a_long_history(
    customer: Any, agent: Any, agent_client: Client, django_assert_num_queries: Any
) -> None:
    add_history(customer, 1)
    conversation = chat_with(customer, agent)
    url = _panel_url(conversation)
    agent_client.get(url)  # warm the session and permission caches
    with django_assert_num_queries(PANEL_QUERIES):
        assert agent_client.get(url).status_code == 200
    add_history(customer, 6)
    with django_assert_num_queries(PANEL_QUERIES):
        response = agent_client.get(url)
    assert len(response.context["c"].records) == 8
    assert len(response.context["c"].tickets) == 7
