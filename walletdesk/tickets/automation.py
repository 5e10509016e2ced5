"""Automation rules: when a ticket is created or updated, or an SLA target is nearly reached or
missed, and every condition of a rule holds, run its actions. Evaluated here and nowhere else.

The ticket actions call `ticket_created` and `ticket_updated` inside their own transaction with
the ticket locked; the SLA sweep calls `sla_recorded` once per warning or breach it records (each
is recorded exactly once, so a rule on an SLA event fires once per timer). An update fires a rule
only when the change makes its conditions hold (they did not hold before), so editing the tags of
a fraud ticket does not page the security team again. Rules never trigger rules.

Conditions: `{"field": F, "op": OP, "value": V}` with F one of `FIELDS` and OP one of `OPS`;
`category` matches a category code or its top-level code. Actions: `ACTIONS`.
Every action writes the ticket's timeline with the actor `system` and the rule's name as note.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from walletdesk.notifications import facade as notifications_facade
from walletdesk.tickets import assignment, sla, webhooks
from walletdesk.tickets.enums import OPEN_STATUSES, EventKind, Priority
from walletdesk.tickets.integration_models import WebhookEndpoint
from walletdesk.tickets.models import AutomationRule, RuleEvent, Team, Ticket, TicketEvent

logger = logging.getLogger(__name__)

SYSTEM = "system"
FIELDS = (
    "category",
    "kind",
    "priority",
    "channel",
    "language",
    "status",
    "tags",
    "team",
    "assigned",
    "metric",
)
OPS = ("eq", "ne", "in", "not_in", "contains")
ACTIONS = ("set_priority", "add_tag", "assign_team", "page_team", "notify_team", "escalate")

Snapshot = dict[str, Any]
# What `snapshot` reads, for loading many tickets at once.
SNAPSHOT_FIELDS = (
    "kind",
    "priority",
    "channel",
    "language",
    "status",
    "tags",
    "assignee_id",
    "category__slug",
    "category__parent__slug",
    "team__name",
)


def snapshot(ticket: Ticket, *, metric: str = "") -> Snapshot:
    """The values conditions look at, taken before a change to compare with after it."""
    category = ticket.category
    return {
        "category": {category.slug, category.parent.slug if category.parent else category.slug},
        "kind": ticket.kind,
        "priority": int(ticket.priority),
        "channel": ticket.channel,
        "language": ticket.language,
        "status": ticket.status,
        "tags": set(ticket.tags),
        "team": ticket.team.name if ticket.team else "",
        "assigned": ticket.assignee_id is not None,
        "metric": metric,
    }


def _snapshot_of_row(row: Mapping[str, Any], metric: str) -> Snapshot:
    """`snapshot` from a `values(*SNAPSHOT_FIELDS)` row."""
    return {
        "category": {row["category__slug"], row["category__parent__slug"] or row["category__slug"]},
        "kind": row["kind"],
        "priority": int(row["priority"]),
        "channel": row["channel"],
        "language": row["language"],
        "status": row["status"],
        "tags": set(row["tags"] or ()),
        "team": row["team__name"] or "",
        "assigned": row["assignee_id"] is not None,
        "metric": metric,
    }


def _condition_holds(values: Snapshot, condition: Mapping[str, Any]) -> bool:
    actual = values[condition["field"]]
    op, expected = condition["op"], condition.get("value")
    listed = set(expected) if isinstance(expected, list) else set()
    # A set-valued field (category codes, tags) matches when any of its values does.
    many = actual if isinstance(actual, set) else {actual}
    if op == "eq":
        return expected in many
    if op == "ne":
        return expected not in many
    if op == "in":
        return bool(many & listed)
    if op == "not_in":
        return not many & listed
    if op == "contains":
        return expected in many
    return False


def matches(rule: AutomationRule, values: Snapshot) -> bool:
    return all(_condition_holds(values, condition) for condition in rule.conditions)


def validate_rule(conditions: object, actions: object) -> None:
    """Refuse a rule the evaluator would not understand (admin form and data migrations)."""
    if not isinstance(conditions, list) or not all(
        isinstance(c, dict)
        and c.get("field") in FIELDS
        and c.get("op") in OPS
        and (c["op"] not in ("in", "not_in") or isinstance(c.get("value"), list))
        for c in conditions
    ):
        raise ValidationError(
            {"conditions": _("Each condition needs a known field, operator and value.")}
        )
    if (
        not isinstance(actions, list)
        or not actions
        or not all(isinstance(a, dict) and a.get("type") in ACTIONS for a in actions)
    ):
        raise ValidationError({"actions": _("Each action needs a known type.")})
    for action in actions:
        if action["type"] == "set_priority" and action.get("value") not in Priority.values:
            raise ValidationError({"actions": _("Choose a known priority.")})
        if action["type"] in ("assign_team", "page_team", "notify_team") and not action.get(
            "value"
        ):
            raise ValidationError({"actions": _("Name the team.")})


def _rules(event: RuleEvent) -> list[AutomationRule]:
    return list(AutomationRule.objects.filter(active=True, event=event).order_by("position", "pk"))


class Lookups:
    """What rule actions read besides the ticket, loaded once per operation: one ticket's change,
    or a whole SLA sweep (hundreds of escalations page the same team and re-plan against the same
    policies)."""

    def __init__(self) -> None:
        self.sla = sla.PolicyBook()
        self._teams: dict[str, Team | None] = {}
        self._members: dict[int, list[int]] = {}
        self._handlers: list[int] | None = None
        self._endpoints: list[WebhookEndpoint] | None = None
        self._announce: assignment.Announce | None = None

    def endpoints(self) -> list[WebhookEndpoint]:
        """The active webhook endpoints: rule actions announce their timeline rows like every
        change does, reading the endpoints once per operation."""
        if self._endpoints is None:
            self._endpoints = webhooks.active_endpoints()
        return self._endpoints

    def announce(self) -> assignment.Announce:
        if self._announce is None:
            self._announce = webhooks.announcer(self.endpoints())
        return self._announce

    def team(self, name: str) -> Team | None:
        if name not in self._teams:
            team = Team.objects.filter(name=name, active=True).first()
            if team is None:
                logger.warning("automation rule names a missing or inactive team %s", name)
            self._teams[name] = team
        return self._teams[name]

    def members(self, team: Team) -> list[int]:
        """The team's active members, or, for a team without any, everyone who handles
        escalations (so an escalation never goes nowhere)."""
        if team.pk not in self._members:
            self._members[team.pk] = (
                list(
                    team.memberships.filter(agent__is_active=True)
                    .order_by("agent_id")
                    .values_list("agent_id", flat=True)
                )
                or self.handlers()
            )
        return self._members[team.pk]

    def handlers(self) -> list[int]:
        if self._handlers is None:
            self._handlers = escalation_handlers()
        return self._handlers


# --- Actions --------------------------------------------------------------------------------------


def _event(
    ticket: Ticket,
    kind: EventKind,
    rule: AutomationRule,
    now: datetime,
    lookups: Lookups,
    **values: str,
) -> None:
    """A rule's timeline row, queued for the webhooks in the same transaction (call it after the
    ticket carries the change, so `data.ticket` shows it)."""
    event = TicketEvent.objects.create(
        ticket=ticket,
        actor=SYSTEM,
        kind=kind,
        from_value=values.get("before", "")[:200],
        to_value=values.get("after", "")[:200],
        note=f"rule: {rule.name}"[:500],
        created_at=now,
    )
    webhooks.emit(ticket, event, endpoints=lookups.endpoints())


def _set_priority(
    ticket: Ticket, rule: AutomationRule, value: Any, now: datetime, lookups: Lookups
) -> None:
    target = Priority(int(value))
    if ticket.priority == target:
        return
    before = str(ticket.priority)
    ticket.priority = target
    ticket.updated_at = now
    ticket.save(update_fields=["priority", "updated_at"])
    _event(ticket, EventKind.PRIORITY, rule, now, lookups, before=before, after=str(int(target)))
    sla.reapply(ticket, now, lookups.sla)


def _add_tag(
    ticket: Ticket, rule: AutomationRule, value: Any, now: datetime, lookups: Lookups
) -> None:
    tag = str(value).strip().lower()
    if not tag or tag in ticket.tags:
        return
    before = ",".join(ticket.tags)
    ticket.tags = sorted([*ticket.tags, tag])
    ticket.updated_at = now
    ticket.save(update_fields=["tags", "updated_at"])
    _event(ticket, EventKind.TAGS, rule, now, lookups, before=before, after=",".join(ticket.tags))


def _assign_team(
    ticket: Ticket, rule: AutomationRule, value: Any, now: datetime, lookups: Lookups
) -> None:
    team = lookups.team(str(value))
    if team is not None:
        assignment.set_team(
            ticket, team, SYSTEM, now, f"rule: {rule.name}", endpoints=lookups.endpoints()
        )


def _page_team(
    ticket: Ticket, rule: AutomationRule, value: Any, now: datetime, lookups: Lookups
) -> None:
    """Page a team: an in-app page to each of its active members (notifications' `staff_page`,
    shown on the agent desk) and a timeline row naming the team and the members paged. A team
    without members pages everyone who handles escalations (supervisors and above), so an
    escalation never goes nowhere."""
    team = lookups.team(str(value))
    if team is None:
        return
    members = lookups.members(team)
    _event(
        ticket,
        EventKind.PAGED,
        rule,
        now,
        lookups,
        after=team.name,
        before=",".join(str(m) for m in members),
    )
    notifications_facade.page_staff(
        members,
        number=ticket.number,
        subject=ticket.subject,
        reason=RuleEvent(rule.event).label,
        link=reverse("desk:detail", kwargs={"number": ticket.number}),
    )


def escalation_handlers() -> list[int]:
    """Active staff holding `tickets.handle_escalations` through their role group."""
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            groups__permissions__codename="handle_escalations",
            groups__permissions__content_type__app_label="tickets",
        )
        .exclude(role="customer")
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _escalate(
    ticket: Ticket, rule: AutomationRule, value: Any, now: datetime, lookups: Lookups
) -> None:
    _event(ticket, EventKind.ESCALATED, rule, now, lookups, after=str(value or ""))


_RUN: dict[str, Callable[[Ticket, AutomationRule, Any, datetime, Lookups], None]] = {
    "set_priority": _set_priority,
    "add_tag": _add_tag,
    "assign_team": _assign_team,
    "page_team": _page_team,
    "notify_team": _page_team,
    "escalate": _escalate,
}


def _run(ticket: Ticket, rule: AutomationRule, now: datetime, lookups: Lookups) -> None:
    for action in rule.actions:
        _RUN[action["type"]](ticket, rule, action.get("value"), now, lookups)


def _apply(
    ticket: Ticket,
    rules: Sequence[AutomationRule],
    now: datetime,
    *,
    before: Snapshot | None,
    lookups: Lookups | None = None,
) -> list[str]:
    fired: list[str] = []
    lookups = lookups or Lookups()
    for rule in rules:
        after = snapshot(ticket)
        if not matches(rule, after):
            continue
        if before is not None and matches(rule, before):
            continue
        _run(ticket, rule, now, lookups)
        fired.append(rule.name)
    return fired


# --- What the ticket actions and the sweep call ---------------------------------------------------


def ticket_created(ticket: Ticket, now: datetime) -> list[str]:
    """Run the `created` rules on a new (locked) ticket, then route and assign it."""
    lookups = Lookups()
    fired = _apply(ticket, _rules(RuleEvent.CREATED), now, before=None, lookups=lookups)
    assignment.ticket_created(
        ticket, now, endpoints=lookups.endpoints(), announce=lookups.announce()
    )
    return fired


def ticket_updated(ticket: Ticket, before: Snapshot, now: datetime) -> list[str]:
    """Run the `updated` rules whose conditions the change made hold (the ticket is locked)."""
    return _apply(ticket, _rules(RuleEvent.UPDATED), now, before=before)


def sla_recorder() -> Callable[[list[tuple[int, str]], str, datetime], list[str]]:
    """For the SLA sweep: loads the SLA rules once and returns the function it calls with each
    chunk of (ticket id, metric) recorded, inside the transaction that recorded them. Conditions
    are checked on the chunk's tickets loaded at once; the tickets a rule acts on are locked
    together, and teams, members and SLA policies are read once per sweep (`Lookups`)."""
    by_event = {
        EventKind.SLA_WARNING.value: _rules(RuleEvent.SLA_WARNING),
        EventKind.SLA_BREACHED.value: _rules(RuleEvent.SLA_BREACHED),
    }
    # Timers of one ticket often warn together (a complaint's first reply and periodic update are
    # both due in 24 h): a rule fires once per ticket and event in one sweep.
    fired_in_sweep: set[tuple[int, str, int]] = set()
    lookups = Lookups()

    def recorded(chunk: list[tuple[int, str]], kind: str, now: datetime) -> list[str]:
        rules = by_event.get(kind) or []
        if not rules or not chunk:
            return []
        # Plain values, not model instances: most tickets of a chunk match no rule.
        rows = Ticket.objects.filter(pk__in={ticket_id for ticket_id, _metric in chunk}).values(
            "pk", *SNAPSHOT_FIELDS
        )
        tickets = {row["pk"]: row for row in rows}
        planned: dict[int, list[tuple[str, list[AutomationRule]]]] = {}
        for ticket_id, metric in chunk:
            row = tickets.get(ticket_id)
            if row is None or row["status"] not in OPEN_STATUSES:
                continue
            values = _snapshot_of_row(row, metric)
            taken = {rule.pk for _metric, due in planned.get(ticket_id, ()) for rule in due}
            due = [
                rule
                for rule in rules
                if rule.pk not in taken
                and (ticket_id, kind, rule.pk) not in fired_in_sweep
                and matches(rule, values)
            ]
            if due:
                planned.setdefault(ticket_id, []).append((metric, due))
        if not planned:
            return []
        return _escalate_chunk(planned, kind, now, fired_in_sweep, lookups)

    return recorded


def _locked_tickets(ticket_ids: Iterable[int], *, wait: bool) -> dict[int, Ticket]:
    tickets = Ticket.objects.select_for_update(of=("self",), skip_locked=not wait, no_key=True)
    return {
        ticket.pk: ticket
        for ticket in tickets.select_related("category__parent", "team")
        .filter(pk__in=list(ticket_ids))
        .order_by("pk")
    }


def _escalate_chunk(
    planned: dict[int, list[tuple[str, list[AutomationRule]]]],
    kind: str,
    now: datetime,
    fired_in_sweep: set[tuple[int, str, int]],
    lookups: Lookups,
) -> list[str]:
    """Run the planned rules on each ticket under its row lock.

    Inside the sweep's chunk the chunk's timer rows are locked, and a ticket action in progress
    locks its ticket and then its timers: waiting here for that ticket could deadlock. So the
    tickets are locked with `SKIP LOCKED`, and one locked by someone else is escalated right after
    the chunk commits instead, in its own transaction, where waiting is safe (the rules are
    checked again then). Teams that gained an unassigned ticket fill their queue once per chunk.
    """
    locked = _locked_tickets(planned, wait=False)
    fired: list[str] = []
    to_fill: Counter[int] = Counter()
    for ticket_id, steps in planned.items():
        ticket = locked.get(ticket_id)
        if ticket is None:
            for metric, rules in steps:
                for rule in rules:
                    fired_in_sweep.add((ticket_id, kind, rule.pk))
                transaction.on_commit(
                    partial(_escalate_later, ticket_id, kind, metric, rules, now, fired_in_sweep)
                )
            continue
        names = [
            name
            for metric, rules in steps
            for name in _run_on_locked(ticket, kind, metric, rules, now, fired_in_sweep, lookups)
        ]
        if names and ticket.team_id is not None and ticket.assignee_id is None:
            to_fill[ticket.team_id] += 1
        fired.extend(names)
    for team_id, count in to_fill.items():
        assignment.assign_next(team_id, now, limit=count, announce=lookups.announce())
    return fired


def _run_on_locked(
    ticket: Ticket,
    kind: str,
    metric: str,
    rules: list[AutomationRule],
    now: datetime,
    fired_in_sweep: set[tuple[int, str, int]],
    lookups: Lookups,
) -> list[str]:
    fired = []
    for rule in rules:
        if ticket.is_open and matches(rule, snapshot(ticket, metric=metric)):
            fired_in_sweep.add((ticket.pk, kind, rule.pk))
            _run(ticket, rule, now, lookups)
            fired.append(rule.name)
    return fired


def _escalate_later(
    ticket_id: int,
    kind: str,
    metric: str,
    rules: list[AutomationRule],
    now: datetime,
    fired_in_sweep: set[tuple[int, str, int]],
) -> None:
    with transaction.atomic():
        ticket = _locked_tickets([ticket_id], wait=True).get(ticket_id)
        if ticket is None:
            return
        fired = _run_on_locked(ticket, kind, metric, rules, now, fired_in_sweep, Lookups())
        if fired and ticket.team_id is not None and ticket.assignee_id is None:
            assignment.assign_next(ticket.team_id, now, limit=1)
