"""Automation rules: the shipped fraud and complaint-escalation rules, and the evaluator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from walletdesk.core.actors import Actor
from walletdesk.identity.enums import Role
from walletdesk.tickets import actions, automation, sla
from walletdesk.tickets.enums import EventKind, Priority, SlaMetric, TicketKind
from walletdesk.tickets.models import (
    AutomationRule,
    RuleEvent,
    SlaTimer,
    Team,
    TeamMembership,
    Ticket,
    TicketEvent,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def clock() -> Iterator[Any]:
    # Monday 7 December 2026, 10:00 in Beijing: the supervisors are at work.
    with time_machine.travel(datetime(2026, 12, 7, 10, tzinfo=SHANGHAI), tick=False) as traveller:
        yield traveller


@pytest.fixture
def me(user_factory: Callable[..., Any]) -> Actor:
    return Actor.customer(user_factory().pk)


def open_for(actor: Actor, **overrides: Any) -> Ticket:
    fields: dict[str, Any] = {
        "customer_id": actor.user_id,
        "subject": "有人盗刷我的卡",
        "body": "刚收到一笔不是我本人的消费",
        "category": "unauthorized_transaction",
    }
    fields.update(overrides)
    return actions.open_ticket(actor, **fields)


def timeline(ticket: Ticket, *kinds: EventKind) -> list[tuple[str, str, str]]:
    return list(
        TicketEvent.objects.filter(ticket=ticket, kind__in=kinds)
        .order_by("pk")
        .values_list("kind", "actor", "to_value")
    )


def test_a_fraud_ticket_jumps_to_the_top_and_pages_the_security_team(
    clock: Any, me: Actor, user_factory: Callable[..., Any]
) -> None:
    security = Team.objects.get(name="security")
    guard = user_factory(role=Role.AGENT)
    TeamMembership.objects.create(team=security, agent=guard, capacity=5)

    ticket = open_for(me, category="emergency_freeze")

    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT
    assert ticket.team == security
    assert ticket.tags == ["security"]
    assert ticket.assignee_id == guard.pk
    paged = TicketEvent.objects.get(ticket=ticket, kind=EventKind.PAGED)
    assert (paged.actor, paged.to_value, paged.from_value) == ("system", "security", str(guard.pk))
    assert paged.note == "rule: Fraud and emergency freeze: new ticket"
    # The urgent SLA policy now applies: first reply within 30 minutes.
    first = SlaTimer.objects.get(ticket=ticket, metric=SlaMetric.FIRST_REPLY)
    assert first.due_at == datetime(2026, 12, 7, 10, 30, tzinfo=SHANGHAI)


def test_an_ordinary_ticket_is_left_alone(clock: Any, me: Actor) -> None:
    ticket = open_for(me, category="withdraw_not_arrived", subject="提现没到账")
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.team, ticket.tags) == (Priority.NORMAL, None, [])
    assert timeline(ticket, EventKind.PAGED, EventKind.PRIORITY) == []


def test_recategorising_as_fraud_pages_once_and_later_edits_do_not_page_again(
    clock: Any, me: Actor, user_factory: Callable[..., Any]
) -> None:
    agent = Actor.agent(user_factory(role=Role.AGENT).pk)
    ticket = open_for(me, category="withdraw_not_arrived", subject="提现没到账")

    actions.triage(agent, ticket.number, category="report_fraud")
    actions.triage(agent, ticket.number, tags=["security", "scam-call"])

    ticket.refresh_from_db()
    assert (ticket.priority, ticket.team) == (Priority.URGENT, Team.objects.get(name="security"))
    assert [row[0] for row in timeline(ticket, EventKind.PAGED)] == [EventKind.PAGED]


def test_a_complaint_nearing_its_deadline_escalates_to_the_supervisors_once(
    me: Actor, user_factory: Callable[..., Any]
) -> None:
    # Sunday 16:00: the 75 % warning (18 h) falls on Monday 10:00, in the supervisors' hours.
    with time_machine.travel(datetime(2026, 12, 6, 16, tzinfo=SHANGHAI), tick=False) as clock:
        _escalation_case(clock, me, user_factory)


def _escalation_case(clock: Any, me: Actor, user_factory: Callable[..., Any]) -> None:
    boss = user_factory(role=Role.SUPERVISOR)
    TeamMembership.objects.create(team=Team.objects.get(name="supervisors"), agent=boss)
    complaint = open_for(
        me, kind=TicketKind.COMPLAINT, category="complaint_general", subject="投诉：退款拖延"
    )
    question = open_for(me, category="withdraw_not_arrived", subject="提现没到账")
    complaint.refresh_from_db()
    assert (complaint.priority, complaint.team) == (Priority.NORMAL, None)

    # The complaint promise is a reply within 24 hours; the warning comes at 75 % (18 h).
    clock.shift(timedelta(hours=18))
    sla.sweep(datetime.now(tz=SHANGHAI))
    sla.sweep(datetime.now(tz=SHANGHAI))

    complaint.refresh_from_db()
    assert complaint.priority == Priority.URGENT
    assert complaint.team == Team.objects.get(name="supervisors")
    assert complaint.assignee_id == boss.pk
    assert timeline(complaint, EventKind.ESCALATED, EventKind.PAGED) == [
        (EventKind.ESCALATED, "system", "supervisors"),
        (EventKind.PAGED, "system", "supervisors"),
    ]
    question.refresh_from_db()
    assert (question.priority, question.team) == (Priority.NORMAL, None)
    assert timeline(question, EventKind.ESCALATED) == []

    # On breach it escalates again (a new fact), still once however often the sweep runs.
    clock.shift(timedelta(hours=6))
    sla.sweep(datetime.now(tz=SHANGHAI))
    sla.sweep(datetime.now(tz=SHANGHAI))
    escalations = timeline(complaint, EventKind.ESCALATED)
    assert len(escalations) == 2
    assert (
        TicketEvent.objects.get(
            ticket=complaint, kind=EventKind.ESCALATED, note__contains="past"
        ).note
        == "rule: Complaint past its deadline"
    )


def test_a_custom_rule_on_conditions(clock: Any, me: Actor) -> None:
    AutomationRule.objects.create(
        name="English cards",
        event=RuleEvent.CREATED,
        conditions=[
            {"field": "language", "op": "eq", "value": "en"},
            {"field": "category", "op": "in", "value": ["card"]},
        ],
        actions=[{"type": "add_tag", "value": "vip"}, {"type": "set_priority", "value": 30}],
    )
    english = open_for(me, category="card_declined", language="en", subject="Card")
    chinese = open_for(me, category="card_declined", subject="绑卡失败")

    english.refresh_from_db()
    chinese.refresh_from_db()
    assert (english.tags, english.priority) == (["vip"], Priority.HIGH)
    assert (chinese.tags, chinese.priority) == ([], Priority.NORMAL)


@pytest.mark.parametrize(
    ("conditions", "rule_actions"),
    [
        ([{"field": "mood", "op": "eq", "value": "angry"}], [{"type": "add_tag", "value": "x"}]),
        (
            [{"field": "kind", "op": "in", "value": "complaint"}],
            [{"type": "add_tag", "value": "x"}],
        ),
        ([], [{"type": "delete_ticket"}]),
        ([], [{"type": "set_priority", "value": 99}]),
        ([], [{"type": "assign_team"}]),
        ([], []),
    ],
)
def test_rules_the_evaluator_would_not_understand_are_refused(
    conditions: list[Any], rule_actions: list[Any]
) -> None:
    with pytest.raises(ValidationError):
        automation.validate_rule(conditions, rule_actions)


def test_the_shipped_rules_are_valid() -> None:
    rules = list(AutomationRule.objects.all())
    assert len(rules) == 4
    for rule in rules:
        rule.full_clean()
