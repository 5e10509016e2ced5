"""Writes of the support desk: tickets (open, reply, note, status, reopen, triage, merge) and
business calendars.

Every ticket action takes a typed `Actor` and plain values, locks the ticket row, checks what the
actor may do, writes the change and its timeline row together, and returns the result. Callers
(pages, the API, the assistant, email intake, jobs) translate their input into these calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from walletdesk.core.actors import Actor, ActorKind
from walletdesk.core.errors import ValidationFailedError
from walletdesk.core.statemachine import check_transition
from walletdesk.payments import facade as payments_facade
from walletdesk.tickets import assignment, automation, sla
from walletdesk.tickets.enums import (
    REOPEN_WINDOW,
    TICKET_TRANSITIONS,
    AuthorKind,
    Channel,
    EventKind,
    LinkKind,
    Priority,
    TicketKind,
    TicketStatus,
    Visibility,
)
from walletdesk.tickets.errors import (
    CalendarNotFoundError,
    CategoryNotFoundError,
    TeamNotFoundError,
    TicketActionNotAllowedError,
    TicketClosedError,
    TicketMergeInvalidError,
    TicketNotFoundError,
    TicketNotRateableError,
    TicketRecordNotFoundError,
)
from walletdesk.tickets.holiday_data import mainland_days
from walletdesk.tickets.models import (
    BusinessCalendar,
    CalendarDay,
    Category,
    Team,
    Ticket,
    TicketEvent,
    TicketLink,
    TicketMessage,
    TicketRating,
)
from walletdesk.tickets.numbering import format_number, next_sequence


@dataclass(frozen=True, slots=True)
class HolidayImport:
    added: int
    known_from: date
    known_through: date


def import_mainland_holidays(calendar_name: str) -> HolidayImport:
    """Add the package's days the calendar lacks; a date already present (edited by an operator)
    is left as it is. The covered range only grows."""
    days, first, last = mainland_days()
    with transaction.atomic():
        calendar = BusinessCalendar.objects.select_for_update().filter(name=calendar_name).first()
        if calendar is None:
            raise CalendarNotFoundError(name=calendar_name)
        present = set(calendar.days.values_list("date", flat=True))
        missing = [
            CalendarDay(calendar=calendar, **d.as_fields()) for d in days if d.date not in present
        ]
        CalendarDay.objects.bulk_create(missing)
        calendar.holidays_known_from = min(filter(None, (calendar.holidays_known_from, first)))
        calendar.holidays_known_through = max(filter(None, (calendar.holidays_known_through, last)))
        calendar.save(update_fields=["holidays_known_from", "holidays_known_through", "updated_at"])
        sla.replan_calendar(calendar.name)
    return HolidayImport(
        len(missing), calendar.holidays_known_from, calendar.holidays_known_through
    )


SUBJECT_MAX = 200
BODY_MAX = 10_000
TAG_MAX = 40
TAGS_PER_TICKET = 20


@dataclass(frozen=True, slots=True)
class RecordRef:
    kind: LinkKind
    object_id: str


def _clean_text(value: str, *, field: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailedError(fields={field: [_("This field is required.")]})
    if len(text) > limit:
        raise ValidationFailedError(
            fields={field: [_("Keep it under %(limit)d characters.") % {"limit": limit}]}
        )
    return text


def _event(
    ticket: Ticket,
    actor: Actor,
    kind: EventKind,
    *,
    before: object = "",
    after: object = "",
    note: str = "",
    message: TicketMessage | None = None,
    at: datetime | None = None,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        actor=actor.label,
        kind=kind,
        from_value=str(before)[:200],
        to_value=str(after)[:200],
        note=note[:500],
        message=message,
        created_at=at or timezone.now(),
    )


def _author_kind(actor: Actor) -> AuthorKind:
    return {
        ActorKind.CUSTOMER: AuthorKind.CUSTOMER,
        ActorKind.AGENT: AuthorKind.AGENT,
        ActorKind.SYSTEM: AuthorKind.SYSTEM,
        ActorKind.ASSISTANT: AuthorKind.ASSISTANT,
    }[actor.kind]


def _lock(number: str) -> Ticket:
    # FOR NO KEY UPDATE: other transactions may still insert rows that point at the ticket (the SLA
    # sweep's timeline rows), so they never wait on an action while holding its timers.
    ticket = Ticket.objects.select_for_update(no_key=True).filter(number=number).first()
    if ticket is None:
        raise TicketNotFoundError()
    return ticket


def _require_access(ticket: Ticket, actor: Actor) -> None:
    """Customers act on their own tickets only (another's is "not found", never "forbidden")."""
    if actor.is_customer and ticket.customer_id != actor.user_id:
        raise TicketNotFoundError()


def _require_staff(actor: Actor) -> None:
    if actor.kind not in (ActorKind.AGENT, ActorKind.SYSTEM):
        raise TicketActionNotAllowedError()


def _move(ticket: Ticket, actor: Actor, target: TicketStatus, *, note: str = "") -> None:
    if ticket.status == target:
        return
    check_transition(TICKET_TRANSITIONS, ticket.status, target)
    now = timezone.now()
    reopening = ticket.status == TicketStatus.SOLVED and target == TicketStatus.OPEN
    if reopening and ticket.solved_at is not None and now - ticket.solved_at > REOPEN_WINDOW:
        raise TicketClosedError(number=ticket.number)
    before = ticket.status
    ticket.status = target
    if target == TicketStatus.SOLVED:
        ticket.solved_at = now
    elif target == TicketStatus.CLOSED:
        ticket.closed_at = now
    elif before == TicketStatus.SOLVED:
        ticket.solved_at = None
    ticket.updated_at = now
    ticket.save(update_fields=["status", "solved_at", "closed_at", "updated_at"])
    _event(ticket, actor, EventKind.STATUS, before=before, after=target, note=note, at=now)
    sla.status_changed(ticket, before, target, now)


def open_ticket(
    actor: Actor,
    *,
    customer_id: int | None,
    subject: str,
    body: str,
    category: str,
    kind: TicketKind = TicketKind.QUESTION,
    channel: Channel = Channel.APP,
    priority: Priority = Priority.NORMAL,
    language: str = "zh-hans",
    records: Sequence[RecordRef] = (),
    contact_email: str = "",
    contact_phone: str = "",
) -> Ticket:
    """Open a ticket with its first message. A customer opens tickets only for themselves."""
    if actor.is_customer and customer_id != actor.user_id:
        raise TicketActionNotAllowedError()
    subject = _clean_text(subject, field="subject", limit=SUBJECT_MAX)
    body = _clean_text(body, field="body", limit=BODY_MAX)
    category_row = Category.objects.filter(slug=category, active=True).first()
    if category_row is None:
        raise CategoryNotFoundError()
    with transaction.atomic():
        now = timezone.now()
        ticket = Ticket.objects.create(
            number=format_number(next_sequence(), now),
            kind=kind,
            channel=channel,
            priority=priority,
            customer_id=customer_id,
            contact_email=contact_email,
            contact_phone=contact_phone,
            language="en" if language.startswith("en") else "zh-hans",
            subject=subject,
            category=category_row,
            created_at=now,
            updated_at=now,
        )
        _event(ticket, actor, EventKind.CREATED, after=channel, at=now)
        message = TicketMessage.objects.create(
            ticket=ticket,
            author_id=actor.user_id,
            author_kind=_author_kind(actor),
            visibility=Visibility.PUBLIC,
            body=body,
            created_at=now,
        )
        _event(ticket, actor, EventKind.MESSAGE, message=message, at=now)
        _link(ticket, actor, _owned_records(customer_id, records))
        sla.ticket_opened(ticket, now, by_customer=not actor.is_staff)
        automation.ticket_created(ticket, now)
    return ticket


def _owned_records(customer_id: int | None, records: Sequence[RecordRef]) -> list[RecordRef]:
    """Only the customer's own wallet records can be linked (a ticket must not become a way to
    read someone else's record status)."""
    if not records:
        return []
    found = (
        payments_facade.customer_records(customer_id, [(r.kind, r.object_id) for r in records])
        if customer_id is not None
        else {}
    )
    missing = [r for r in records if (r.kind, r.object_id) not in found]
    if missing:
        raise TicketRecordNotFoundError()
    return list(records)


def _link(ticket: Ticket, actor: Actor, records: Iterable[RecordRef]) -> None:
    for record in records:
        _link_created = TicketLink.objects.get_or_create(
            ticket=ticket, kind=record.kind, object_id=record.object_id
        )[1]
        if _link_created:
            _event(ticket, actor, EventKind.LINKED, after=f"{record.kind}:{record.object_id}")


def add_message(
    actor: Actor,
    number: str,
    body: str,
    *,
    visibility: Visibility = Visibility.PUBLIC,
    then_status: TicketStatus | None = None,
) -> TicketMessage:
    """A public reply or an internal note.

    A customer's reply reopens a solved ticket (within the reopen window) and brings a ticket that
    waited for them back to the agents; agents choose the status their reply leaves the ticket in.
    """
    body = _clean_text(body, field="body", limit=BODY_MAX)
    with transaction.atomic():
        ticket = _lock(number)
        _require_access(ticket, actor)
        if visibility == Visibility.INTERNAL or then_status is not None:
            _require_staff(actor)
        if ticket.status == TicketStatus.CLOSED:
            raise TicketClosedError(number=ticket.number)
        now = timezone.now()
        message = TicketMessage.objects.create(
            ticket=ticket,
            author_id=actor.user_id,
            author_kind=_author_kind(actor),
            visibility=visibility,
            body=body,
            created_at=now,
        )
        _event(ticket, actor, EventKind.MESSAGE, message=message, at=now)
        if visibility == Visibility.PUBLIC:
            sla.public_message(ticket, now, by_staff=actor.is_staff)
        if actor.is_customer and ticket.status in (TicketStatus.SOLVED, TicketStatus.PENDING):
            _move(ticket, actor, TicketStatus.OPEN)
        elif then_status is not None:
            _move(ticket, actor, then_status)
        elif (
            actor.is_staff and visibility == Visibility.PUBLIC and ticket.status == TicketStatus.NEW
        ):
            _move(ticket, actor, TicketStatus.OPEN)
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)
    return message


class _Unchanged:
    """Marker: leave the assignee as it is (None means "unassign")."""


def change_status(actor: Actor, number: str, target: TicketStatus, *, note: str = "") -> Ticket:
    """Agents move a ticket along the transition map; customers may only mark their own ticket
    solved or reopen it within the window."""
    with transaction.atomic():
        ticket = _lock(number)
        _require_access(ticket, actor)
        if actor.is_customer and target not in (TicketStatus.SOLVED, TicketStatus.OPEN):
            raise TicketActionNotAllowedError()
        if (
            actor.is_customer
            and target == TicketStatus.OPEN
            and (ticket.status != TicketStatus.SOLVED)
        ):
            raise TicketActionNotAllowedError()
        if ticket.status == TicketStatus.CLOSED:
            raise TicketClosedError(number=ticket.number)
        _move(ticket, actor, target, note=note)
    return ticket


def triage(
    actor: Actor,
    number: str,
    *,
    priority: Priority | None = None,
    category: str | None = None,
    assignee_id: int | type[_Unchanged] | None = _Unchanged,
    tags: Sequence[str] | None = None,
    team: str | type[_Unchanged] | None = _Unchanged,
) -> Ticket:
    """Agents set priority, category, assignee, team (by name; None takes the ticket out of
    every team's queue) and tags; each change is one timeline row. The assignee is set as given,
    capacity notwithstanding (a supervisor may overload someone on purpose)."""
    _require_staff(actor)
    with transaction.atomic():
        ticket = _lock(number)
        before = automation.snapshot(ticket)
        fields: list[str] = []
        if team is not _Unchanged:
            team_row = None
            if team is not None:
                team_row = Team.objects.filter(name=team, active=True).first()
                if team_row is None:
                    raise TeamNotFoundError()
            now = timezone.now()
            assignment.set_team(ticket, team_row, actor.label, now, "")
        if priority is not None and priority != ticket.priority:
            _event(ticket, actor, EventKind.PRIORITY, before=ticket.priority, after=int(priority))
            ticket.priority = priority
            fields.append("priority")
        if category is not None and category != ticket.category.slug:
            row = Category.objects.filter(slug=category, active=True).first()
            if row is None:
                raise CategoryNotFoundError()
            _event(ticket, actor, EventKind.CATEGORY, before=ticket.category.slug, after=row.slug)
            ticket.category = row
            fields.append("category")
        if assignee_id is not _Unchanged and assignee_id != ticket.assignee_id:
            _event(
                ticket,
                actor,
                EventKind.ASSIGNEE,
                before=ticket.assignee_id or "",
                after=assignee_id or "",
            )
            ticket.assignee_id = assignee_id  # type: ignore[assignment]
            fields.append("assignee")
        if tags is not None:
            cleaned = _clean_tags(tags)
            if cleaned != ticket.tags:
                _event(
                    ticket,
                    actor,
                    EventKind.TAGS,
                    before=",".join(ticket.tags),
                    after=",".join(cleaned),
                )
                ticket.tags = cleaned
                fields.append("tags")
        if fields:
            ticket.updated_at = timezone.now()
            ticket.save(update_fields=[*fields, "updated_at"])
            if {"priority", "category"} & set(fields):
                sla.reapply(ticket, ticket.updated_at)
        automation.ticket_updated(ticket, before, timezone.now())
    return ticket


def _clean_tags(tags: Sequence[str]) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        text = tag.strip().lower()
        if not text:
            continue
        if len(text) > TAG_MAX or any(ch.isspace() for ch in text):
            raise ValidationFailedError(fields={"tags": [_("Tags are single words.")]})
        if text not in cleaned:
            cleaned.append(text)
    if len(cleaned) > TAGS_PER_TICKET:
        raise ValidationFailedError(fields={"tags": [_("Too many tags.")]})
    return sorted(cleaned)


def merge(actor: Actor, source_number: str, target_number: str, *, note: str = "") -> Ticket:
    """Close `source` into `target` (a duplicate): the source's customer is told where it went,
    and both timelines say so. Returns the target."""
    _require_staff(actor)
    if source_number == target_number:
        raise TicketMergeInvalidError(reason=_("a ticket cannot be merged into itself."))
    with transaction.atomic():
        # Lock in number order so two merges of the same pair in opposite directions cannot
        # deadlock.
        first, second = sorted((source_number, target_number))
        locked = {first: _lock(first), second: _lock(second)}
        source, target = locked[source_number], locked[target_number]
        if not source.is_open and source.status != TicketStatus.SOLVED:
            raise TicketMergeInvalidError(reason=_("the duplicate is already closed."))
        if target.status == TicketStatus.CLOSED:
            raise TicketMergeInvalidError(reason=_("the ticket to keep is closed."))
        if source.customer_id != target.customer_id:
            raise TicketMergeInvalidError(reason=_("they belong to different customers."))
        now = timezone.now()
        notice = TicketMessage.objects.create(
            ticket=source,
            author_kind=AuthorKind.SYSTEM,
            visibility=Visibility.PUBLIC,
            body=_merge_notice(source.language, target.number),
            created_at=now,
        )
        _event(source, actor, EventKind.MESSAGE, message=notice, at=now)
        _event(source, actor, EventKind.MERGED_INTO, after=target.number, note=note, at=now)
        _event(target, actor, EventKind.MERGED_FROM, after=source.number, note=note, at=now)
        # Merging closes the duplicate from any open state: it is not resolved, it lives on in
        # the target (so its SLA clocks stop, and a reply to it is refused as "closed").
        before = source.status
        source.status = TicketStatus.CLOSED
        source.closed_at = now
        source.merged_into = target
        source.updated_at = now
        source.save(update_fields=["status", "closed_at", "merged_into", "updated_at"])
        _event(source, actor, EventKind.STATUS, before=before, after=TicketStatus.CLOSED, at=now)
        sla.ticket_merged_away(source, now)
        for link in source.links.all():
            _link(target, actor, [RecordRef(LinkKind(link.kind), link.object_id)])
    return target


def _merge_notice(language: str, target_number: str) -> str:
    from django.utils import translation

    with translation.override("en" if language.startswith("en") else "zh-hans"):
        return _(
            "This request duplicates ticket %(number)s, so we have merged it there. "
            "Please follow ticket %(number)s for updates."
        ) % {"number": target_number}


RATING_COMMENT_MAX = 1_000


def rate(actor: Actor, number: str, score: int, comment: str = "") -> TicketRating:
    """The customer rates a solved (or closed) ticket, 1-5 with an optional comment; rating again
    replaces the earlier rating."""
    if not actor.is_customer:
        raise TicketActionNotAllowedError()
    if not 1 <= score <= 5:
        raise ValidationFailedError(fields={"score": [_("Choose from 1 to 5 stars.")]})
    comment = (comment or "").strip()
    if len(comment) > RATING_COMMENT_MAX:
        raise ValidationFailedError(
            fields={
                "comment": [
                    _("Keep it under %(limit)d characters.") % {"limit": RATING_COMMENT_MAX}
                ]
            }
        )
    with transaction.atomic():
        ticket = _lock(number)
        _require_access(ticket, actor)
        if ticket.status not in (TicketStatus.SOLVED, TicketStatus.CLOSED) or ticket.merged_into_id:
            raise TicketNotRateableError()
        now = timezone.now()
        rating, _created = TicketRating.objects.update_or_create(
            ticket=ticket,
            defaults={"score": score, "comment": comment, "updated_at": now},
            create_defaults={
                "score": score,
                "comment": comment,
                "created_at": now,
                "updated_at": now,
            },
        )
        _event(ticket, actor, EventKind.RATED, after=score, note=comment[:500], at=now)
    return rating
