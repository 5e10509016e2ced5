"""Writes of the support desk: tickets (open, reply, note, status, reopen, triage, merge, split) and
business calendars.

Every ticket action takes a typed `Actor` and plain values, locks the ticket row, checks what the
actor may do, writes the change and its timeline row together, and returns the result. Callers
(pages, the API, the assistant, email intake, jobs) translate their input into these calls.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from walletdesk.core.actors import Actor, ActorKind
from walletdesk.core.errors import ValidationFailedError
from walletdesk.core.statemachine import check_transition
from walletdesk.tickets import (
    assignment,
    attachments,
    automation,
    channel_senders,
    csat,
    email_out,
    linked,
    sla,
    webhooks,
)
from walletdesk.tickets.enums import (
    OPEN_STATUSES,
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
    CallbackAlreadyRequestedError,
    CategoryNotFoundError,
    TeamNotFoundError,
    TicketActionNotAllowedError,
    TicketClosedError,
    TicketMergeInvalidError,
    TicketNotFoundError,
    TicketNotRateableError,
    TicketRecordNotFoundError,
    TicketSplitInvalidError,
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
DEMAND_MAX = 2_000
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
    actor: Actor | str,
    kind: EventKind,
    *,
    before: object = "",
    after: object = "",
    note: str = "",
    message: TicketMessage | None = None,
    at: datetime | None = None,
) -> TicketEvent:
    event = TicketEvent.objects.create(
        ticket=ticket,
        actor=actor if isinstance(actor, str) else actor.label,
        kind=kind,
        from_value=str(before)[:200],
        to_value=str(after)[:200],
        note=note[:500],
        message=message,
        created_at=at or timezone.now(),
    )
    # Outgoing webhooks: the outbox row commits (or rolls back) with the change it reports.
    webhooks.emit(ticket, event)
    return event


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


def _move(ticket: Ticket, actor: Actor | str, target: TicketStatus, *, note: str = "") -> None:
    if ticket.status == target:
        return
    check_transition(TICKET_TRANSITIONS, ticket.status, target)
    now = timezone.now()
    reopening = ticket.status == TicketStatus.SOLVED and target == TicketStatus.OPEN
    if reopening and ticket.solved_at is not None and now - ticket.solved_at > REOPEN_WINDOW:
        raise TicketClosedError(number=ticket.number)
    if reopening and ticket.kind == TicketKind.CALLBACK:
        _refuse_a_second_open_callback(ticket)
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
    if target == TicketStatus.SOLVED:
        csat.ticket_solved(ticket, now)


def _refuse_a_second_open_callback(ticket: Ticket) -> None:
    """A customer has one open call-back request at a time (`ticket_one_open_callback`): a solved
    one is not reopened while a newer one waits."""
    waiting = (
        Ticket.objects.filter(
            customer_id=ticket.customer_id, kind=TicketKind.CALLBACK, status__in=OPEN_STATUSES
        )
        .exclude(pk=ticket.pk)
        .values_list("number", flat=True)
        .first()
    )
    if waiting is not None:
        raise CallbackAlreadyRequestedError(number=waiting)


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
    demand: str = "",
    opened_at: datetime | None = None,
    files: Sequence[attachments.Upload] = (),
    upload_ids: Sequence[str] = (),
    from_contact: bool = False,
) -> Ticket:
    """Open a ticket with its first message. A customer opens tickets only for themselves.

    `demand`: for a complaint, what the customer asks for. `opened_at`: when the request really
    arrived, if earlier than now (a message received before it was processed, demo data); the
    SLA clocks start then. `files` are checked (and pictures re-encoded) before the transaction
    opens; `upload_ids` are the actor's earlier API uploads."""
    if actor.is_customer and customer_id != actor.user_id:
        raise TicketActionNotAllowedError()
    subject = _clean_text(subject, field="subject", limit=SUBJECT_MAX)
    body = _clean_text(body, field="body", limit=BODY_MAX)
    demand = (demand or "").strip()
    if len(demand) > DEMAND_MAX:
        raise ValidationFailedError(
            fields={"demand": [_("Keep it under %(limit)d characters.") % {"limit": DEMAND_MAX}]}
        )
    checked = attachments.check_all(files)
    category_row = Category.objects.filter(slug=category, active=True).first()
    if category_row is None:
        raise CategoryNotFoundError()
    with transaction.atomic():
        now = min(opened_at, timezone.now()) if opened_at is not None else timezone.now()
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
            demand=demand if kind == TicketKind.COMPLAINT else "",
            created_at=now,
            updated_at=now,
        )
        _event(ticket, actor, EventKind.CREATED, after=channel, at=now)
        message = TicketMessage.objects.create(
            ticket=ticket,
            author_id=actor.user_id,
            author_kind=AuthorKind.CUSTOMER if from_contact else _author_kind(actor),
            visibility=Visibility.PUBLIC,
            body=body,
            created_at=now,
        )
        _event(ticket, actor, EventKind.MESSAGE, message=message, at=now)
        attachments.attach(actor, ticket, message, checked, upload_ids)
        _link(ticket, actor, _owned_records(customer_id, records))
        sla.ticket_opened(ticket, now, by_customer=not actor.is_staff)
        automation.ticket_created(ticket, now)
    return ticket


def _owned_records(customer_id: int | None, records: Sequence[RecordRef]) -> list[RecordRef]:
    """Only the customer's own records (wallet activity, cards, devices, sign-ins) can be linked:
    a ticket must not become a way to read someone else's record status."""
    if not records:
        return []
    found = (
        linked.customer_linked(customer_id, [(r.kind, r.object_id) for r in records])
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
    files: Sequence[attachments.Upload] = (),
    upload_ids: Sequence[str] = (),
    from_contact: bool = False,
) -> TicketMessage:
    """A public reply or an internal note, with attachments.

    `from_contact`: an intake path (a channel, email) writes, as the system, a message the
    ticket's customer or contact sent; it is theirs and acts like a customer's reply.

    A customer's reply reopens a solved ticket (within the reopen window) and brings a ticket that
    waited for them back to the agents; agents choose the status their reply leaves the ticket in.
    """
    body = _clean_text(body, field="body", limit=BODY_MAX)
    checked = attachments.check_all(files)
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
            author_kind=AuthorKind.CUSTOMER if from_contact else _author_kind(actor),
            visibility=visibility,
            body=body,
            created_at=now,
        )
        _event(ticket, actor, EventKind.MESSAGE, message=message, at=now)
        attachments.attach(actor, ticket, message, checked, upload_ids)
        if visibility == Visibility.PUBLIC:
            sla.public_message(ticket, now, by_staff=actor.is_staff)
            if actor.is_staff and ticket.channel == Channel.SOCIAL:
                channel_senders.queue_reply(ticket, message)
        if visibility == Visibility.PUBLIC and actor.is_staff:
            email_out.queue_reply(ticket, message)
        by_customer = actor.is_customer or from_contact
        if by_customer and ticket.status in (TicketStatus.SOLVED, TicketStatus.PENDING):
            _move(ticket, actor, TicketStatus.OPEN)
        elif then_status is not None:
            _move(ticket, actor, then_status)
        elif (
            actor.is_staff and visibility == Visibility.PUBLIC and ticket.status == TicketStatus.NEW
        ):
            _move(ticket, actor, TicketStatus.OPEN)
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)
    return message


def receive_email_message(
    number: str, body: str, *, customer_id: int | None, contact_email: str = ""
) -> TicketMessage:
    """A requester's emailed reply on their ticket (email intake checked that the sender is the
    ticket's customer, by verified address, or its contact). It counts as the customer's reply:
    it reopens a solved ticket within the window and brings a waiting one back to the agents."""
    if customer_id is not None:
        return add_message(Actor.customer(customer_id), number, body)
    body = _clean_text(body[:BODY_MAX], field="body", limit=BODY_MAX)
    label = f"contact:{contact_email}"[:64]
    with transaction.atomic():
        ticket = _lock(number)
        if ticket.customer_id is not None or ticket.contact_email.lower() != contact_email:
            raise TicketNotFoundError()
        if ticket.status == TicketStatus.CLOSED:
            raise TicketClosedError(number=ticket.number)
        now = timezone.now()
        message = TicketMessage.objects.create(
            ticket=ticket,
            author_kind=AuthorKind.CUSTOMER,
            visibility=Visibility.PUBLIC,
            body=body,
            created_at=now,
        )
        _event(ticket, label, EventKind.MESSAGE, message=message, at=now)
        sla.public_message(ticket, now, by_staff=False)
        if ticket.status in (TicketStatus.SOLVED, TicketStatus.PENDING):
            _move(ticket, label, TicketStatus.OPEN)
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


SPLIT_MESSAGES_MAX = 50


def split(
    actor: Actor,
    number: str,
    message_ids: Sequence[str],
    *,
    subject: str = "",
    category: str | None = None,
    records: Sequence[RecordRef] | None = None,
    note: str = "",
) -> Ticket:
    """Split public messages of a ticket into a new ticket for the same customer; returns it.

    The chosen messages are copied (author, text and time kept): the source keeps its full
    history, and the new ticket starts with the part it handles. The new ticket takes the source's
    channel, priority, language and category (unless `category` names another), its subject
    (unless `subject` is given) and its linked records (or only `records`, which must be among
    them). Both timelines say so, as the agent; the customer sees both steps in their progress
    and the new ticket in their list. A closed ticket, internal notes and messages of another
    ticket are refused (`ticket_split_invalid`)."""
    _require_staff(actor)
    parsed = [_uuid_text(m) for m in message_ids]
    if not parsed:
        raise TicketSplitInvalidError(reason=_("choose at least one public reply."))
    wanted = list(dict.fromkeys(parsed))
    if len(wanted) > SPLIT_MESSAGES_MAX:
        raise TicketSplitInvalidError(reason=_("choose fewer replies."))
    subject = (subject or "").strip()
    if subject:
        subject = _clean_text(subject, field="subject", limit=SUBJECT_MAX)
    note = (note or "").strip()[:500]
    with transaction.atomic():
        source = _lock(number)
        if source.status == TicketStatus.CLOSED:
            raise TicketSplitInvalidError(reason=_("it is closed."))
        chosen = list(
            TicketMessage.objects.filter(
                ticket=source,
                public_id__in=[m for m in wanted if m is not None],
                visibility=Visibility.PUBLIC,
            ).order_by("created_at", "pk")
        )
        if len(chosen) != len(wanted):
            raise TicketSplitInvalidError(
                reason=_("only this ticket's public replies can be split off.")
            )
        category_row = source.category
        if category and category != source.category.slug:
            found = Category.objects.filter(slug=category, active=True).first()
            if found is None:
                raise CategoryNotFoundError()
            category_row = found
        kept = [RecordRef(LinkKind(link.kind), link.object_id) for link in source.links.all()]
        if records is not None:
            if any(record not in kept for record in records):
                raise TicketRecordNotFoundError()
            kept = list(records)
        now = timezone.now()
        new = Ticket.objects.create(
            number=format_number(next_sequence(), now),
            # A call-back request stays one per customer: the part split off is a question.
            kind=TicketKind.QUESTION if source.kind == TicketKind.CALLBACK else source.kind,
            channel=source.channel,
            priority=source.priority,
            customer_id=source.customer_id,
            contact_email=source.contact_email,
            contact_phone=source.contact_phone,
            language=source.language,
            subject=subject or source.subject,
            category=category_row,
            demand=source.demand if source.kind == TicketKind.COMPLAINT else "",
            created_at=now,
            updated_at=now,
        )
        _event(new, actor, EventKind.CREATED, after=new.channel, at=now)
        _event(new, actor, EventKind.SPLIT_FROM, after=source.number, note=note, at=now)
        _event(source, actor, EventKind.SPLIT_INTO, after=new.number, note=note, at=now)
        copies = TicketMessage.objects.bulk_create(
            TicketMessage(
                ticket=new,
                author_id=message.author_id,
                author_kind=message.author_kind,
                visibility=Visibility.PUBLIC,
                body=message.body,
                created_at=message.created_at,
            )
            for message in chosen
        )
        # One insert and one outbox write for the copies, however many were chosen.
        message_events = TicketEvent.objects.bulk_create(
            TicketEvent(
                ticket=new, actor=actor.label, kind=EventKind.MESSAGE, message=copy, created_at=now
            )
            for copy in copies
        )
        webhooks.announcer()(message_events)
        _link(new, actor, kept)
        Ticket.objects.filter(pk=source.pk).update(updated_at=now)
        # The part split off is the customer's request waiting for the desk (its first reply is
        # due), whoever wrote the last of the copied messages.
        sla.ticket_opened(new, now, by_customer=True)
        automation.ticket_created(new, now)
    return new


def _uuid_text(value: str) -> str | None:
    """A message's public id in one spelling; None for anything else (it matches no message)."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


RATING_COMMENT_MAX = 1_000


def rate(actor: Actor, number: str, score: int, comment: str = "") -> TicketRating:
    """The customer rates a solved (or closed) ticket, 1-5 with an optional comment; rating again
    replaces the earlier rating."""
    if not actor.is_customer:
        raise TicketActionNotAllowedError()
    if not 1 <= score <= 5:
        raise ValidationFailedError(fields={"score": [_("Choose from 1 to 5 stars.")]})
    comment = _clean_comment(comment)
    with transaction.atomic():
        ticket = _lock(number)
        _require_access(ticket, actor)
        return _save_rating(ticket, actor.label, score, comment)


def _clean_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > RATING_COMMENT_MAX:
        raise ValidationFailedError(
            fields={
                "comment": [
                    _("Keep it under %(limit)d characters.") % {"limit": RATING_COMMENT_MAX}
                ]
            }
        )
    return comment


def _save_rating(ticket: Ticket, actor_label: str, score: int, comment: str) -> TicketRating:
    if not 1 <= score <= 5:
        raise ValidationFailedError(fields={"score": [_("Choose from 1 to 5 stars.")]})
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
    _event(ticket, actor_label, EventKind.RATED, after=score, note=comment[:500], at=now)
    return rating


def rate_with_link(token: str, score: int, comment: str = "") -> TicketRating:
    """A rating sent through a survey link (the customer need not be signed in; the signed token
    names the survey). Each link works once; an expired, forged or used one is refused."""
    comment = _clean_comment(comment)
    with transaction.atomic():
        survey = csat.lock_survey(token)
        ticket = _lock(survey.ticket.number)
        label = f"customer:{ticket.customer_id}" if ticket.customer_id else "contact"
        rating = _save_rating(ticket, label, score, comment)
        csat.mark_used(survey, timezone.now())
    return rating
