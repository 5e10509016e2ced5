"""Reads of the agent desk: the filtered, sorted ticket list and what one ticket's page shows.

Every filter and sort maps to an index (docs/support-desk.md, "The agent desk"); the list costs
the same number of queries whatever the page holds.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from walletdesk.tickets.desk_models import Macro, SavedView
from walletdesk.tickets.enums import (
    OPEN_STATUSES,
    Channel,
    Priority,
    SlaMetric,
    TicketKind,
    TicketStatus,
    TimerState,
)
from walletdesk.tickets.models import Category, SlaTimer, Ticket, TicketEvent

NUMBER_PATTERN = re.compile(r"^WD-\d{4}-\d{6,}$", re.IGNORECASE)
SEARCH_MAX = 100
# "Near breach": the complaint's earliest deadline falls within this window (or has passed).
NEAR_BREACH = timedelta(hours=4)

STATUS_ACTIVE = "active"
STATUS_ANY = "any"
STATUS_CHOICES: list[tuple[str, Any]] = [
    (STATUS_ACTIVE, _("All open")),
    *TicketStatus.choices,
    (STATUS_ANY, pgettext_lazy("ticket status filter", "Any status")),
]
ASSIGNEE_CHOICES: list[tuple[str, Any]] = [
    ("", pgettext_lazy("assignee filter", "Anyone")),
    ("mine", _("Mine")),
    ("unassigned", _("Unassigned")),
]
SORT_CHOICES: list[tuple[str, Any]] = [
    ("due", _("SLA due first")),
    ("updated", _("Recently updated")),
    ("created", _("Newest")),
    ("callback", _("Call-back time")),
]


@dataclass(frozen=True, slots=True)
class DeskFilter:
    """The list's filters, parsed from the query string; unknown values fall back to defaults
    (a stale saved view or a hand-edited URL shows a list, never an error)."""

    status: str = STATUS_ACTIVE
    assignee: str = ""
    priority: int | None = None
    category: str = ""
    kind: str = ""
    channel: str = ""
    tag: str = ""
    q: str = ""
    near_breach: bool = False
    sort: str = "due"

    @classmethod
    def from_query(cls, query: QueryDict) -> DeskFilter:
        def pick(name: str, allowed: set[str], default: str = "") -> str:
            value = query.get(name, default)
            return value if value in allowed else default

        priority_text = query.get("priority", "")
        priority = (
            int(priority_text) if priority_text in {str(v) for v in Priority.values} else None
        )
        return cls(
            status=pick("status", {STATUS_ACTIVE, STATUS_ANY, *TicketStatus.values}, STATUS_ACTIVE),
            assignee=pick("assignee", {"mine", "unassigned"}),
            priority=priority,
            category=query.get("category", "")[:40],
            kind=pick("kind", set(TicketKind.values)),
            channel=pick("channel", set(Channel.values)),
            tag=query.get("tag", "").strip().lower()[:40],
            q=query.get("q", "").strip()[:SEARCH_MAX],
            near_breach=query.get("near_breach") == "1",
            sort=pick("sort", {"due", "updated", "created", "callback"}, "due"),
        )

    def as_query(self) -> str:
        """The query string that shows this list (for saved views and the pager)."""
        pairs: dict[str, str] = {}
        if self.status != STATUS_ACTIVE:
            pairs["status"] = self.status
        for name in ("assignee", "category", "kind", "channel", "tag", "q"):
            if getattr(self, name):
                pairs[name] = getattr(self, name)
        if self.priority is not None:
            pairs["priority"] = str(self.priority)
        if self.near_breach:
            pairs["near_breach"] = "1"
        if self.sort != "due":
            pairs["sort"] = self.sort
        return urlencode(pairs)


def tag_condition(tag: str) -> Q:
    if connection.vendor == "postgresql":
        # jsonb @> uses the GIN index on tags (migration 0008).
        return Q(tags__contains=[tag])
    # SQLite has no JSON containment; tags are single lower-case words, so the quoted word as
    # json.dumps stores it (non-ASCII escaped) in the JSON text is exact.
    return Q(tags__icontains=json.dumps(tag))


def _status_and_people(
    tickets: QuerySet[Ticket], agent_id: int, wanted: DeskFilter
) -> QuerySet[Ticket]:
    if wanted.status == STATUS_ACTIVE:
        tickets = tickets.filter(status__in=list(OPEN_STATUSES))
    elif wanted.status != STATUS_ANY:
        tickets = tickets.filter(status=wanted.status)
    if wanted.assignee == "mine":
        tickets = tickets.filter(assignee_id=agent_id)
    elif wanted.assignee == "unassigned":
        tickets = tickets.filter(assignee__isnull=True)
    return tickets


def _topic(tickets: QuerySet[Ticket], wanted: DeskFilter) -> QuerySet[Ticket]:
    exact: dict[str, object] = {}
    if wanted.priority is not None:
        exact["priority"] = wanted.priority
    if wanted.kind:
        exact["kind"] = wanted.kind
    if wanted.channel:
        exact["channel"] = wanted.channel
    tickets = tickets.filter(**exact)
    if wanted.category:
        # A top-level category covers its subcategories.
        tickets = tickets.filter(
            category_id__in=Category.objects.filter(
                Q(slug=wanted.category) | Q(parent__slug=wanted.category)
            ).values("pk")
        )
    if wanted.tag:
        tickets = tickets.filter(tag_condition(wanted.tag))
    return tickets


def _search(tickets: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    if not text:
        return tickets
    if NUMBER_PATTERN.match(text):
        return tickets.filter(number=text.upper())
    # A trigram index on PostgreSQL (migration 0008) serves the substring search.
    return tickets.filter(subject__icontains=text)


def desk_tickets(
    agent_id: int, wanted: DeskFilter, *, now: datetime | None = None
) -> QuerySet[Ticket]:
    """The agent list: filtered, sorted, with what a row shows joined in (one query a page)."""
    tickets = Ticket.objects.select_related("category", "customer", "assignee")
    tickets = _search(_topic(_status_and_people(tickets, agent_id, wanted), wanted), wanted.q)
    if wanted.near_breach:
        tickets = tickets.filter(sla_due_at__lte=(now or timezone.now()) + NEAR_BREACH)
    if wanted.sort == "updated":
        return tickets.order_by("-updated_at", "-pk")
    if wanted.sort == "created":
        return tickets.order_by("-created_at", "-pk")
    if wanted.sort == "callback":
        # The callback queue: the earliest preferred time first (ticket_callback_queue).
        return tickets.order_by(F("callback_at").asc(nulls_last=True), "pk")
    return tickets.order_by(F("sla_due_at").asc(nulls_last=True), "-priority", "pk")


@dataclass(frozen=True, slots=True)
class BuiltInView:
    key: str
    name: Any
    query: str


BUILT_IN_VIEWS = (
    BuiltInView("mine", _("My open tickets"), "assignee=mine"),
    BuiltInView("unassigned", _("Unassigned"), "assignee=unassigned"),
    BuiltInView("complaints", _("Complaints near breach"), "kind=complaint&near_breach=1"),
    BuiltInView("callbacks", _("Callback queue"), "kind=callback&sort=callback"),
    BuiltInView("all", _("All open"), ""),
)


def saved_views(owner_id: int) -> QuerySet[SavedView]:
    return SavedView.objects.filter(owner_id=owner_id).order_by("name", "pk")


def active_macros() -> QuerySet[Macro]:
    return Macro.objects.filter(active=True).order_by("position", "name")


# --- One ticket --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimerView:
    metric: str
    metric_label: str
    state: str
    state_label: str
    due_at: datetime | None
    seconds_left: int | None
    cycle: int


_TIMER_STATE_LABELS = {
    "breached": pgettext_lazy("SLA timer", "Breached"),
}


def sla_timers(ticket: Ticket, now: datetime | None = None) -> list[TimerView]:
    """The latest cycle of each metric: running, paused, achieved, cancelled or breached, with
    the time left while it runs."""
    now = now or timezone.now()
    latest: dict[str, SlaTimer] = {}
    for row in ticket.sla_timers.order_by("metric", "-cycle"):
        latest.setdefault(row.metric, row)
    views = []
    for metric in SlaMetric:
        timer = latest.get(metric.value)
        if timer is None:
            continue
        breached = timer.breached_at is not None or (
            timer.state == TimerState.RUNNING and timer.due_at is not None and timer.due_at <= now
        )
        state = (
            "breached"
            if breached and timer.state in (TimerState.RUNNING, TimerState.PAUSED)
            else timer.state
        )
        seconds_left = (
            int((timer.due_at - now).total_seconds())
            if timer.state == TimerState.RUNNING and timer.due_at is not None
            else None
        )
        views.append(
            TimerView(
                metric=metric.value,
                metric_label=str(metric.label),
                state=state,
                state_label=str(_TIMER_STATE_LABELS.get(state) or TimerState(timer.state).label),
                due_at=timer.due_at if timer.state in (TimerState.RUNNING,) else None,
                seconds_left=seconds_left,
                cycle=timer.cycle,
            )
        )
    return views


def ticket_events(ticket: Ticket) -> QuerySet[TicketEvent]:
    """The whole timeline, oldest first, with each message row joined in."""
    return (
        ticket.events.select_related("message", "message__author")
        .prefetch_related("message__attachments")
        .order_by("created_at", "pk")
    )


def other_tickets(ticket: Ticket, limit: int = 10) -> QuerySet[Ticket]:
    if ticket.customer_id is None:
        return Ticket.objects.none()
    return (
        Ticket.objects.filter(customer_id=ticket.customer_id)
        .exclude(pk=ticket.pk)
        .select_related("category")
        .order_by("-created_at", "-pk")[:limit]
    )
