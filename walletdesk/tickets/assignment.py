"""Routing tickets to teams and handing a team's queue to its agents.

Two rules keep concurrent workers honest (several Celery workers, ticket creation, an agent's
page all at once):

- A ticket is claimed with `SELECT … FOR UPDATE SKIP LOCKED` over the team's unassigned open
  tickets, most urgent first (priority, then the SLA deadline), so two workers never take the same
  ticket and neither waits for the other.
- A team's member rows are locked (`SKIP LOCKED` too) before their loads are counted, so two
  workers never both fill an agent's last free slot: while one worker hands out a team's queue,
  another moves on to the next team, and ticket creation leaves the ticket to the next run.

Capacity is per membership: the most open tickets *of that team* an agent holds at once. On
SQLite `select_for_update` does nothing; writers are serialised by the database, which gives the
same guarantees with no parallelism.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, F, Max, Q

from walletdesk.tickets import webhooks
from walletdesk.tickets.calendars import Schedule, is_open, load_schedule
from walletdesk.tickets.enums import OPEN_STATUSES, EventKind
from walletdesk.tickets.errors import CalendarDataMissingError, CalendarHasNoHoursError
from walletdesk.tickets.integration_models import WebhookEndpoint
from walletdesk.tickets.models import (
    AssignmentStrategy,
    Team,
    TeamMembership,
    Ticket,
    TicketEvent,
)

logger = logging.getLogger(__name__)

SYSTEM = "system"
DEFAULT_BATCH = 50


@dataclass(frozen=True, slots=True)
class Assigned:
    ticket_id: int
    number: str
    team_id: int
    agent_id: int


class _Schedules:
    def __init__(self) -> None:
        self._loaded: dict[int, Schedule] = {}

    def open_at(self, calendar_id: int, calendar_name: str, now: datetime) -> bool:
        if calendar_id not in self._loaded:
            self._loaded[calendar_id] = load_schedule(calendar_name)
        try:
            return is_open(self._loaded[calendar_id], now)
        except (CalendarDataMissingError, CalendarHasNoHoursError):
            # Unknown hours (the year's holidays are missing): nobody is treated as on shift.
            logger.warning("calendar %s cannot say whether it is open at %s", calendar_name, now)
            return False


def route(ticket: Ticket) -> Team | None:
    """The first active team (by position) whose skills cover the ticket's category (or its
    top-level category) and whose languages include the ticket's."""
    category = ticket.category
    codes = {category.slug}
    if category.parent is not None:
        codes.add(category.parent.slug)
    for team in Team.objects.filter(active=True).order_by("position", "pk"):
        if team.languages and ticket.language not in team.languages:
            continue
        if codes & set(team.skills):
            return team
    return None


def _on_shift(
    members: Sequence[TeamMembership], team: Team, now: datetime, schedules: _Schedules
) -> list[TeamMembership]:
    on_shift = []
    for member in members:
        calendar = member.shift or team.calendar
        if schedules.open_at(calendar.pk, calendar.name, now):
            on_shift.append(member)
    return on_shift


def _pick(
    free: dict[int, int],
    loads: dict[int, int],
    members: dict[int, TeamMembership],
    strategy: str,
) -> TeamMembership:
    """The member to take the next ticket among those with a free slot (`free` > 0)."""
    candidates = [members[agent] for agent, slots in free.items() if slots > 0]
    if strategy == AssignmentStrategy.LEAST_LOADED:
        return min(candidates, key=lambda m: (loads[m.agent_id], m.turn, m.pk))
    return min(candidates, key=lambda m: (m.turn, m.pk))


Announce = Callable[[Sequence[TicketEvent]], int]


def assign_next(
    team_id: int,
    now: datetime,
    *,
    limit: int = DEFAULT_BATCH,
    schedules: _Schedules | None = None,
    announce: Announce | None = None,
) -> list[Assigned]:
    """Hand up to `limit` of the team's unassigned open tickets, most urgent first, to its
    available, on-shift members with a free slot. Returns what was assigned. `announce`: the
    webhook announcer of a pass over many teams (`auto_assign`), else one is made if needed."""
    schedules = schedules or _Schedules()
    with transaction.atomic():
        team = Team.objects.select_related("calendar").filter(pk=team_id, active=True).first()
        if team is None or not team.auto_assign:
            return []
        locked = list(
            TeamMembership.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("shift")
            .filter(team=team, available=True, agent__is_active=True)
            .order_by("pk")
        )
        members = {m.agent_id: m for m in _on_shift(locked, team, now, schedules)}
        if not members:
            return []
        loads = dict.fromkeys(members, 0)
        loads.update(
            Ticket.objects.filter(
                team=team, assignee_id__in=list(members), status__in=OPEN_STATUSES
            )
            .values_list("assignee_id")
            .annotate(n=Count("pk"))
            .values_list("assignee_id", "n")
        )
        free = {agent: max(members[agent].capacity - loads[agent], 0) for agent in members}
        room = min(limit, sum(free.values()))
        if room <= 0:
            return []
        tickets = list(
            Ticket.objects.select_for_update(skip_locked=True, of=("self",), no_key=True)
            .filter(team=team, assignee__isnull=True, status__in=OPEN_STATUSES)
            .order_by(
                F("priority").desc(), F("sla_due_at").asc(nulls_last=True), "created_at", "pk"
            )
            .only("pk", "number", "team_id", "assignee_id")[:room]
        )
        if not tickets:
            return []
        turn = TeamMembership.objects.filter(team=team).aggregate(top=Max("turn"))["top"] or 0
        assigned: list[Assigned] = []
        touched: set[int] = set()
        for ticket in tickets:
            member = _pick(free, loads, members, team.strategy)
            turn += 1
            member.turn = turn
            free[member.agent_id] -= 1
            loads[member.agent_id] += 1
            touched.add(member.pk)
            assigned.append(Assigned(ticket.pk, ticket.number, team.pk, member.agent_id))
        _write(assigned, now, announce)
        TeamMembership.objects.bulk_update(
            [m for m in members.values() if m.pk in touched], ["turn"]
        )
    return assigned


def _write(assigned: Sequence[Assigned], now: datetime, announce: Announce | None) -> None:
    for item in assigned:
        # Conditional on still being unassigned: the row is locked, this is belt and braces.
        Ticket.objects.filter(pk=item.ticket_id, assignee__isnull=True).update(
            assignee_id=item.agent_id, updated_at=now
        )
    events = TicketEvent.objects.bulk_create(
        TicketEvent(
            ticket_id=item.ticket_id,
            actor=SYSTEM,
            kind=EventKind.ASSIGNEE,
            from_value="",
            to_value=str(item.agent_id),
            note="auto-assignment",
            created_at=now,
        )
        for item in assigned
    )
    # Announced like every timeline change: the outbox rows commit with the assignment, the
    # endpoints and the tickets read once for the batch.
    (announce or webhooks.announcer())(events)


def auto_assign(now: datetime, *, batch: int = DEFAULT_BATCH) -> list[Assigned]:
    """One pass over every active team that assigns automatically (the Celery beat job)."""
    schedules = _Schedules()
    announce = webhooks.announcer()
    assigned: list[Assigned] = []
    team_ids = Team.objects.filter(active=True, auto_assign=True).values_list("pk", flat=True)
    for team_id in list(team_ids):
        assigned.extend(
            assign_next(team_id, now, limit=batch, schedules=schedules, announce=announce)
        )
    return assigned


def set_team(
    ticket: Ticket,
    team: Team | None,
    actor_label: str,
    now: datetime,
    note: str,
    *,
    endpoints: Sequence[WebhookEndpoint] | None = None,
) -> bool:
    """Move a (locked) ticket to another team's queue. An assignee who is not a member of the new
    team gives the ticket up, so the new team's queue picks it up. Returns whether it moved.
    `endpoints`: the webhook endpoints already read by the caller (`webhooks.active_endpoints`)."""
    if ticket.team_id == (team.pk if team else None):
        return False
    if endpoints is None:
        endpoints = webhooks.active_endpoints()
    team_event = TicketEvent.objects.create(
        ticket=ticket,
        actor=actor_label,
        kind=EventKind.TEAM,
        from_value=ticket.team.name if ticket.team else "",
        to_value=team.name if team else "",
        note=note[:500],
        created_at=now,
    )
    ticket.team = team
    fields = ["team", "updated_at"]
    if (
        ticket.assignee_id is not None
        and team is not None
        and not team.memberships.filter(agent_id=ticket.assignee_id).exists()
    ):
        assignee_event = TicketEvent.objects.create(
            ticket=ticket,
            actor=actor_label,
            kind=EventKind.ASSIGNEE,
            from_value=str(ticket.assignee_id),
            to_value="",
            note=note[:500],
            created_at=now,
        )
        ticket.assignee = None
        fields.append("assignee")
    ticket.updated_at = now
    ticket.save(update_fields=fields)
    webhooks.emit(ticket, team_event, endpoints=endpoints)
    if "assignee" in fields:
        webhooks.emit(ticket, assignee_event, endpoints=endpoints)
    return True


def ticket_created(
    ticket: Ticket,
    now: datetime,
    *,
    endpoints: Sequence[WebhookEndpoint] | None = None,
    announce: Announce | None = None,
) -> Assigned | None:
    """Route a new ticket to a team (unless a rule already did) and, if a member has a free slot,
    assign the team's most urgent waiting ticket (usually this one) at once. `endpoints`,
    `announce`: the webhook endpoints and announcer the caller already has."""
    if ticket.team_id is None:
        team = route(ticket)
        if team is None:
            return None
        set_team(ticket, team, SYSTEM, now, "routing", endpoints=endpoints)
    if ticket.assignee_id is not None:
        return None
    assigned = assign_next(
        ticket.team_id,  # type: ignore[arg-type]
        now,
        limit=1,
        announce=announce,
    )
    if assigned and assigned[0].ticket_id == ticket.pk:
        ticket.assignee_id = assigned[0].agent_id
        return assigned[0]
    return None


def open_load(team_id: int) -> dict[int, int]:
    """Open tickets per member of the team (for the admin and the desk)."""
    return dict(
        TeamMembership.objects.filter(team_id=team_id)
        .annotate(
            n=Count(
                "agent__assigned_tickets",
                filter=Q(
                    agent__assigned_tickets__team_id=team_id,
                    agent__assigned_tickets__status__in=OPEN_STATUSES,
                ),
            )
        )
        .values_list("agent_id", "n")
    )
