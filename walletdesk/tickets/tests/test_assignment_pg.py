"""Auto-assignment under concurrency (PostgreSQL; SQLite serialises writers anyway): several
workers at once never assign a ticket twice and never fill an agent past capacity."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections  # noqa: F401 - `connection` is read by skipif
from django.utils import timezone

from walletdesk.core.actors import Actor
from walletdesk.identity.enums import Role
from walletdesk.tickets import actions, assignment
from walletdesk.tickets.enums import EventKind
from walletdesk.tickets.models import (
    AssignmentStrategy,
    BusinessCalendar,
    Team,
    TeamMembership,
    Ticket,
    TicketEvent,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs concurrent writers"),
]

WORKERS = 6
CAPACITY = 7


@pytest.mark.parametrize(
    "strategy", [AssignmentStrategy.ROUND_ROBIN, AssignmentStrategy.LEAST_LOADED]
)
def test_concurrent_workers_never_double_assign_or_overfill(
    user_factory: Callable[..., Any], strategy: str
) -> None:
    calendar = BusinessCalendar.objects.get(name="24x7")
    teams = [
        Team.objects.create(
            name=f"queue-{n}",
            title_zh="队列",
            title_en="Queue",
            calendar=calendar,
            strategy=strategy,
        )
        for n in range(2)
    ]
    agents = [user_factory(role=Role.AGENT) for _ in range(4)]
    # Two agents work in both teams: capacity is per membership, counted per team.
    for team in teams:
        for agent in agents[:3] if team is teams[0] else agents[1:]:
            TeamMembership.objects.create(team=team, agent=agent, capacity=CAPACITY)
    customer = Actor.customer(user_factory().pk)
    for n in range(60):
        ticket = actions.open_ticket(
            customer,
            customer_id=customer.user_id,
            subject=f"提现没到账 {n}",
            body="三天了还没到",
            category="withdraw_not_arrived",
        )
        Ticket.objects.filter(pk=ticket.pk).update(team=teams[n % 2])

    results: list[list[assignment.Assigned]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(WORKERS, timeout=30)

    def work(index: int) -> None:
        try:
            barrier.wait()
            now = timezone.now()
            for _round in range(15):
                if index % 2:
                    results.append(assignment.auto_assign(now, batch=2))
                else:
                    results.append(assignment.assign_next(teams[_round % 2].pk, now, limit=3))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    claimed = [item.ticket_id for batch in results for item in batch]
    assert len(claimed) == len(set(claimed))
    # Each team has 3 members x 7 slots = 21 for its 30 tickets: every slot is filled, no more.
    assert len(claimed) == 42
    events = TicketEvent.objects.filter(kind=EventKind.ASSIGNEE, actor="system")
    assert events.count() == 42
    assert events.values("ticket").distinct().count() == 42
    per_member = Counter(
        Ticket.objects.filter(assignee__isnull=False).values_list("team_id", "assignee_id")
    )
    assert max(per_member.values()) == CAPACITY
    assert len(per_member) == 6


def test_a_complaint_locked_by_an_agent_is_escalated_after_the_sweeps_chunk_commits(
    user_factory: Callable[..., Any],
) -> None:
    """The sweep holds its chunk's timer rows; an agent's action holds its ticket and then touches
    the ticket's timers. The sweep must not wait for the ticket inside the chunk (deadlock): it
    records the warning, commits, and escalates once the agent is done."""
    import time
    from datetime import timedelta

    from django.db import transaction

    from walletdesk.tickets import sla
    from walletdesk.tickets.enums import SlaMetric, TicketKind

    customer = Actor.customer(user_factory().pk)
    complaint = actions.open_ticket(
        customer,
        customer_id=customer.user_id,
        subject="投诉：退款拖延",
        body="退款一周了还没到",
        category="complaint_general",
        kind=TicketKind.COMPLAINT,
    )
    timer = complaint.sla_timers.get(metric=SlaMetric.FIRST_REPLY)
    assert timer.warn_at is not None
    later = timer.warn_at + timedelta(minutes=1)
    locked = threading.Event()
    errors: list[BaseException] = []

    def agent_at_work() -> None:
        try:
            with transaction.atomic():
                # As the ticket actions lock it (FOR NO KEY UPDATE).
                Ticket.objects.select_for_update(no_key=True).get(pk=complaint.pk)
                locked.set()
                # Hold the ticket until the sweep has committed the warning (seen from here).
                deadline = time.monotonic() + 30
                while not type(timer).objects.filter(pk=timer.pk, warned_at__isnull=False).exists():
                    if time.monotonic() > deadline:
                        raise AssertionError("the sweep waited for the ticket inside its chunk")
                    time.sleep(0.05)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    agent = threading.Thread(target=agent_at_work)
    agent.start()
    assert locked.wait(10)
    result = sla.sweep(later)
    agent.join(timeout=60)

    assert errors == []
    assert result.warned >= 1
    complaint.refresh_from_db()
    assert complaint.team is not None and complaint.team.name == "supervisors"
    assert TicketEvent.objects.filter(ticket=complaint, kind=EventKind.ESCALATED).count() == 1
