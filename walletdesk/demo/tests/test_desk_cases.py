"""The demo desk: seed_demo calls seed_desk, which writes a living desk through the tickets
facade, and a second run adds nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from walletdesk.demo.desk_cases import CASES, seed_desk
from walletdesk.notifications.models import Message
from walletdesk.tickets.enums import Channel, EventKind, TicketKind, TicketStatus
from walletdesk.tickets.models import (
    CallLog,
    InboundEmail,
    OutboundEmail,
    Ticket,
    TicketEvent,
    TicketRating,
)

# Committed, as `make run` seeds: rail submissions and jobs run after commit.
pytestmark = pytest.mark.django_db(transaction=True)


def assert_threaded_by_the_intake(thread: Ticket) -> None:
    """The demo's email thread as the mail intake built it: the customer's mail created the
    ticket, the agent's reply went out by email, the customer's answer was threaded onto it."""
    assert list(
        thread.messages.filter(visibility="public")
        .order_by("pk")
        .values_list("author_kind", flat=True)
    ) == ["customer", "agent", "customer"]
    assert list(
        InboundEmail.objects.filter(ticket=thread).order_by("pk").values_list("outcome", flat=True)
    ) == ["created", "appended"]
    assert OutboundEmail.objects.filter(ticket=thread, ticket_message__author_kind="agent").exists()


def test_the_demo_desk_is_alive_and_written_once() -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO())  # seed_demo writes the desk
    assert f"{len(CASES)} demo tickets added" in out.getvalue()
    counts = (
        Ticket.objects.count(),
        TicketEvent.objects.count(),
        TicketRating.objects.count(),
        CallLog.objects.count(),
        Message.objects.filter(category="staff").count(),
        InboundEmail.objects.count(),
        OutboundEmail.objects.count(),
    )

    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses >= set(TicketStatus.values)
    channels = set(Ticket.objects.values_list("channel", flat=True))
    assert channels >= set(Channel.values)

    # A merged pair of the same customer.
    duplicate = Ticket.objects.get(merged_into__isnull=False)
    assert duplicate.customer_id == duplicate.merged_into.customer_id  # type: ignore[union-attr]
    # CSAT results, good and bad.
    assert set(TicketRating.objects.values_list("score", flat=True)) >= {2, 5}
    # A call-back waiting in the queue, at a preferred time.
    callback = Ticket.objects.get(kind=TicketKind.CALLBACK)
    assert callback.is_open and callback.callback_at is not None
    assert callback.callback_at > timezone.now()
    # Suggestions passed to product and shipped.
    assert set(
        Ticket.objects.filter(kind=TicketKind.FEEDBACK).values_list("feedback_status", flat=True)
    ) == {"passed", "shipped"}
    # A complaint near breach, escalated, and the supervisor paged.
    near = Ticket.objects.get(tags__icontains="demo-complaint-near-breach")
    assert near.sla_due_at is not None
    assert timezone.now() < near.sla_due_at < timezone.now() + timedelta(hours=4)
    assert TicketEvent.objects.filter(ticket=near, kind=EventKind.ESCALATED).exists()
    assert Message.objects.filter(
        category="staff", user__login_name="supervisor@walletdesk.example"
    ).exists()
    # Someone who could not sign in: a contact, no account.
    contact = Ticket.objects.get(channel=Channel.WEB_FORM, customer__isnull=True)
    assert contact.contact_email and "identity_check" in contact.tags
    # A logged call on the phone ticket.
    assert CallLog.objects.filter(ticket__channel=Channel.PHONE).exists()
    # An email thread: the customer's mail opened it, the agent's reply went out by email, the
    # customer's answer was threaded onto it by the intake.
    thread = Ticket.objects.get(tags__icontains="demo-email-thread")
    assert thread.channel == Channel.EMAIL
    assert thread.customer is not None and thread.customer.email == "xiaoming.wang@example.com"
    assert_threaded_by_the_intake(thread)

    again = StringIO()
    seed_desk(again)
    assert "0 demo tickets added" in again.getvalue()
    assert counts == (
        Ticket.objects.count(),
        TicketEvent.objects.count(),
        TicketRating.objects.count(),
        CallLog.objects.count(),
        Message.objects.filter(category="staff").count(),
        InboundEmail.objects.count(),
        OutboundEmail.objects.count(),
    )


@pytest.mark.parametrize("topic", ["", "fraud"])
def test_a_demo_chat_that_asks_for_a_person_is_offered_to_the_demo_agent(
    user_factory: Any, topic: str
) -> None:
    """The demo's live chat is staffed round the clock: a customer's 「转人工」, at any hour and
    on any topic (fraud goes to the security team), reaches the online demo agent."""
    from walletdesk.chat import live_actions
    from walletdesk.chat.live_models import ChatState
    from walletdesk.core.actors import Actor
    from walletdesk.demo.desk_cases import seed_chat_desk
    from walletdesk.identity.enums import Role

    agent, supervisor = user_factory(role=Role.AGENT), user_factory(role=Role.SUPERVISOR)
    seed_chat_desk(agent.pk, supervisor.pk)
    seed_chat_desk(agent.pk, supervisor.pk)  # a second run adds nothing
    live_actions.set_presence(Actor.agent(agent.pk), "online")
    customer = Actor.customer(user_factory().pk)
    conversation = live_actions.open_chat(customer)
    # 03:00 on a Sunday in Shanghai: outside every office calendar.
    night = datetime(2026, 12, 5, 19, 0, tzinfo=UTC)
    chat = live_actions.request_agent(customer, conversation.public_id, topic=topic, now=night)
    assert chat.state == ChatState.OFFERED
    assert chat.offered_to_id == agent.pk
    from walletdesk.tickets.models import TeamMembership

    assert TeamMembership.objects.filter(agent=agent).count() == 2
