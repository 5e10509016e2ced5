"""Tickets: numbers, the status map, replies and notes, reopening, triage, merging, access."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from walletdesk.core.actors import Actor
from walletdesk.core.errors import InvalidStateTransitionError, ValidationFailedError
from walletdesk.identity.enums import Role
from walletdesk.tickets import actions, selectors
from walletdesk.tickets.enums import (
    TICKET_TRANSITIONS,
    EventKind,
    LinkKind,
    Priority,
    TicketStatus,
    Visibility,
)
from walletdesk.tickets.errors import (
    CategoryNotFoundError,
    TicketActionNotAllowedError,
    TicketClosedError,
    TicketMergeInvalidError,
    TicketNotFoundError,
    TicketNotRateableError,
    TicketRecordNotFoundError,
)
from walletdesk.tickets.models import Category, Ticket, TicketEvent
from walletdesk.tickets.numbering import format_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(user_factory: Callable[..., Any]) -> Actor:
    return Actor.agent(user_factory(role=Role.AGENT).pk)


@pytest.fixture
def me(customer: Any) -> Actor:
    return Actor.customer(customer.pk)


def a_record(user_id: int, kind: str = "top_up") -> actions.RecordRef:
    """A record in the customer's records list (the row the records page reads)."""
    from walletdesk.payments.models import Activity

    row = Activity.objects.create(
        user_id=user_id,
        type=kind,
        status="pending",
        currency="CNY",
        amount=2_000_00,
        title="银行卡充值",
        object_public_id=uuid.uuid4(),
        created_at=timezone.now(),
    )
    return actions.RecordRef(LinkKind(kind), str(row.object_public_id))


def open_for(actor: Actor, **overrides: Any) -> Ticket:
    fields: dict[str, Any] = {
        "customer_id": actor.user_id,
        "subject": "充值不到账",
        "body": "我昨天充值了 2,000 元，到现在还没到账。",
        "category": "topup_not_arrived",
    }
    fields.update(overrides)
    return actions.open_ticket(actor, **fields)


def timeline(ticket: Ticket) -> list[tuple[str, str, str]]:
    return list(
        TicketEvent.objects.filter(ticket=ticket)
        .order_by("pk")
        .values_list("kind", "from_value", "to_value")
    )


# --- Numbers ------------------------------------------------------------------------------------


def test_numbers_carry_the_beijing_month_and_a_counter_that_never_resets(me: Actor) -> None:
    # 2026-11-30 17:00 UTC is already 1 December in Beijing.
    with time_machine.travel("2026-11-30T17:00:00Z", tick=False):
        first = open_for(me)
    with time_machine.travel("2027-01-02T03:00:00Z", tick=False):
        second = open_for(me)
    assert re.fullmatch(r"WD-2612-\d{6}", first.number)
    sequence = int(first.number.rsplit("-", 1)[1])
    assert second.number == f"WD-2701-{sequence + 1:06d}"


def test_numbers_grow_past_six_digits() -> None:
    moment = timezone.now()
    assert format_number(1_234_567, moment).endswith("-1234567")
    assert format_number(7, moment).endswith("-000007")


# --- Opening ------------------------------------------------------------------------------------


def test_opening_writes_the_first_message_the_timeline_and_the_links(me: Actor) -> None:
    record = a_record(me.user_id or 0)
    ticket = open_for(me, records=[record, record])
    assert ticket.status == TicketStatus.NEW
    assert ticket.category.slug == "topup_not_arrived"
    assert [m.body for m in ticket.messages.all()] == ["我昨天充值了 2,000 元，到现在还没到账。"]
    assert [k for k, _, _ in timeline(ticket)] == [
        EventKind.CREATED,
        EventKind.MESSAGE,
        EventKind.LINKED,
    ]
    assert list(ticket.links.values_list("kind", "object_id")) == [("top_up", record.object_id)]


def test_only_the_customers_own_records_can_be_linked(
    me: Actor, user_factory: Callable[..., Any]
) -> None:
    theirs = a_record(user_factory().pk)
    with pytest.raises(TicketRecordNotFoundError):
        open_for(me, records=[theirs])
    with pytest.raises(TicketRecordNotFoundError):
        open_for(me, records=[actions.RecordRef(LinkKind.TOP_UP, "not-a-uuid")])
    assert not Ticket.objects.exists()


def test_a_customer_cannot_open_a_ticket_for_someone_else(
    me: Actor, user_factory: Callable[..., Any]
) -> None:
    other = user_factory()
    with pytest.raises(TicketActionNotAllowedError):
        open_for(me, customer_id=other.pk)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"), [("subject", "   "), ("body", ""), ("body", "字" * 10_001)]
)
def test_bad_text_is_refused_and_nothing_is_written(me: Actor, field: str, value: str) -> None:
    with pytest.raises(ValidationFailedError) as caught:
        open_for(me, **{field: value})
    assert field in caught.value.details["fields"]
    assert not Ticket.objects.exists()


def test_an_unknown_or_inactive_category_is_refused(me: Actor) -> None:
    with pytest.raises(CategoryNotFoundError):
        open_for(me, category="nope")
    Category.objects.filter(slug="fees_general").update(active=False)
    with pytest.raises(CategoryNotFoundError):
        open_for(me, category="fees_general")


def test_shipped_categories_cover_every_intent_that_needs_a_person() -> None:
    intents = set(Category.objects.exclude(intent="").values_list("intent", flat=True))
    assert {"topup_not_arrived", "withdraw_failed", "complaint", "emergency_freeze"} <= intents
    assert not Category.objects.filter(parent=None).exclude(intent="").exists()


# --- Status map ---------------------------------------------------------------------------------


def test_transition_map_is_closed_over_the_statuses() -> None:
    statuses = {s.value for s in TicketStatus}
    assert set(TICKET_TRANSITIONS) == statuses
    for targets in TICKET_TRANSITIONS.values():
        assert targets <= statuses
    assert TICKET_TRANSITIONS[TicketStatus.CLOSED] == frozenset()
    assert TicketStatus.NEW not in set().union(*TICKET_TRANSITIONS.values())


def test_agents_move_tickets_along_the_map_and_each_move_is_recorded(
    me: Actor, agent: Actor
) -> None:
    ticket = open_for(me)
    actions.change_status(agent, ticket.number, TicketStatus.PENDING)
    actions.change_status(agent, ticket.number, TicketStatus.SOLVED)
    with pytest.raises(InvalidStateTransitionError):
        actions.change_status(agent, ticket.number, TicketStatus.PENDING)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SOLVED
    assert ticket.solved_at is not None
    status_rows = [(f, t) for k, f, t in timeline(ticket) if k == EventKind.STATUS]
    assert status_rows == [("new", "pending"), ("pending", "solved")]
    assert TicketEvent.objects.filter(ticket=ticket, actor=agent.label).count() == 2


def test_customers_may_only_mark_solved_or_reopen(me: Actor) -> None:
    ticket = open_for(me)
    with pytest.raises(TicketActionNotAllowedError):
        actions.change_status(me, ticket.number, TicketStatus.ON_HOLD)
    with pytest.raises(TicketActionNotAllowedError):
        actions.change_status(me, ticket.number, TicketStatus.OPEN)
    actions.change_status(me, ticket.number, TicketStatus.SOLVED)
    actions.change_status(me, ticket.number, TicketStatus.OPEN)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.solved_at is None


# --- Replies, notes, reopening -----------------------------------------------------------------


def test_an_agents_first_public_reply_opens_a_new_ticket_and_a_note_stays_internal(
    me: Actor, agent: Actor
) -> None:
    ticket = open_for(me)
    actions.add_message(agent, ticket.number, "内部：已联系银行", visibility=Visibility.INTERNAL)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW
    actions.add_message(agent, ticket.number, "您好，我们正在核查这笔充值。")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    seen_by_customer = [m.body for m in selectors.visible_messages(me, ticket)]
    assert "内部：已联系银行" not in seen_by_customer
    assert "内部：已联系银行" in [m.body for m in selectors.visible_messages(agent, ticket)]


def test_customers_cannot_write_internal_notes_or_set_a_status_with_a_reply(me: Actor) -> None:
    ticket = open_for(me)
    with pytest.raises(TicketActionNotAllowedError):
        actions.add_message(me, ticket.number, "note", visibility=Visibility.INTERNAL)
    with pytest.raises(TicketActionNotAllowedError):
        actions.add_message(me, ticket.number, "hi", then_status=TicketStatus.SOLVED)


def test_a_customer_reply_brings_a_pending_ticket_back_and_reopens_a_solved_one(
    me: Actor, agent: Actor
) -> None:
    ticket = open_for(me)
    actions.add_message(agent, ticket.number, "请提供付款截图。", then_status=TicketStatus.PENDING)
    actions.add_message(me, ticket.number, "截图如下")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    actions.add_message(agent, ticket.number, "已到账。", then_status=TicketStatus.SOLVED)
    actions.add_message(me, ticket.number, "还是没看到")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN


def test_reopening_is_refused_after_seven_days(me: Actor, agent: Actor) -> None:
    ticket = open_for(me)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        actions.change_status(agent, ticket.number, TicketStatus.SOLVED)
        clock.shift(timedelta(days=7) - timedelta(minutes=1))
        actions.add_message(me, ticket.number, "还有一个问题")
        actions.change_status(agent, ticket.number, TicketStatus.SOLVED)
        clock.shift(timedelta(days=7, minutes=1))
        with pytest.raises(TicketClosedError) as caught:
            actions.add_message(me, ticket.number, "又有问题")
    assert ticket.number in caught.value.user_message
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SOLVED
    # The opening message and the first follow-up; the late reply was rolled back with the refusal.
    assert ticket.messages.count() == 2


def test_a_closed_ticket_takes_no_reply(me: Actor, agent: Actor) -> None:
    ticket = open_for(me)
    actions.change_status(agent, ticket.number, TicketStatus.SOLVED)
    actions.change_status(agent, ticket.number, TicketStatus.CLOSED)
    with pytest.raises(TicketClosedError):
        actions.add_message(me, ticket.number, "在吗")


# --- Triage -------------------------------------------------------------------------------------


def test_triage_writes_one_timeline_row_per_changed_field(me: Actor, agent: Actor) -> None:
    ticket = open_for(me)
    actions.triage(
        agent,
        ticket.number,
        priority=Priority.URGENT,
        category="topup_failed",
        assignee_id=agent.user_id,
        tags=["Bank", "bank", "vip"],
    )
    actions.triage(agent, ticket.number, priority=Priority.URGENT)  # no change, no row
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.category.slug, ticket.assignee_id, ticket.tags) == (
        Priority.URGENT,
        "topup_failed",
        agent.user_id,
        ["bank", "vip"],
    )
    kinds = [k for k, _, _ in timeline(ticket)][2:]
    assert kinds == [EventKind.PRIORITY, EventKind.CATEGORY, EventKind.ASSIGNEE, EventKind.TAGS]
    actions.triage(agent, ticket.number, assignee_id=None)
    ticket.refresh_from_db()
    assert ticket.assignee_id is None


def test_customers_cannot_triage(me: Actor) -> None:
    ticket = open_for(me)
    with pytest.raises(TicketActionNotAllowedError):
        actions.triage(me, ticket.number, priority=Priority.URGENT)


def test_tags_are_single_words(me: Actor, agent: Actor) -> None:
    ticket = open_for(me)
    with pytest.raises(ValidationFailedError):
        actions.triage(agent, ticket.number, tags=["two words"])


# --- Merge --------------------------------------------------------------------------------------


def test_merging_closes_the_duplicate_tells_its_customer_and_keeps_its_links(
    me: Actor, agent: Actor
) -> None:
    keep = open_for(me)
    record = a_record(me.user_id or 0)
    duplicate = open_for(me, records=[record])
    actions.merge(agent, duplicate.number, keep.number, note="同一笔充值")
    duplicate.refresh_from_db()
    assert duplicate.status == TicketStatus.CLOSED
    assert duplicate.merged_into_id == keep.pk
    notice = selectors.visible_messages(me, duplicate).last()
    assert notice is not None and keep.number in notice.body
    assert keep.links.filter(kind="top_up", object_id=record.object_id).exists()
    assert (EventKind.MERGED_FROM, "", duplicate.number) in timeline(keep)
    steps = [step.text for step in selectors.customer_progress(duplicate)]
    assert any(keep.number in text for text in steps)


def test_merge_refusals(me: Actor, agent: Actor, user_factory: Callable[..., Any]) -> None:
    mine = open_for(me)
    other = Actor.customer(user_factory().pk)
    theirs = open_for(other)
    with pytest.raises(TicketMergeInvalidError):
        actions.merge(agent, mine.number, mine.number)
    with pytest.raises(TicketMergeInvalidError):
        actions.merge(agent, mine.number, theirs.number)
    with pytest.raises(TicketActionNotAllowedError):
        actions.merge(me, mine.number, theirs.number)


# --- Access and reads ---------------------------------------------------------------------------


def test_another_customers_ticket_is_not_found(me: Actor, user_factory: Callable[..., Any]) -> None:
    theirs = open_for(Actor.customer(user_factory().pk))
    with pytest.raises(TicketNotFoundError):
        selectors.ticket_for(me, theirs.number)
    with pytest.raises(TicketNotFoundError):
        actions.add_message(me, theirs.number, "hi")
    with pytest.raises(TicketNotFoundError):
        actions.change_status(me, theirs.number, TicketStatus.SOLVED)


def test_my_tickets_list_is_one_query_however_many_tickets(me: Actor) -> None:
    for n in range(5):
        open_for(me, category="topup_failed" if n % 2 else "withdraw_failed")
    with CaptureQueriesContext(connection) as queries:
        rows = [(t.number, t.category.name_zh) for t in selectors.customer_tickets(me.user_id or 0)]
    assert len(rows) == 5
    assert len(queries) == 1


def test_customer_progress_is_written_for_customers(me: Actor, agent: Actor) -> None:
    ticket = open_for(me)
    actions.add_message(agent, ticket.number, "内部", visibility=Visibility.INTERNAL)
    actions.triage(agent, ticket.number, assignee_id=agent.user_id, tags=["vip"])
    actions.change_status(agent, ticket.number, TicketStatus.ON_HOLD)
    steps = [step.text for step in selectors.customer_progress(ticket)]
    assert len(steps) == 2
    assert all("vip" not in text and "内部" not in text for text in steps)


# --- Satisfaction ------------------------------------------------------------------------------


def test_customers_rate_solved_tickets_once_and_may_change_their_mind(
    me: Actor, agent: Actor
) -> None:
    ticket = open_for(me)
    with pytest.raises(TicketNotRateableError):
        actions.rate(me, ticket.number, 5)
    actions.add_message(agent, ticket.number, "已到账。", then_status=TicketStatus.SOLVED)
    actions.rate(me, ticket.number, 2, "太慢了")
    rating = actions.rate(me, ticket.number, 4, "后来解决了")
    assert (rating.score, rating.comment) == (4, "后来解决了")
    assert ticket.__class__.objects.get(pk=ticket.pk).rating.score == 4
    assert [t for k, _, t in timeline(ticket) if k == EventKind.RATED] == ["2", "4"]


@pytest.mark.parametrize("score", [0, 6, -1])
def test_a_rating_is_one_to_five(me: Actor, agent: Actor, score: int) -> None:
    ticket = open_for(me)
    actions.change_status(agent, ticket.number, TicketStatus.SOLVED)
    with pytest.raises(ValidationFailedError):
        actions.rate(me, ticket.number, score)


def test_only_the_customer_rates(me: Actor, agent: Actor, user_factory: Callable[..., Any]) -> None:
    ticket = open_for(me)
    actions.change_status(agent, ticket.number, TicketStatus.SOLVED)
    with pytest.raises(TicketActionNotAllowedError):
        actions.rate(agent, ticket.number, 5)
    with pytest.raises(TicketNotFoundError):
        actions.rate(Actor.customer(user_factory().pk), ticket.number, 1)
