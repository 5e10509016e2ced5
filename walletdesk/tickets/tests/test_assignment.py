"""Teams, routing and auto-assignment: capacity, round robin, least loaded, working hours."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from walletdesk.core.actors import Actor
from walletdesk.identity.enums import Role
from walletdesk.tickets import actions, assignment
from walletdesk.tickets.enums import EventKind, Priority, TicketStatus
from walletdesk.tickets.errors import TeamNotFoundError
from walletdesk.tickets.models import (
    AssignmentStrategy,
    BusinessCalendar,
    Team,
    TeamMembership,
    Ticket,
    TicketEvent,
    WorkingWindow,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
SUNDAY = datetime(2026, 12, 6, 10, tzinfo=SHANGHAI)
MONDAY = datetime(2026, 12, 7, 10, tzinfo=SHANGHAI)


def office_hours() -> BusinessCalendar:
    """Monday to Friday 09:00-18:00 in Beijing, no holiday data (weekly windows alone)."""
    calendar = BusinessCalendar.objects.create(
        name="office", title_zh="办公时间", title_en="Office hours"
    )
    for weekday in range(5):
        WorkingWindow.objects.create(
            calendar=calendar, weekday=weekday, opens=time(9), closes=time(18)
        )
    return calendar


def make_team(
    name: str = "payments",
    *,
    strategy: str = AssignmentStrategy.ROUND_ROBIN,
    skills: list[str] | None = None,
    calendar: str = "24x7",
) -> Team:
    return Team.objects.create(
        name=name,
        title_zh="支付组",
        title_en="Payments",
        skills=skills or [],
        calendar=BusinessCalendar.objects.get(name=calendar),
        strategy=strategy,
    )


def join(team: Team, agent: Any, capacity: int = 10, **extra: Any) -> TeamMembership:
    return TeamMembership.objects.create(team=team, agent=agent, capacity=capacity, **extra)


@pytest.fixture
def agents(user_factory: Callable[..., Any]) -> list[Any]:
    return [user_factory(role=Role.AGENT) for _ in range(3)]


@pytest.fixture
def customer_actor(user_factory: Callable[..., Any]) -> Actor:
    return Actor.customer(user_factory().pk)


def queue(actor: Actor, team: Team, count: int, **overrides: Any) -> list[Ticket]:
    """Open `count` tickets (no team's skills match them) and put them in `team`'s queue."""
    tickets = []
    for n in range(count):
        fields: dict[str, Any] = {
            "customer_id": actor.user_id,
            "subject": f"提现没到账 {n}",
            "body": "三天了还没到",
            "category": "withdraw_not_arrived",
        }
        fields.update(overrides)
        tickets.append(actions.open_ticket(actor, **fields))
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(team=team)
    return tickets


def assignees(tickets: list[Ticket]) -> list[int | None]:
    by_pk = dict(
        Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list("pk", "assignee")
    )
    return [by_pk[t.pk] for t in tickets]


def test_capacity_is_respected_and_freed_by_solving(
    agents: list[Any], customer_actor: Actor
) -> None:
    team = make_team()
    join(team, agents[0], capacity=2)
    tickets = queue(customer_actor, team, 5)

    first = assignment.assign_next(team.pk, MONDAY)
    assert [a.agent_id for a in first] == [agents[0].pk, agents[0].pk]
    assert assignment.assign_next(team.pk, MONDAY) == []
    assert Ticket.objects.filter(assignee=agents[0]).count() == 2

    done = Ticket.objects.get(pk=first[0].ticket_id)
    actions.change_status(Actor.agent(agents[0].pk), done.number, TicketStatus.SOLVED)
    again = assignment.assign_next(team.pk, MONDAY)
    assert len(again) == 1
    assert (
        Ticket.objects.filter(
            assignee=agents[0], status__in=["new", "open", "pending", "on_hold"]
        ).count()
        == 2
    )
    assert sum(a is not None for a in assignees(tickets)) == 3


def test_round_robin_takes_turns_and_remembers_whose_turn_it_is(
    agents: list[Any], customer_actor: Actor
) -> None:
    team = make_team()
    for agent in agents:
        join(team, agent)
    tickets = queue(customer_actor, team, 7)

    assert [a.agent_id for a in assignment.assign_next(team.pk, MONDAY, limit=4)] == [
        agents[0].pk,
        agents[1].pk,
        agents[2].pk,
        agents[0].pk,
    ]
    # The next run continues where the last one stopped.
    assert [a.agent_id for a in assignment.assign_next(team.pk, MONDAY)] == [
        agents[1].pk,
        agents[2].pk,
        agents[0].pk,
    ]
    assert None not in assignees(tickets)


def test_the_most_urgent_ticket_is_claimed_first(agents: list[Any], customer_actor: Actor) -> None:
    team = make_team()
    join(team, agents[0], capacity=1)
    normal = queue(customer_actor, team, 2)
    urgent = queue(customer_actor, team, 1, priority=Priority.URGENT)

    assert [a.ticket_id for a in assignment.assign_next(team.pk, MONDAY)] == [urgent[0].pk]
    assert assignees(normal) == [None, None]


def test_least_loaded_picks_the_agent_with_fewest_open_tickets(
    agents: list[Any], customer_actor: Actor
) -> None:
    team = make_team(strategy=AssignmentStrategy.LEAST_LOADED)
    busy, quiet = agents[0], agents[1]
    join(team, busy)
    join(team, quiet)
    held = queue(customer_actor, team, 4)
    Ticket.objects.filter(pk__in=[t.pk for t in held[:3]]).update(assignee=busy)
    Ticket.objects.filter(pk=held[3].pk).update(assignee=quiet)
    waiting = queue(customer_actor, team, 3)

    chosen = [a.agent_id for a in assignment.assign_next(team.pk, MONDAY)]
    # quiet (1) takes two to draw level with busy (3), then the tie goes by turn.
    assert chosen[:2] == [quiet.pk, quiet.pk]
    assert len(chosen) == 3
    assert None not in assignees(waiting)


def test_unavailable_and_off_shift_agents_are_skipped(
    agents: list[Any], customer_actor: Actor
) -> None:
    team = make_team()
    office = office_hours()
    day_shift, night_owl, away = agents
    join(team, day_shift, shift=office)
    join(team, night_owl)
    join(team, away, available=False)
    queue(customer_actor, team, 4)

    on_sunday = assignment.assign_next(team.pk, SUNDAY, limit=2)
    assert {a.agent_id for a in on_sunday} == {night_owl.pk}
    on_monday = assignment.assign_next(team.pk, MONDAY, limit=2)
    assert {a.agent_id for a in on_monday} == {day_shift.pk, night_owl.pk}
    assert not Ticket.objects.filter(assignee=away).exists()


def test_a_team_outside_its_working_hours_assigns_nobody(
    agents: list[Any], customer_actor: Actor
) -> None:
    team = make_team()
    team.calendar = office_hours()
    team.save()
    join(team, agents[0])
    queue(customer_actor, team, 1)

    assert assignment.assign_next(team.pk, SUNDAY) == []
    assert len(assignment.assign_next(team.pk, MONDAY)) == 1


def test_each_assignment_is_on_the_timeline_by_the_system(
    agents: list[Any], customer_actor: Actor
) -> None:
    team = make_team()
    join(team, agents[0])
    ticket = queue(customer_actor, team, 1)[0]

    assignment.auto_assign(MONDAY)

    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ASSIGNEE)
    assert (event.actor, event.from_value, event.to_value) == ("system", "", str(agents[0].pk))


def test_a_new_ticket_is_routed_by_skill_and_assigned_when_an_agent_has_room(
    agents: list[Any], customer_actor: Actor
) -> None:
    team = make_team(skills=["withdrawal"])
    join(team, agents[0], capacity=1)

    first = queue(customer_actor, team, 1)[0]  # routed at creation, before queue() moves it
    second = actions.open_ticket(
        customer_actor,
        customer_id=customer_actor.user_id,
        subject="又一笔提现没到",
        body="请帮忙查一下",
        category="withdraw_not_arrived",
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.team, first.assignee_id) == (team, agents[0].pk)
    # Full: the second waits in the team's queue for the next run.
    assert (second.team, second.assignee_id) == (team, None)
    assert TicketEvent.objects.filter(ticket=second, kind=EventKind.TEAM).get().to_value == (
        "payments"
    )


def test_routing_respects_the_team_languages(customer_actor: Actor) -> None:
    make_team("english", skills=["withdrawal"]).__class__.objects.filter(name="english").update(
        languages=["en"]
    )
    ticket = queue(customer_actor, Team.objects.get(name="english"), 1)[0]
    Ticket.objects.filter(pk=ticket.pk).update(team=None)
    ticket.refresh_from_db()
    assert assignment.route(ticket) is None  # a zh-hans ticket
    Ticket.objects.filter(pk=ticket.pk).update(language="en")
    ticket.refresh_from_db()
    assert assignment.route(ticket) == Team.objects.get(name="english")


def test_manual_reassignment_and_team_change_go_through_triage(
    agents: list[Any], customer_actor: Actor
) -> None:
    team = make_team()
    join(team, agents[1])
    other = make_team("cards")
    supervisor = Actor.agent(agents[0].pk)
    ticket = queue(customer_actor, team, 1)[0]

    actions.triage(supervisor, ticket.number, assignee_id=agents[1].pk)
    actions.triage(supervisor, ticket.number, team="cards")
    ticket.refresh_from_db()
    # agents[1] is not in the cards team: the ticket goes back to that team's queue.
    assert (ticket.team, ticket.assignee_id) == (other, None)
    kinds = list(
        TicketEvent.objects.filter(ticket=ticket, actor=supervisor.label)
        .order_by("pk")
        .values_list("kind", "to_value")
    )
    assert kinds == [
        (EventKind.ASSIGNEE, str(agents[1].pk)),
        (EventKind.TEAM, "cards"),
        (EventKind.ASSIGNEE, ""),
    ]
    with pytest.raises(TeamNotFoundError):
        actions.triage(supervisor, ticket.number, team="nobody")
    actions.triage(supervisor, ticket.number, team=None)
    ticket.refresh_from_db()
    assert ticket.team is None


def test_the_beat_job_assigns_every_teams_queue(agents: list[Any], customer_actor: Actor) -> None:
    from walletdesk.tickets import tasks

    first, second = make_team("first"), make_team("second")
    join(first, agents[0])
    join(second, agents[1])
    tickets = queue(customer_actor, first, 2) + queue(customer_actor, second, 1)

    assert tasks.auto_assign() == {"assigned": 3}
    assert assignees(tickets) == [agents[0].pk, agents[0].pk, agents[1].pk]
