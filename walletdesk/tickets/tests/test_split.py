"""Splitting a ticket: public replies chosen by an agent start a new ticket for the same customer
(copied, so the source keeps its history), both timelines say so, the customer sees the new
ticket; refusals carry `ticket_split_invalid`. The action, then the desk page's POST."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from walletdesk.core.actors import Actor
from walletdesk.identity.enums import Role
from walletdesk.payments.models import Activity
from walletdesk.tickets import actions, selectors
from walletdesk.tickets.enums import EventKind, LinkKind, TicketStatus, Visibility
from walletdesk.tickets.errors import TicketActionNotAllowedError, TicketSplitInvalidError
from walletdesk.tickets.integration_models import WebhookDelivery, WebhookEndpoint
from walletdesk.tickets.models import Ticket, TicketEvent, TicketMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(user_factory: Callable[..., Any]) -> Any:
    return user_factory(role=Role.AGENT, display_name="客服小周")


@pytest.fixture
def agent_client(agent: Any) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def top_up(user_id: int) -> Activity:
    return Activity.objects.create(
        user_id=user_id,
        type="top_up",
        status="pending",
        currency="CNY",
        amount=2_000_00,
        title="银行卡充值",
        object_public_id=uuid.uuid4(),
        created_at=timezone.now(),
    )


def ticket_with_two_requests(customer: Any, agent: Any) -> tuple[Ticket, list[TicketMessage]]:
    """A top-up question, then in the same ticket a second, unrelated request about a card."""
    record = top_up(customer.pk)
    me = Actor.customer(customer.pk)
    ticket = actions.open_ticket(
        me,
        customer_id=customer.pk,
        subject="充值没到账",
        body="我昨天充值了 2000 元，到现在还没到账。",
        category="topup_not_arrived",
        records=[actions.RecordRef(LinkKind.TOP_UP, str(record.object_public_id))],
    )
    actions.add_message(Actor.agent(agent.pk), ticket.number, "正在为您查询充值。")
    card = [
        actions.add_message(me, ticket.number, "另外我的银行卡绑不上。"),
        actions.add_message(me, ticket.number, "提示“卡号无效”。"),
    ]
    return ticket, card


def kinds(ticket: Ticket) -> list[str]:
    return list(ticket.events.order_by("pk").values_list("kind", flat=True))


# --- The action -------------------------------------------------------------------------------


def test_chosen_replies_start_a_new_ticket_for_the_same_customer(customer: Any, agent: Any) -> None:
    source, card = ticket_with_two_requests(customer, agent)
    source_messages = list(source.messages.order_by("pk").values_list("pk", "body"))

    new = actions.split(
        Actor.agent(agent.pk),
        source.number,
        [str(m.public_id) for m in card],
        subject="银行卡绑不上",
        category="card_declined",
        note="另一个问题",
    )

    assert new.number != source.number and new.customer_id == customer.pk
    assert (new.subject, new.category.slug) == ("银行卡绑不上", "card_declined")
    copied = list(new.messages.order_by("created_at", "pk"))
    assert [(m.body, m.author_kind, m.visibility) for m in copied] == [
        ("另外我的银行卡绑不上。", "customer", Visibility.PUBLIC),
        ("提示“卡号无效”。", "customer", Visibility.PUBLIC),
    ]
    assert [m.created_at for m in copied] == [m.created_at for m in card]  # when they were said
    # Copied, not moved: the source keeps its whole history.
    assert list(source.messages.order_by("pk").values_list("pk", "body")) == source_messages
    assert list(new.links.values_list("kind", "object_id")) == list(
        source.links.values_list("kind", "object_id")
    )

    split_into = TicketEvent.objects.get(ticket=source, kind=EventKind.SPLIT_INTO)
    split_from = TicketEvent.objects.get(ticket=new, kind=EventKind.SPLIT_FROM)
    assert (split_into.actor, split_into.to_value, split_into.note) == (
        f"agent:{agent.pk}",
        new.number,
        "另一个问题",
    )
    assert (split_from.actor, split_from.to_value) == (f"agent:{agent.pk}", source.number)
    assert kinds(new)[:2] == [EventKind.CREATED, EventKind.SPLIT_FROM]
    assert kinds(new).count(EventKind.MESSAGE) == 2
    assert new.status == TicketStatus.NEW and new.sla_timers.filter(metric="first_reply").exists()

    # The customer sees the new ticket in their list, and both steps in plain words.
    assert new.number in [t.number for t in Ticket.objects.filter(customer_id=customer.pk)]
    assert any(new.number in step.text for step in selectors.customer_progress(source))
    assert any(source.number in step.text for step in selectors.customer_progress(new))


def test_the_category_and_records_default_to_the_sources(customer: Any, agent: Any) -> None:
    source, card = ticket_with_two_requests(customer, agent)
    new = actions.split(Actor.agent(agent.pk), source.number, [str(card[0].public_id)], records=[])
    assert (new.subject, new.category_id) == (source.subject, source.category_id)
    assert not new.links.exists()


def test_a_closed_ticket_is_not_split(customer: Any, agent: Any) -> None:
    source, card = ticket_with_two_requests(customer, agent)
    Ticket.objects.filter(pk=source.pk).update(status=TicketStatus.CLOSED)
    with pytest.raises(TicketSplitInvalidError) as refused:
        actions.split(Actor.agent(agent.pk), source.number, [str(card[0].public_id)])
    assert refused.value.code == "ticket_split_invalid"
    assert Ticket.objects.count() == 1


def test_messages_of_another_ticket_notes_and_nothing_are_refused(
    customer: Any, agent: Any
) -> None:
    source, card = ticket_with_two_requests(customer, agent)
    _other, other_card = ticket_with_two_requests(customer, agent)
    note = actions.add_message(
        Actor.agent(agent.pk), source.number, "内部备注", visibility=Visibility.INTERNAL
    )
    staff = Actor.agent(agent.pk)
    for chosen in (
        [str(card[0].public_id), str(other_card[0].public_id)],
        [str(note.public_id)],
        ["not-a-message-id"],
        [],
    ):
        with pytest.raises(TicketSplitInvalidError) as refused:
            actions.split(staff, source.number, chosen)
        assert refused.value.code == "ticket_split_invalid"
    assert Ticket.objects.count() == 2
    assert not TicketEvent.objects.filter(kind=EventKind.SPLIT_INTO).exists()


def test_customers_cannot_split(customer: Any, agent: Any) -> None:
    source, card = ticket_with_two_requests(customer, agent)
    with pytest.raises(TicketActionNotAllowedError):
        actions.split(Actor.customer(customer.pk), source.number, [str(card[0].public_id)])


def test_the_split_is_announced_to_the_webhooks(customer: Any, agent: Any) -> None:
    WebhookEndpoint.objects.create(name="crm", url="http://127.0.0.1:9/hooks")
    source, card = ticket_with_two_requests(customer, agent)
    WebhookDelivery.objects.all().delete()
    new = actions.split(Actor.agent(agent.pk), source.number, [str(m.public_id) for m in card])
    sent = sorted(
        (d.payload["data"]["ticket"]["number"], d.event_type)
        for d in WebhookDelivery.objects.exclude(event_type="ticket.updated")
    )
    assert sent == sorted(
        [
            (source.number, "ticket.split"),
            (new.number, "ticket.created"),
            (new.number, "ticket.message_added"),
            (new.number, "ticket.message_added"),
        ]
    )


# --- The desk page ----------------------------------------------------------------------------


def test_split_from_the_page(customer: Any, agent: Any, agent_client: Client) -> None:
    source, card = ticket_with_two_requests(customer, agent)
    page = agent_client.get(f"/desk/{source.number}/").content.decode()
    assert 'id="split-form"' in page and str(card[0].public_id) in page

    response = agent_client.post(
        f"/desk/{source.number}/split/",
        {"message": [str(card[0].public_id)], "subject": "银行卡绑不上", "category": ""},
    )
    new = Ticket.objects.exclude(pk=source.pk).get()
    assert response["Location"] == f"/desk/{new.number}/"
    assert new.subject == "银行卡绑不上" and new.category_id == source.category_id

    refused = agent_client.post(f"/desk/{source.number}/split/", {}, follow=True)
    assert "这张工单不能拆分：请至少选择一条公开回复。" in refused.content.decode()
    missing = {"message": [str(card[1].public_id)]}
    assert agent_client.post("/desk/WD-0000-000000/split/", missing).status_code == 404


def test_customers_cannot_reach_the_split(
    customer: Any, customer_client: Client, agent: Any
) -> None:
    source, card = ticket_with_two_requests(customer, agent)
    response = customer_client.post(
        f"/desk/{source.number}/split/", {"message": [str(card[0].public_id)]}
    )
    assert response.status_code == 403
    assert Ticket.objects.count() == 1


def test_the_split_costs_the_same_queries_for_one_reply_or_many(
    customer: Any, agent: Any, agent_client: Client, django_assert_num_queries: Any
) -> None:
    def split_queries(count: int) -> int:
        source, _card = ticket_with_two_requests(customer, agent)
        replies = [
            actions.add_message(Actor.customer(customer.pk), source.number, f"补充 {n}")
            for n in range(count)
        ]
        with CaptureQueriesContext(connection) as captured:
            response = agent_client.post(
                f"/desk/{source.number}/split/",
                {"message": [str(m.public_id) for m in replies]},
            )
        assert response.status_code == 302
        return len(captured.captured_queries)

    one, many = split_queries(1), split_queries(6)
    assert one == many
    source, card = ticket_with_two_requests(customer, agent)
    with django_assert_num_queries(one):
        agent_client.post(f"/desk/{source.number}/split/", {"message": [str(card[0].public_id)]})
