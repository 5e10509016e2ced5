"""SLA clocks: which policy applies, when each metric's timer starts, pauses, resumes and stops,
and the sweep that records warnings and breaches exactly once.

The ticket actions call these functions inside their own transaction, so a timer never disagrees
with the ticket it measures. Metrics (the names operators know from Zendesk):

- first reply: from a customer's new ticket to the first public reply by an agent;
- next reply: from a customer's message (after the first reply) to the agent's next public reply;
- periodic update: an agent must post a public update at least this often (complaints);
- requester wait: time the customer waits on us; paused while pending (waiting on the customer)
  or on hold, and while solved (a reopening resumes it);
- resolution: from creation to solved (paused while solved; a reopening resumes it).

A running timer stores absolute `due_at` and `warn_at` instants; pausing adds the business time
of the run to `elapsed` and clears them; resuming plans them again from the remaining time.
Changes of policy, priority, category or calendar re-plan the open timers, keeping what was used.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from walletdesk.tickets import webhooks
from walletdesk.tickets.calendars import (
    Schedule,
    add_business_time,
    business_time_between,
    load_schedule,
)
from walletdesk.tickets.enums import (
    EventKind,
    SlaMetric,
    TicketStatus,
    TimerState,
)
from walletdesk.tickets.errors import CalendarDataMissingError
from walletdesk.tickets.models import SlaPolicy, SlaTimer, Ticket, TicketEvent

logger = logging.getLogger(__name__)

# What the sweep calls with each chunk of (ticket id, metric) recorded (tickets.automation).
Recorder = Callable[[list[tuple[int, str]], str, datetime], object]

ALWAYS = Schedule(name="calendar time", zone=ZoneInfo("Asia/Shanghai"), always_open=True)
ACTIVE = (TimerState.RUNNING, TimerState.PAUSED)
REPLY_METRICS = (SlaMetric.FIRST_REPLY, SlaMetric.NEXT_REPLY, SlaMetric.PERIODIC_UPDATE)
SWEEP_BATCH = 500


class _Schedules:
    """Calendars loaded once per operation (three queries each)."""

    def __init__(self) -> None:
        self._loaded: dict[str, Schedule] = {}

    def for_timer(self, timer: SlaTimer) -> Schedule:
        if not timer.business_hours:
            return ALWAYS
        if timer.calendar not in self._loaded:
            self._loaded[timer.calendar] = load_schedule(timer.calendar)
        return self._loaded[timer.calendar]


# --- Policies -----------------------------------------------------------------------------------


def _matches(policy: SlaPolicy, ticket: Ticket) -> bool:
    if policy.kinds and ticket.kind not in policy.kinds:
        return False
    if policy.priorities and ticket.priority not in policy.priorities:
        return False
    if policy.channels and ticket.channel not in policy.channels:
        return False
    category_ids = {category.pk for category in policy.categories.all()}
    return not category_ids or bool({ticket.category_id, ticket.category.parent_id} & category_ids)


def active_policies() -> list[SlaPolicy]:
    """The active policies in the order they are tried, with what `_matches` and `_target` read
    (three queries)."""
    return list(
        SlaPolicy.objects.filter(active=True)
        .select_related("calendar")
        .prefetch_related("categories", "targets")
        .order_by("position", "pk")
    )


def select_policy(ticket: Ticket, policies: list[SlaPolicy] | None = None) -> SlaPolicy | None:
    if policies is None:
        policies = active_policies()
    return next((policy for policy in policies if _matches(policy, ticket)), None)


class PolicyBook:
    """Policies and calendars loaded once for many tickets (the SLA sweep's escalations), so
    re-planning each ticket's timers reads neither again."""

    def __init__(self) -> None:
        self._policies: list[SlaPolicy] | None = None
        self.schedules = _Schedules()

    @property
    def policies(self) -> list[SlaPolicy]:
        if self._policies is None:
            self._policies = active_policies()
        return self._policies


def _target(policy: SlaPolicy, metric: SlaMetric) -> tuple[int, bool] | None:
    for target in policy.targets.all():
        if target.metric == metric:
            return target.minutes, target.business_hours
    return None


# --- Timer life cycle ---------------------------------------------------------------------------


def _plan(timer: SlaTimer, warn_percent: int, schedules: _Schedules) -> None:
    """Set `due_at` and `warn_at` of a running timer from what it has left."""
    assert timer.run_started_at is not None
    target = timedelta(minutes=timer.target_minutes)
    warn = target * warn_percent / 100
    schedule = schedules.for_timer(timer)
    try:
        timer.due_at = add_business_time(
            schedule, timer.run_started_at, max(target - timer.elapsed, timedelta(0))
        )
        timer.warn_at = add_business_time(
            schedule, timer.run_started_at, max(warn - timer.elapsed, timedelta(0))
        )
    except CalendarDataMissingError as missing:
        # The ticket must still be saved; the deadline appears once the calendar has the year's
        # holidays (`calendar_holidays` re-plans every open timer of that calendar).
        timer.due_at = timer.warn_at = None
        logger.warning("SLA deadline unknown for ticket %s: %s", timer.ticket_id, missing)


def _start(
    ticket: Ticket, policy: SlaPolicy, metric: SlaMetric, now: datetime, schedules: _Schedules
) -> SlaTimer | None:
    target = _target(policy, metric)
    if target is None:
        return None
    last = ticket.sla_timers.filter(metric=metric).aggregate(cycle=Max("cycle"))["cycle"] or 0
    minutes, business_hours = target
    timer = SlaTimer(
        ticket=ticket,
        metric=metric,
        cycle=last + 1,
        policy=policy,
        target_minutes=minutes,
        business_hours=business_hours,
        calendar=policy.calendar.name,
        state=TimerState.RUNNING,
        started_at=now,
        run_started_at=now,
    )
    _plan(timer, policy.warn_at_percent, schedules)
    timer.save()
    return timer


def _checkpoint(timer: SlaTimer, now: datetime, schedules: _Schedules) -> None:
    """Fold the current run into `elapsed` (the timer keeps running from `now`)."""
    if timer.state == TimerState.RUNNING and timer.run_started_at is not None:
        timer.elapsed += business_time_between(
            schedules.for_timer(timer), timer.run_started_at, now
        )
        timer.run_started_at = now


def _pause(timer: SlaTimer, now: datetime, schedules: _Schedules) -> None:
    if timer.state != TimerState.RUNNING:
        return
    _checkpoint(timer, now, schedules)
    timer.state = TimerState.PAUSED
    timer.run_started_at = timer.due_at = timer.warn_at = None
    timer.save()


def _resume(timer: SlaTimer, now: datetime, schedules: _Schedules) -> None:
    if timer.state != TimerState.PAUSED:
        return
    timer.state = TimerState.RUNNING
    timer.run_started_at = now
    _plan(timer, timer.policy.warn_at_percent, schedules)
    timer.save()


def _finish(timer: SlaTimer, now: datetime, state: TimerState, schedules: _Schedules) -> None:
    if timer.state not in ACTIVE:
        return
    _checkpoint(timer, now, schedules)
    timer.state = state
    timer.run_started_at = None
    timer.finished_at = now
    timer.save()


def _active(ticket: Ticket, *metrics: SlaMetric) -> list[SlaTimer]:
    timers = ticket.sla_timers.filter(state__in=ACTIVE).select_related("policy")
    if metrics:
        timers = timers.filter(metric__in=metrics)
    return list(timers)


def _refresh_ticket_due(ticket: Ticket) -> None:
    """The earliest running deadline, kept on the ticket so the desk sorts by it with an index."""
    due = ticket.sla_timers.filter(state=TimerState.RUNNING).aggregate(due=Min("due_at"))["due"]
    if due != ticket.sla_due_at:
        ticket.sla_due_at = due
        Ticket.objects.filter(pk=ticket.pk).update(sla_due_at=due)


# --- What the ticket actions call ----------------------------------------------------------------


def ticket_opened(ticket: Ticket, now: datetime, *, by_customer: bool) -> None:
    policy = select_policy(ticket)
    if policy is None:
        return
    schedules = _Schedules()
    metrics = [SlaMetric.REQUESTER_WAIT, SlaMetric.RESOLUTION, SlaMetric.PERIODIC_UPDATE]
    if by_customer:
        metrics.append(SlaMetric.FIRST_REPLY)
    for metric in metrics:
        _start(ticket, policy, metric, now, schedules)
    _refresh_ticket_due(ticket)


def public_message(ticket: Ticket, now: datetime, *, by_staff: bool) -> None:
    schedules = _Schedules()
    if by_staff:
        for timer in _active(ticket, *REPLY_METRICS):
            _finish(timer, now, TimerState.ACHIEVED, schedules)
        policy = select_policy(ticket)
        if policy is not None and ticket.is_open:
            _start(ticket, policy, SlaMetric.PERIODIC_UPDATE, now, schedules)
    else:
        replied = ticket.sla_timers.filter(
            metric__in=(SlaMetric.FIRST_REPLY, SlaMetric.NEXT_REPLY), state=TimerState.ACHIEVED
        ).exists()
        waiting = _active(ticket, SlaMetric.FIRST_REPLY, SlaMetric.NEXT_REPLY)
        if replied and not waiting:
            policy = select_policy(ticket)
            if policy is not None:
                _start(ticket, policy, SlaMetric.NEXT_REPLY, now, schedules)
    _refresh_ticket_due(ticket)


def status_changed(ticket: Ticket, before: str, after: str, now: datetime) -> None:
    schedules = _Schedules()
    waiting_on_others = (TicketStatus.PENDING, TicketStatus.ON_HOLD)
    if after in waiting_on_others:
        for timer in _active(ticket, SlaMetric.REQUESTER_WAIT):
            _pause(timer, now, schedules)
    elif after == TicketStatus.SOLVED:
        for timer in _active(ticket, SlaMetric.REQUESTER_WAIT, SlaMetric.RESOLUTION):
            _pause(timer, now, schedules)
        for timer in _active(ticket, *REPLY_METRICS):
            _finish(timer, now, TimerState.CANCELLED, schedules)
    elif after == TicketStatus.CLOSED:
        for timer in _active(ticket):
            done = (
                TimerState.ACHIEVED
                if timer.state == TimerState.PAUSED and before == TicketStatus.SOLVED
                else TimerState.CANCELLED
            )
            _finish(timer, now, done, schedules)
    elif after in (TicketStatus.OPEN, TicketStatus.NEW):
        resumed: tuple[SlaMetric, ...] = (SlaMetric.REQUESTER_WAIT,)
        if before == TicketStatus.SOLVED:
            resumed = (SlaMetric.REQUESTER_WAIT, SlaMetric.RESOLUTION)
        for timer in _active(ticket, *resumed):
            _resume(timer, now, schedules)
    _refresh_ticket_due(ticket)


def ticket_merged_away(ticket: Ticket, now: datetime) -> None:
    """A merged duplicate keeps no clock: it is not answered late, it lives on in the target."""
    schedules = _Schedules()
    for timer in _active(ticket):
        _finish(timer, now, TimerState.CANCELLED, schedules)
    _refresh_ticket_due(ticket)


def reapply(ticket: Ticket, now: datetime, book: PolicyBook | None = None) -> None:
    """Priority, category, kind or channel changed: move the open timers to the policy that now
    applies, keeping the business time already used (a target tightened past it is overdue).
    `book`: policies and calendars already loaded (several tickets in one operation)."""
    book = book or PolicyBook()
    policy = select_policy(ticket, book.policies)
    schedules = book.schedules
    for timer in _active(ticket):
        target = _target(policy, SlaMetric(timer.metric)) if policy is not None else None
        if policy is None or target is None:
            _finish(timer, now, TimerState.CANCELLED, schedules)
            continue
        _checkpoint(timer, now, schedules)
        timer.policy = policy
        timer.target_minutes, timer.business_hours = target
        timer.calendar = policy.calendar.name
        if timer.state == TimerState.RUNNING:
            _plan(timer, policy.warn_at_percent, schedules)
        timer.save()
    _refresh_ticket_due(ticket)


def replan_calendar(calendar_name: str) -> int:
    """A calendar was edited: re-plan every running timer on it (the business time already used
    stays as counted). Returns how many were re-planned."""
    schedules = _Schedules()
    count = 0
    timers = (
        SlaTimer.objects.filter(
            state=TimerState.RUNNING, business_hours=True, calendar=calendar_name
        )
        .select_related("policy", "ticket")
        .order_by("pk")
    )
    for timer in timers.iterator(chunk_size=SWEEP_BATCH):
        _plan(timer, timer.policy.warn_at_percent, schedules)
        timer.save(update_fields=["due_at", "warn_at"])
        _refresh_ticket_due(timer.ticket)
        count += 1
    return count


def replan_policy(policy_id: int) -> int:
    """A policy or one of its targets was edited: re-plan the open timers counting on it against
    the policies as they are now (the business time already used stays as counted; a policy that
    no longer applies hands the ticket to the one that does). Returns how many tickets."""
    book = PolicyBook()
    now = timezone.now()
    ticket_ids = (
        SlaTimer.objects.filter(policy_id=policy_id, state__in=ACTIVE)
        .values_list("ticket_id", flat=True)
        .distinct()
        .order_by("ticket_id")
    )
    count = 0
    for ticket_id in list(ticket_ids):
        with transaction.atomic():
            ticket = (
                Ticket.objects.select_for_update(no_key=True, of=("self",))
                .select_related("category")
                .filter(pk=ticket_id)
                .first()
            )
            if ticket is not None:
                reapply(ticket, now, book)
                count += 1
    return count


# --- The sweep ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SweepResult:
    warned: int
    breached: int


def _insert_sweep_events(
    timer_ids: list[int], kind: EventKind, now: datetime
) -> list[tuple[int, int, str]]:
    """The chunk's timeline rows, written by the database from the timers themselves in one
    `INSERT … SELECT … RETURNING`: built as 40,000 model instances for `bulk_create` they were
    a third of a sweep's time, nearly all of it in Python. Returns (event id, ticket id,
    metric) of each row."""
    event = TicketEvent._meta
    timer = SlaTimer._meta
    # Identifiers from the models' own metadata, never from input; every value is a parameter.
    col = {f.name: f.column for f in event.concrete_fields}
    timer_ticket, timer_metric = timer.get_field("ticket").column, timer.get_field("metric").column
    ids = ", ".join(["%s"] * len(timer_ids))
    sql = (
        f"INSERT INTO {event.db_table} ({col['ticket']}, {col['actor']}, {col['kind']},"  # noqa: S608
        f" {col['from_value']}, {col['to_value']}, {col['note']}, {col['created_at']})"
        f" SELECT {timer_ticket}, %s, %s, '', {timer_metric}, '', %s FROM {timer.db_table}"
        f" WHERE {timer.pk.column} IN ({ids})"
        f" RETURNING {event.pk.column}, {col['ticket']}, {col['to_value']}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ["system", kind.value, now, *timer_ids])
        return [(pk, ticket_id, metric) for pk, ticket_id, metric in cursor.fetchall()]


def _record_due(
    stamp: str,
    deadline: str,
    kind: EventKind,
    now: datetime,
    recorded: Recorder,
    announce: Callable[[Sequence[TicketEvent]], object] | None,
) -> int:
    """Record every timer whose `deadline` has passed and `stamp` is empty, in chunks.

    Each chunk is one transaction: its timers are claimed with `SKIP LOCKED` (a sweep running at
    the same time takes other timers, or finds these already stamped once this one commits), then
    stamped, their timeline rows written (and queued for the webhooks) and the automation rules
    run, all or nothing.
    """
    count = 0
    while count < SWEEP_BATCH * 40:
        with transaction.atomic():
            rows = list(
                SlaTimer.objects.select_for_update(skip_locked=True)
                .filter(state=TimerState.RUNNING, **{f"{stamp}__isnull": True})
                .filter(**{f"{deadline}__lte": now})
                .order_by(deadline, "pk")
                .values_list("pk", "ticket_id", "metric")[:SWEEP_BATCH]
            )
            if not rows:
                break
            stamped = SlaTimer.objects.filter(
                pk__in=[pk for pk, _ticket, _metric in rows], **{f"{stamp}__isnull": True}
            ).update(**{stamp: now})
            if stamped != len(rows):
                # Only possible without row locks, if another sweep stamped some of these in
                # between: undo this chunk (the other sweep recorded them; the rest come next run).
                transaction.set_rollback(True)
                break
            written = _insert_sweep_events([pk for pk, _ticket, _metric in rows], kind, now)
            recorded([(ticket_id, metric) for _pk, ticket_id, metric in rows], kind, now)
            if announce is not None:
                # After the rules, so each event reports the ticket as they left it (escalated).
                announce(
                    [
                        TicketEvent(
                            id=pk,
                            ticket_id=ticket_id,
                            actor="system",
                            kind=kind,
                            to_value=metric,
                            created_at=now,
                        )
                        for pk, ticket_id, metric in written
                    ]
                )
        count += len(rows)
    return count


def sweep(now: datetime) -> SweepResult:
    """Record warnings and breaches that are due (each exactly once, however often it runs), run
    the automation rules on each (escalation) and queue its webhook event, in the same
    transaction as its record."""
    from walletdesk.tickets.automation import sla_recorder

    recorded = sla_recorder()
    endpoints = webhooks.active_endpoints()
    announce = webhooks.announcer(endpoints)

    def announcer_for(kind: EventKind) -> Callable[[Sequence[TicketEvent]], object] | None:
        event_type = webhooks.EVENT_TYPES.get(kind)
        wanted = event_type is not None and any(e.wants(event_type) for e in endpoints)
        return announce if wanted else None

    warned = _record_due(
        "warned_at",
        "warn_at",
        EventKind.SLA_WARNING,
        now,
        recorded,
        announcer_for(EventKind.SLA_WARNING),
    )
    breached = _record_due(
        "breached_at",
        "due_at",
        EventKind.SLA_BREACHED,
        now,
        recorded,
        announcer_for(EventKind.SLA_BREACHED),
    )
    return SweepResult(warned, breached)
