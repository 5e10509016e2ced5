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
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from walletdesk.tickets import assignment, sla
from walletdesk.tickets.enums import OPEN_STATUSES, EventKind, Priority
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


# --- Actions --------------------------------------------------------------------------------------


def _event(
    ticket: Ticket, kind: EventKind, rule: AutomationRule, now: datetime, **values: str
) -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        actor=SYSTEM,
        kind=kind,
        from_value=values.get("before", "")[:200],
        to_value=values.get("after", "")[:200],
        note=f"rule: {rule.name}"[:500],
        created_at=now,
    )


def _team(name: str) -> Team | None:
    team = Team.objects.filter(name=name, active=True).first()
    if team is None:
        logger.warning("automation rule names a missing or inactive team %s", name)
    return team


def _set_priority(ticket: Ticket, rule: AutomationRule, value: Any, now: datetime) -> None:
    target = Priority(int(value))
    if ticket.priority == target:
        return
    _event(
        ticket, EventKind.PRIORITY, rule, now, before=str(ticket.priority), after=str(int(target))
    )
    ticket.priority = target
    ticket.updated_at = now
    ticket.save(update_fields=["priority", "updated_at"])
    sla.reapply(ticket, now)


def _add_tag(ticket: Ticket, rule: AutomationRule, value: Any, now: datetime) -> None:
    tag = str(value).strip().lower()
    if not tag or tag in ticket.tags:
        return
    tags = sorted([*ticket.tags, tag])
    _event(ticket, EventKind.TAGS, rule, now, before=",".join(ticket.tags), after=",".join(tags))
    ticket.tags = tags
    ticket.updated_at = now
    ticket.save(update_fields=["tags", "updated_at"])


def _assign_team(ticket: Ticket, rule: AutomationRule, value: Any, now: datetime) -> None:
    team = _team(str(value))
    if team is not None:
        assignment.set_team(ticket, team, SYSTEM, now, f"rule: {rule.name}")


def _page_team(ticket: Ticket, rule: AutomationRule, value: Any, now: datetime) -> None:
    """Page a team: a timeline row naming the team and the members paged. (Notifications has no
    staff message kind yet; the desk shows paged tickets from this row.)"""
    team = _team(str(value))
    if team is None:
        return
    members = list(
        team.memberships.filter(agent__is_active=True)
        .order_by("agent_id")
        .values_list("agent_id", flat=True)
    )
    _event(
        ticket,
        EventKind.PAGED,
        rule,
        now,
        after=team.name,
        before=",".join(str(m) for m in members),
    )


def _escalate(ticket: Ticket, rule: AutomationRule, value: Any, now: datetime) -> None:
    _event(ticket, EventKind.ESCALATED, rule, now, after=str(value or ""))


_RUN: dict[str, Callable[[Ticket, AutomationRule, Any, datetime], None]] = {
    "set_priority": _set_priority,
    "add_tag": _add_tag,
    "assign_team": _assign_team,
    "page_team": _page_team,
    "notify_team": _page_team,
    "escalate": _escalate,
}


def _run(ticket: Ticket, rule: AutomationRule, now: datetime) -> None:
    for action in rule.actions:
        _RUN[action["type"]](ticket, rule, action.get("value"), now)


def _apply(
    ticket: Ticket, rules: Sequence[AutomationRule], now: datetime, *, before: Snapshot | None
) -> list[str]:
    fired: list[str] = []
    for rule in rules:
        after = snapshot(ticket)
        if not matches(rule, after):
            continue
        if before is not None and matches(rule, before):
            continue
        _run(ticket, rule, now)
        fired.append(rule.name)
    return fired


# --- What the ticket actions and the sweep call ---------------------------------------------------


def ticket_created(ticket: Ticket, now: datetime) -> list[str]:
    """Run the `created` rules on a new (locked) ticket, then route and assign it."""
    fired = _apply(ticket, _rules(RuleEvent.CREATED), now, before=None)
    assignment.ticket_created(ticket, now)
    return fired


def ticket_updated(ticket: Ticket, before: Snapshot, now: datetime) -> list[str]:
    """Run the `updated` rules whose conditions the change made hold (the ticket is locked)."""
    return _apply(ticket, _rules(RuleEvent.UPDATED), now, before=before)


def sla_recorder() -> Callable[[list[tuple[int, str]], str, datetime], list[str]]:
    """For the SLA sweep: loads the SLA rules once and returns the function it calls with each
    chunk of (ticket id, metric) recorded, inside the transaction that recorded them. Conditions
    are checked on the chunk's tickets loaded at once; only tickets a rule acts on are locked."""
    by_event = {
        EventKind.SLA_WARNING.value: _rules(RuleEvent.SLA_WARNING),
        EventKind.SLA_BREACHED.value: _rules(RuleEvent.SLA_BREACHED),
    }
    # Timers of one ticket often warn together (a complaint's first reply and periodic update are
    # both due in 24 h): a rule fires once per ticket and event in one sweep.
    fired_in_sweep: set[tuple[int, str, int]] = set()

    def recorded(chunk: list[tuple[int, str]], kind: str, now: datetime) -> list[str]:
        rules = by_event.get(kind) or []
        if not rules or not chunk:
            return []
        # Plain values, not model instances: most tickets of a chunk match no rule.
        rows = Ticket.objects.filter(pk__in={ticket_id for ticket_id, _metric in chunk}).values(
            "pk", *SNAPSHOT_FIELDS
        )
        tickets = {row["pk"]: row for row in rows}
        fired: list[str] = []
        for ticket_id, metric in chunk:
            row = tickets.get(ticket_id)
            if row is None or row["status"] not in OPEN_STATUSES:
                continue
            values = _snapshot_of_row(row, metric)
            due = [
                rule
                for rule in rules
                if (ticket_id, kind, rule.pk) not in fired_in_sweep and matches(rule, values)
            ]
            if due:
                fired.extend(_escalate_locked(ticket_id, kind, metric, due, now, fired_in_sweep))
        return fired

    return recorded


def _escalate_locked(
    ticket_id: int,
    kind: str,
    metric: str,
    rules: list[AutomationRule],
    now: datetime,
    fired_in_sweep: set[tuple[int, str, int]],
    *,
    wait: bool = False,
) -> list[str]:
    """Run `rules` on the ticket under its row lock.

    Inside the sweep's chunk (`wait=False`) the chunk's timer rows are locked, and a ticket action
    in progress locks its ticket and then its timers: waiting here for that ticket could deadlock.
    So a ticket locked by someone else is escalated right after the chunk commits instead, in its
    own transaction, where waiting is safe (the rules are checked again then).
    """
    tickets = Ticket.objects.select_for_update(of=("self",), skip_locked=not wait, no_key=True)
    ticket = tickets.select_related("category__parent", "team").filter(pk=ticket_id).first()
    if ticket is None:
        if not wait:
            for rule in rules:
                fired_in_sweep.add((ticket_id, kind, rule.pk))
            transaction.on_commit(
                lambda: _escalate_later(ticket_id, kind, metric, rules, now, fired_in_sweep)
            )
        return []
    fired = []
    for rule in rules:
        if ticket.is_open and matches(rule, snapshot(ticket, metric=metric)):
            fired_in_sweep.add((ticket_id, kind, rule.pk))
            _run(ticket, rule, now)
            fired.append(rule.name)
    if fired and ticket.team_id is not None and ticket.assignee_id is None:
        assignment.assign_next(ticket.team_id, now, limit=1)
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
        _escalate_locked(ticket_id, kind, metric, rules, now, fired_in_sweep, wait=True)
