"""SLA clocks on real tickets: starting, achieving, pausing, resuming, re-planning and the sweep.

The cases include the bugs other helpdesks shipped: a pause that still counts, a breach recorded
twice, a timer left running on a merged ticket, a calendar edit that does not move open deadlines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from walletdesk.core.actors import Actor
from walletdesk.identity.enums import Role
from walletdesk.tickets import actions, sla
from walletdesk.tickets.enums import EventKind, Priority, SlaMetric, TicketKind, TicketStatus
from walletdesk.tickets.models import (
    BusinessCalendar,
    CalendarDay,
    SlaPolicy,
    SlaTarget,
    SlaTimer,
    Ticket,
    TicketEvent,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def beijing(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def clock() -> Iterator[Any]:
    # Tuesday 3 November 2026, 17:00 in Beijing: one business hour left that day.
    with time_machine.travel(beijing(11, 3, 17), tick=False) as traveller:
        yield traveller


@pytest.fixture
def agent(user_factory: Callable[..., Any]) -> Actor:
    return Actor.agent(user_factory(role=Role.AGENT).pk)


@pytest.fixture
def me(customer: Any) -> Actor:
    return Actor.customer(customer.pk)


def open_for(actor: Actor, **overrides: Any) -> Ticket:
    fields: dict[str, Any] = {
        "customer_id": actor.user_id,
        "subject": "提现没到账",
        "body": "提现三天了还没到",
        "category": "withdraw_not_arrived",
    }
    fields.update(overrides)
    return actions.open_ticket(actor, **fields)


def timer(ticket: Ticket, metric: SlaMetric, cycle: int = 1) -> SlaTimer:
    return SlaTimer.objects.get(ticket=ticket, metric=metric, cycle=cycle)


def events(kind: EventKind) -> list[tuple[str, str]]:
    return list(TicketEvent.objects.filter(kind=kind).values_list("ticket__number", "to_value"))


def test_standard_policy_starts_its_clocks_on_business_hours(clock: Any, me: Actor) -> None:
    ticket = open_for(me)
    first = timer(ticket, SlaMetric.FIRST_REPLY)
    assert first.policy.name == "标准 Standard"
    # 4 business hours from Tuesday 17:00: one hour on Tuesday, three on Wednesday.
    assert first.due_at == beijing(11, 4, 12)
    # The warning comes at 75 %: three business hours in, Wednesday 11:00.
    assert first.warn_at == beijing(11, 4, 11)
    assert timer(ticket, SlaMetric.REQUESTER_WAIT).due_at == beijing(11, 6, 17)
    ticket.refresh_from_db()
    assert ticket.sla_due_at == first.due_at


def test_an_agent_reply_achieves_the_first_reply_and_a_customer_message_starts_next_reply(
    clock: Any, me: Actor, agent: Actor
) -> None:
    ticket = open_for(me)
    clock.shift(timedelta(minutes=30))
    actions.add_message(agent, ticket.number, "我们正在核查。")
    first = timer(ticket, SlaMetric.FIRST_REPLY)
    assert first.state == "achieved"
    assert first.elapsed == timedelta(minutes=30)
    assert not SlaTimer.objects.filter(metric=SlaMetric.NEXT_REPLY).exists()

    clock.shift(timedelta(minutes=10))
    actions.add_message(me, ticket.number, "还没到账")
    following = timer(ticket, SlaMetric.NEXT_REPLY)
    assert following.state == "running"
    # 8 business hours from Tuesday 17:40: 20 min Tuesday, 7 h 40 min Wednesday.
    assert following.due_at == beijing(11, 4, 16, 40)


def test_an_internal_note_is_not_a_reply(clock: Any, me: Actor, agent: Actor) -> None:
    ticket = open_for(me)
    actions.add_message(agent, ticket.number, "内部", visibility="internal")  # type: ignore[arg-type]
    assert timer(ticket, SlaMetric.FIRST_REPLY).state == "running"


def test_a_pause_does_not_count(clock: Any, me: Actor, agent: Actor) -> None:
    ticket = open_for(me)
    clock.shift(timedelta(minutes=30))
    actions.add_message(agent, ticket.number, "请提供银行流水号", then_status=TicketStatus.PENDING)
    wait = timer(ticket, SlaMetric.REQUESTER_WAIT)
    assert (wait.state, wait.elapsed, wait.due_at) == ("paused", timedelta(minutes=30), None)

    # The customer answers two business days later; those days do not count.
    clock.move_to(beijing(11, 5, 17))
    actions.add_message(me, ticket.number, "流水号是 123")
    wait.refresh_from_db()
    assert wait.state == "running"
    assert wait.elapsed == timedelta(minutes=30)
    # 27 business hours in total, 30 minutes used: 26 h 30 min from Thursday 17:00.
    assert wait.due_at == beijing(11, 10, 16, 30)


def test_on_hold_pauses_and_solving_pauses_resolution_until_a_reopening(
    clock: Any, me: Actor, agent: Actor
) -> None:
    ticket = open_for(me)
    actions.change_status(agent, ticket.number, TicketStatus.ON_HOLD)
    assert timer(ticket, SlaMetric.REQUESTER_WAIT).state == "paused"
    assert timer(ticket, SlaMetric.RESOLUTION).state == "running"
    clock.shift(timedelta(hours=20))
    actions.change_status(agent, ticket.number, TicketStatus.SOLVED)
    resolution = timer(ticket, SlaMetric.RESOLUTION)
    assert resolution.state == "paused"
    assert timer(ticket, SlaMetric.FIRST_REPLY).state == "cancelled"

    clock.shift(timedelta(days=2))
    actions.add_message(me, ticket.number, "还是没到")
    resolution.refresh_from_db()
    assert resolution.state == "running"
    assert resolution.cycle == 1


def test_closing_a_solved_ticket_achieves_its_clocks(clock: Any, me: Actor, agent: Actor) -> None:
    ticket = open_for(me)
    actions.add_message(agent, ticket.number, "已处理", then_status=TicketStatus.SOLVED)
    actions.change_status(agent, ticket.number, TicketStatus.CLOSED)
    states = dict(SlaTimer.objects.filter(ticket=ticket).values_list("metric", "state"))
    assert states == {
        "first_reply": "achieved",
        "requester_wait": "achieved",
        "resolution": "achieved",
    }


def test_a_breach_is_recorded_once_however_often_the_sweep_runs(clock: Any, me: Actor) -> None:
    ticket = open_for(me)
    clock.move_to(beijing(11, 4, 11, 30))
    assert sla.sweep(datetime.now(SHANGHAI)) == sla.SweepResult(warned=1, breached=0)
    clock.move_to(beijing(11, 4, 12, 1))
    first_sweep = sla.sweep(datetime.now(SHANGHAI))
    second_sweep = sla.sweep(datetime.now(SHANGHAI))
    assert first_sweep == sla.SweepResult(warned=0, breached=1)
    assert second_sweep == sla.SweepResult(warned=0, breached=0)
    assert events(EventKind.SLA_BREACHED) == [(ticket.number, "first_reply")]
    assert events(EventKind.SLA_WARNING) == [(ticket.number, "first_reply")]
    breached = timer(ticket, SlaMetric.FIRST_REPLY)
    assert breached.breached_at is not None
    assert breached.state == "running"  # still to be answered, late


def test_a_merged_duplicate_keeps_no_clock(clock: Any, me: Actor, agent: Actor) -> None:
    keep = open_for(me)
    duplicate = open_for(me)
    actions.merge(agent, duplicate.number, keep.number)
    assert set(SlaTimer.objects.filter(ticket=duplicate).values_list("state", flat=True)) == {
        "cancelled"
    }
    duplicate.refresh_from_db()
    assert duplicate.sla_due_at is None
    clock.shift(timedelta(days=30))
    sla.sweep(datetime.now(SHANGHAI))
    breached = {number for number, _ in events(EventKind.SLA_BREACHED)}
    assert breached == {keep.number}  # the ticket kept is late; the duplicate records nothing


def test_a_calendar_edit_moves_open_deadlines(
    clock: Any, me: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = open_for(me)
    assert timer(ticket, SlaMetric.FIRST_REPLY).due_at == beijing(11, 4, 12)
    # The deadlines move once the edit commits (as an admin save does).
    with django_capture_on_commit_callbacks(execute=True):
        CalendarDay.objects.create(
            calendar=BusinessCalendar.objects.get(name="cn-mainland"),
            date=date(2026, 11, 4),
            kind="holiday",
            name_en="Company day off",
        )
    # Wednesday is now a holiday: the three remaining hours move to Thursday.
    assert timer(ticket, SlaMetric.FIRST_REPLY).due_at == beijing(11, 5, 12)
    ticket.refresh_from_db()
    assert ticket.sla_due_at == beijing(11, 5, 12)


def test_raising_the_priority_moves_the_ticket_to_the_urgent_policy(
    clock: Any, me: Actor, agent: Actor
) -> None:
    ticket = open_for(me)
    clock.shift(timedelta(minutes=10))
    actions.triage(agent, ticket.number, priority=Priority.URGENT)
    first = timer(ticket, SlaMetric.FIRST_REPLY)
    assert first.policy.name == "紧急 Urgent"
    assert first.elapsed == timedelta(minutes=10)
    # 30 calendar minutes in all, 10 already used.
    assert first.due_at == beijing(11, 3, 17, 30)
    # The urgent policy has no requester-wait target: that clock stops.
    assert timer(ticket, SlaMetric.REQUESTER_WAIT).state == "cancelled"


def test_editing_a_policy_target_moves_the_open_deadlines(
    clock: Any, me: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = open_for(me)
    clock.shift(timedelta(minutes=30))
    target = SlaTarget.objects.get(policy__name="标准 Standard", metric=SlaMetric.FIRST_REPLY)
    target.minutes = 8 * 60
    with django_capture_on_commit_callbacks(execute=True):
        target.save()
    first = timer(ticket, SlaMetric.FIRST_REPLY)
    assert first.target_minutes == 8 * 60
    assert first.elapsed == timedelta(minutes=30)
    # 8 business hours from Tuesday 17:00: one on Tuesday, seven on Wednesday (09:00–16:00).
    assert first.due_at == beijing(11, 4, 16)
    ticket.refresh_from_db()
    assert ticket.sla_due_at == beijing(11, 4, 16)


def test_complaints_have_their_own_round_the_clock_promise_and_periodic_updates(
    clock: Any, me: Actor, agent: Actor
) -> None:
    ticket = open_for(me, kind=TicketKind.COMPLAINT, category="complaint_general")
    first = timer(ticket, SlaMetric.FIRST_REPLY)
    assert first.due_at == beijing(11, 4, 17)
    assert first.warn_at == beijing(11, 4, 11)
    clock.shift(timedelta(hours=3))
    actions.add_message(agent, ticket.number, "已收到您的投诉，我们正在调查。")
    update = timer(ticket, SlaMetric.PERIODIC_UPDATE, cycle=2)
    assert update.due_at == beijing(11, 4, 20)
    assert timer(ticket, SlaMetric.PERIODIC_UPDATE, cycle=1).state == "achieved"


def test_a_ticket_beyond_the_holiday_data_is_still_opened(me: Actor) -> None:
    with time_machine.travel(datetime(2026, 12, 31, 17, 30, tzinfo=SHANGHAI), tick=False):
        ticket = open_for(me)
    first = timer(ticket, SlaMetric.FIRST_REPLY)
    assert first.state == "running"
    assert first.due_at is None


def test_no_matching_policy_means_no_clocks(clock: Any, me: Actor) -> None:
    SlaPolicy.objects.update(active=False)
    ticket = open_for(me)
    assert not SlaTimer.objects.filter(ticket=ticket).exists()


def test_the_sweep_job_records_what_is_due(clock: Any, me: Actor) -> None:
    from walletdesk.tickets.tasks import sweep_sla

    open_for(me)
    clock.move_to(beijing(11, 4, 12, 5))
    assert sweep_sla() == {"warned": 1, "breached": 1}
    assert sweep_sla() == {"warned": 0, "breached": 0}
