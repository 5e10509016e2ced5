"""What other apps may use from the support desk: open and work tickets through the same
actions the pages call (the demo data, the assistant's handoff, the live-chat console), with plain
values in and frozen summaries out.

from walletdesk.tickets import facade as tickets
ticket = tickets.open_customer_ticket(
    Actor.assistant(), customer_id=7, intent="topup_not_arrived", subject="…", body="…",
    records=[("top_up", "<public id>")], priority="high", language="zh-hans",
)
ticket.number   # "WD-2612-000042"
team = tickets.chat_team_for(language="zh-hans", topic="withdraw_not_arrived")
tickets.team_is_open(team.id, timezone.now())
tickets.team_agents_on_shift(team.id, timezone.now())   # [agent user ids]
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from walletdesk.core.actors import Actor
from walletdesk.tickets import actions, desk_actions, desk_selectors, email_in, intake, sla
from walletdesk.tickets.assignment import _on_shift, _Schedules
from walletdesk.tickets.enums import (
    OPEN_STATUSES,
    Channel,
    LinkKind,
    Priority,
    TicketKind,
    TicketStatus,
    Visibility,
)
from walletdesk.tickets.models import (
    BusinessCalendar,
    Category,
    Team,
    TeamMembership,
    Ticket,
    TicketLink,
)


@dataclass(frozen=True, slots=True)
class TicketSummary:
    number: str
    kind: str
    channel: str
    status: str
    customer_id: int | None
    tags: tuple[str, ...]
    created_at: datetime


def _summary(ticket: Ticket) -> TicketSummary:
    return TicketSummary(
        number=ticket.number,
        kind=ticket.kind,
        channel=ticket.channel,
        status=ticket.status,
        customer_id=ticket.customer_id,
        tags=tuple(ticket.tags),
        created_at=ticket.created_at,
    )


def open_ticket(
    actor: Actor,
    *,
    customer_id: int | None,
    subject: str,
    body: str,
    category: str,
    kind: str = TicketKind.QUESTION,
    channel: str = Channel.APP,
    priority: int = Priority.NORMAL,
    language: str = "zh-hans",
    records: tuple[tuple[str, str], ...] = (),
    contact_email: str = "",
    contact_phone: str = "",
    demand: str = "",
    opened_at: datetime | None = None,
) -> TicketSummary:
    """Open a ticket (`records`: (kind, public id) of the customer's own wallet records)."""
    ticket = actions.open_ticket(
        actor,
        customer_id=customer_id,
        subject=subject,
        body=body,
        category=category,
        kind=TicketKind(kind),
        channel=Channel(channel),
        priority=Priority(priority),
        language=language,
        records=[actions.RecordRef(LinkKind(k), object_id) for k, object_id in records],
        contact_email=contact_email,
        contact_phone=contact_phone,
        demand=demand,
        opened_at=opened_at,
    )
    return _summary(ticket)


def reply(
    actor: Actor, number: str, body: str, *, internal: bool = False, then_status: str = ""
) -> None:
    actions.add_message(
        actor,
        number,
        body,
        visibility=Visibility.INTERNAL if internal else Visibility.PUBLIC,
        then_status=TicketStatus(then_status) if then_status else None,
    )


def change_status(actor: Actor, number: str, status: str) -> None:
    actions.change_status(actor, number, TicketStatus(status))


def tag(actor: Actor, number: str, tags: tuple[str, ...]) -> None:
    """Set the ticket's tags (staff or system)."""
    actions.triage(actor, number, tags=list(tags))


def merge(actor: Actor, duplicate: str, keep: str) -> None:
    actions.merge(actor, duplicate, keep)


def rate(actor: Actor, number: str, score: int, comment: str = "") -> None:
    actions.rate(actor, number, score, comment)


def request_callback(
    actor: Actor, *, phone: str, preferred_at: datetime, topic: str, note: str = ""
) -> TicketSummary:
    return _summary(
        intake.request_callback(
            actor, phone=phone, preferred_at=preferred_at, topic=topic, note=note
        )
    )


def log_call(
    actor: Actor, number: str, *, direction: str, duration_seconds: int, outcome: str, notes: str
) -> None:
    intake.log_call(
        actor,
        number,
        direction=direction,
        duration_seconds=duration_seconds,
        outcome=outcome,
        notes=notes,
    )


def set_feedback_status(actor: Actor, number: str, status: str, *, note: str = "") -> None:
    intake.set_feedback_status(actor, number, status, note=note)


def ticket_tagged(tag: str) -> TicketSummary | None:
    """The oldest ticket carrying `tag` (demo data finds what it wrote before by its tag)."""
    # The desk's tag filter: the GIN index on PostgreSQL, the quoted word on SQLite.
    for ticket in Ticket.objects.filter(desk_selectors.tag_condition(tag)).order_by("pk"):
        if tag in ticket.tags:
            return _summary(ticket)
    return None


@dataclass(frozen=True, slots=True)
class EmailReceived:
    outcome: str  # created, appended, auto_reply, loop, bounce
    ticket_number: str | None
    duplicate: bool  # this Message-ID was taken before: nothing changed


def receive_email(raw: bytes, *, via: str = "smtp") -> EmailReceived:
    """Take one raw inbound message exactly as the SMTP listener and the IMAP poller do (threading,
    loops, auto-replies, bounces: docs/support-desk.md, "Email"). Idempotent by Message-ID."""
    result = email_in.receive(raw, via=via)
    return EmailReceived(str(result.outcome), result.ticket_number, result.duplicate)


def sweep_sla(now: datetime | None = None) -> None:
    """Run the SLA sweep now (warnings, breaches and their escalations)."""
    sla.sweep(now or timezone.now())


PRIORITIES = {
    "low": Priority.LOW,
    "normal": Priority.NORMAL,
    "high": Priority.HIGH,
    "urgent": Priority.URGENT,
}
FALLBACK_CATEGORY = "other_question"


@dataclass(frozen=True, slots=True)
class TicketInfo:
    number: str
    status: str
    priority: str
    url: str
    created: bool  # False: an open ticket already covered this record and was returned


def _info(ticket: Ticket, *, created: bool) -> TicketInfo:
    priority = next((k for k, v in PRIORITIES.items() if v == ticket.priority), "normal")
    return TicketInfo(
        number=ticket.number,
        status=ticket.status,
        priority=priority,
        url=reverse("tickets:detail", args=[ticket.number]),
        created=created,
    )


def _category_for(intent: str) -> str:
    slug = (
        Category.objects.filter(intent=intent, active=True)
        .order_by("position")
        .values_list("slug", flat=True)
        .first()
    )
    return slug or FALLBACK_CATEGORY


def topic_label(intent: str, language: str) -> str:
    """The desk's name for the category an assistant intent is filed under ("" when none)."""
    row = (
        Category.objects.filter(intent=intent, active=True)
        .order_by("position")
        .values_list("name_zh", "name_en")
        .first()
    )
    if row is None:
        return ""
    return row[1] if language.startswith("en") else row[0]


def open_ticket_for_record(customer_id: int, kind: str, object_id: str) -> TicketInfo | None:
    """The customer's open ticket already linked to this record, if any (so a second question
    about the same top-up joins it instead of opening another)."""
    link = (
        TicketLink.objects.filter(
            kind=kind,
            object_id=object_id,
            ticket__customer_id=customer_id,
            ticket__status__in=OPEN_STATUSES,
        )
        .select_related("ticket")
        .first()
    )
    return _info(link.ticket, created=False) if link is not None else None


def open_customer_ticket(
    actor: Actor,
    *,
    customer_id: int,
    intent: str,
    subject: str,
    body: str,
    records: Sequence[tuple[str, str]] = (),
    priority: str = "normal",
    language: str = "zh-hans",
    complaint: bool = False,
) -> TicketInfo:
    """Open a ticket for the customer (their own records linked), through the desk's action."""
    for kind, object_id in records:
        existing = open_ticket_for_record(customer_id, kind, object_id)
        if existing is not None:
            return existing
    ticket = actions.open_ticket(
        actor,
        customer_id=customer_id,
        subject=subject[: actions.SUBJECT_MAX],
        body=body[: actions.BODY_MAX],
        category=_category_for(intent),
        kind=TicketKind.COMPLAINT if complaint else TicketKind.QUESTION,
        channel=Channel.CHAT,
        priority=PRIORITIES.get(priority, Priority.NORMAL),
        language=language,
        records=[actions.RecordRef(LinkKind(kind), object_id) for kind, object_id in records],
    )
    return _info(ticket, created=True)


def customer_ticket_count(customer_id: int) -> int:
    """How many tickets the customer has (any status)."""
    return Ticket.objects.filter(customer_id=customer_id).count()


@dataclass(frozen=True, slots=True)
class MacroSuggestion:
    id: int
    name: str
    body: str
    tags: tuple[str, ...]


def suggested_macros(
    *, tags: Collection[str], language: str, ticket_number: str = "", limit: int = 3
) -> list[MacroSuggestion]:
    """Active macros for a topic, for an agent to edit before sending: those that add one of
    `tags` first, then the general ones (no tags), each in desk order. With `ticket_number` the
    variables are filled from that ticket (as sending would); without, {placeholders} stay for
    the agent to fill."""
    wanted = set(tags)
    ticket = Ticket.objects.filter(number=ticket_number).first() if ticket_number else None
    macros = list(desk_selectors.active_macros())
    topical = [m for m in macros if wanted & set(m.add_tags or [])]
    general = [m for m in macros if not m.add_tags]
    chosen = (topical + general)[:limit]
    return [
        MacroSuggestion(
            id=macro.pk,
            name=macro.name,
            body=desk_actions.render_macro(macro, ticket)
            if ticket is not None
            else macro.body_in(language),
            tags=tuple(macro.add_tags or ()),
        )
        for macro in chosen
    ]


# A chat without a topic is filed under this category (tickets.0004_categories).
DEFAULT_TOPIC = "other_question"


@dataclass(frozen=True, slots=True)
class ChatTeam:
    id: int
    name: str
    title_zh: str
    title_en: str

    def title_in(self, language: str) -> str:
        return self.title_en if language.startswith("en") else self.title_zh


def _team(row: Team) -> ChatTeam:
    return ChatTeam(row.pk, row.name, row.title_zh, row.title_en)


def _topic_codes(topic: str) -> set[str]:
    category = Category.objects.select_related("parent").filter(slug=topic).first()
    if category is None:
        return set()
    codes = {category.slug}
    if category.parent is not None:
        codes.add(category.parent.slug)
    return codes


def chat_team_for(*, language: str, topic: str = "") -> ChatTeam | None:
    """The team whose queue a chat joins: the first active team (by position) that handles the
    chat's language and whose skills cover the topic (or its top-level category); without such a
    team, the first one with no skills listed (a catch-all)."""
    codes = _topic_codes(topic or DEFAULT_TOPIC)
    language = "en" if language.startswith("en") else "zh-hans"
    catch_all: Team | None = None
    for team in Team.objects.filter(active=True).order_by("position", "pk"):
        if team.languages and language not in team.languages:
            continue
        if codes & set(team.skills):
            return _team(team)
        if not team.skills and catch_all is None:
            catch_all = team
    return _team(catch_all) if catch_all is not None else None


def get_team(team_id: int) -> ChatTeam | None:
    row = Team.objects.filter(pk=team_id).first()
    return _team(row) if row is not None else None


def team_is_open(team_id: int, now: datetime) -> bool:
    """Whether the team's working hours include `now` (unknown hours count as closed)."""
    team = Team.objects.select_related("calendar").filter(pk=team_id, active=True).first()
    if team is None:
        return False
    return _Schedules().open_at(team.calendar.pk, team.calendar.name, now)


def ensure_team(
    name: str,
    *,
    title_zh: str,
    title_en: str,
    calendar: str,
    position: int,
    skills: Sequence[str] = (),
    members: Sequence[int] = (),
) -> int:
    """The team `name`, created with these settings if it does not exist (an existing team keeps
    its own), with `members` in it. Returns its id. For seeding: the demo's live chat desk."""
    team = Team.objects.filter(name=name).first()
    if team is None:
        team = Team.objects.create(
            name=name,
            title_zh=title_zh,
            title_en=title_en,
            calendar=BusinessCalendar.objects.get(name=calendar),
            position=position,
            skills=list(skills),
        )
    add_team_members(name, members)
    return int(team.pk)


def add_team_members(name: str, agent_ids: Sequence[int]) -> None:
    """Put these agents in the existing team `name` (those already in it stay as they are)."""
    team = Team.objects.get(name=name)
    for agent_id in agent_ids:
        TeamMembership.objects.get_or_create(team=team, agent_id=agent_id)


def team_agents_on_shift(team_id: int, now: datetime) -> list[int]:
    """User ids of the team's available, active members who are on shift at `now` (their own
    working hours, else the team's)."""
    team = Team.objects.select_related("calendar").filter(pk=team_id, active=True).first()
    if team is None:
        return []
    members = list(
        TeamMembership.objects.select_related("shift")
        .filter(team=team, available=True, agent__is_active=True)
        .order_by("pk")
    )
    return [m.agent_id for m in _on_shift(members, team, now, _Schedules())]


def open_chat_ticket(
    actor: Actor,
    *,
    customer_id: int,
    subject: str,
    body: str,
    language: str,
    topic: str = "",
    urgent: bool = False,
) -> str:
    """Open a ticket from a live chat (a message left outside working hours, a chat turned into
    a ticket). Returns its number."""
    slug = topic if topic and Category.objects.filter(slug=topic, active=True).exists() else ""
    ticket = actions.open_ticket(
        actor,
        customer_id=customer_id,
        subject=subject,
        body=body,
        category=slug or DEFAULT_TOPIC,
        channel=Channel.CHAT,
        priority=Priority.HIGH if urgent else Priority.NORMAL,
        language=language,
    )
    return ticket.number


__all__ = [
    "PRIORITIES",
    "ChatTeam",
    "EmailReceived",
    "MacroSuggestion",
    "TicketInfo",
    "TicketSummary",
    "change_status",
    "chat_team_for",
    "customer_ticket_count",
    "get_team",
    "log_call",
    "merge",
    "open_chat_ticket",
    "open_customer_ticket",
    "open_ticket",
    "open_ticket_for_record",
    "rate",
    "receive_email",
    "reply",
    "request_callback",
    "set_feedback_status",
    "suggested_macros",
    "sweep_sla",
    "tag",
    "team_agents_on_shift",
    "team_is_open",
    "ticket_tagged",
    "topic_label",
]


@dataclass(frozen=True, slots=True)
class CustomerTicketLine:
    """One of a customer's tickets as the console's customer 360 lists it."""

    number: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    subject: str
    is_open: bool
    sla_due_at: datetime | None
    csat_score: int | None
    created_at: datetime


def customer_tickets(customer_id: int, limit: int = 10) -> list[CustomerTicketLine]:
    """The customer's tickets, open ones first then newest, with their CSAT (one query)."""
    rows = (
        Ticket.objects.filter(customer_id=customer_id)
        .select_related("rating")
        .order_by("-created_at", "-pk")[:limit]
    )
    lines = []
    for row in rows:
        rating = getattr(row, "rating", None)
        lines.append(
            CustomerTicketLine(
                number=row.number,
                kind=row.kind,
                kind_label=str(row.get_kind_display()),
                status=row.status,
                status_label=str(row.get_status_display()),
                subject=row.subject,
                is_open=row.status in OPEN_STATUSES,
                sla_due_at=row.sla_due_at,
                csat_score=rating.score if rating is not None else None,
                created_at=row.created_at,
            )
        )
    return sorted(lines, key=lambda line: not line.is_open)


def ticket_customer_id(number: str) -> int | None:
    """The customer of ticket `number` (None for an unknown number or a contact-only ticket)."""
    return Ticket.objects.filter(number=number).values_list("customer_id", flat=True).first()


def add_internal_note(actor: Actor, number: str, body: str) -> None:
    """An internal note on the ticket's timeline (staff only), e.g. a console action's record."""
    reply(actor, number, body, internal=True)


__all__ += ["CustomerTicketLine", "add_internal_note", "customer_tickets", "ticket_customer_id"]


def active_teams() -> list[ChatTeam]:
    """Every active team, by position (one query): the supervisors' queue board."""
    return [_team(row) for row in Team.objects.filter(active=True).order_by("position", "pk")]


def active_team_titles(language: str) -> dict[int, str]:
    """Every active team's title in `language`, by position (one query): where a chat can be
    handed on or reassigned to."""
    return {team.id: team.title_in(language) for team in active_teams()}


def tickets_due_soon_by_team(
    within: timedelta, now: datetime | None = None
) -> dict[int | None, int]:
    """Open tickets whose earliest SLA deadline falls within `within` (or has passed), counted
    per team id (None: no team). One query."""
    from django.db.models import Count

    moment = now or timezone.now()
    rows = (
        Ticket.objects.filter(status__in=OPEN_STATUSES, sla_due_at__lte=moment + within)
        .values_list("team_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {team_id: n for team_id, n in rows}


__all__ += ["active_team_titles", "active_teams", "tickets_due_soon_by_team"]


@dataclass(frozen=True, slots=True)
class InboxCounts:
    """Open work in the desk, for the console's unified inbox strip."""

    mine: int
    unassigned: int
    email: int
    callbacks: int
    due_soon: int
    overdue: int


def inbox_counts(
    agent_id: int, *, due_within: timedelta, now: datetime | None = None
) -> InboxCounts:
    """One query with conditional counts over the open tickets."""
    from django.db.models import Count, Q

    moment = now or timezone.now()
    row = Ticket.objects.filter(status__in=OPEN_STATUSES).aggregate(
        mine=Count("pk", filter=Q(assignee_id=agent_id)),
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        email=Count("pk", filter=Q(channel=Channel.EMAIL)),
        callbacks=Count("pk", filter=Q(kind=TicketKind.CALLBACK)),
        due_soon=Count("pk", filter=Q(sla_due_at__gt=moment, sla_due_at__lte=moment + due_within)),
        overdue=Count("pk", filter=Q(sla_due_at__lte=moment)),
    )
    return InboxCounts(**{name: int(value or 0) for name, value in row.items()})


__all__ += ["InboxCounts", "inbox_counts"]


# --- Attachment rules for other channels (the live chat) ------------------------------------


@dataclass(frozen=True, slots=True)
class CheckedAttachment:
    """A file that passed the attachment rules: the cleaned name, the type its bytes proved, and
    the bytes to store (pictures re-encoded without their metadata)."""

    name: str
    content_type: str
    extension: str
    data: bytes


def check_attachment(name: str, content_type: str, data: bytes) -> CheckedAttachment:
    """The ticket attachment rules (types, size, pixels, re-encoding, PDF active content) for a
    file another channel stores itself; raises the same typed errors as the ticket pages."""
    from walletdesk.tickets import attachments

    checked = attachments.check_upload(attachments.Upload(name, content_type, data))
    return CheckedAttachment(
        checked.name,
        str(checked.content_type),
        attachments.CANONICAL_EXTENSION[checked.content_type],
        checked.data,
    )


def attachment_limits() -> dict[str, int]:
    """MAX_BYTES, PER_MESSAGE, PER_TICKET, DAILY_BYTES_PER_USER, … (settings)."""
    from walletdesk.tickets import attachments

    return attachments.limits()
