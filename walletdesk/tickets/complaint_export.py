"""Reads for the regulator: complaints with their full timeline (CSV), and the form a consumer
association such as 12315 asks for (complainant, contact, operator and merchant, amount, date,
facts, demand, handling result), per complaint and as a CSV.

Only supervisors and above reach these (`tickets.export_complaints`); the views audit each export.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from walletdesk.payments import facade as payments_facade
from walletdesk.tickets.enums import AuthorKind, TicketKind, TicketStatus, Visibility
from walletdesk.tickets.models import Ticket, TicketEvent, TicketMessage

# One export covers at most this many days (a year and a day): the regulator asks by period.
MAX_DAYS = 366


def period(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in the project's time zone (Beijing)."""
    zone = timezone.get_default_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def complaints_between(start: date, end: date) -> QuerySet[Ticket]:
    """Complaints opened in the period, oldest first, with their timeline, messages and links
    loaded in a fixed number of queries."""
    since, until = period(start, end)
    return (
        Ticket.objects.filter(
            kind=TicketKind.COMPLAINT, created_at__gte=since, created_at__lt=until
        )
        .select_related("customer", "category", "category__parent", "merged_into")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=TicketEvent.objects.select_related("message").order_by("created_at", "pk"),
            ),
            Prefetch("messages", queryset=TicketMessage.objects.order_by("created_at", "pk")),
            "links",
        )
        .order_by("created_at", "pk")
    )


def _status_label(value: str) -> str:
    return str(TicketStatus(value).label) if value in TicketStatus.values else value


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


TIMELINE_HEADER = (
    "ticket",
    "opened",
    "status",
    "category",
    "event_time",
    "actor",
    "event",
    "from",
    "to",
    "note",
    "message_visibility",
    "message",
)


def timeline_rows(tickets: Iterable[Ticket]) -> Iterator[list[str]]:
    """One row per timeline event of each complaint; a message event carries the message."""
    for ticket in tickets:
        for event in ticket.events.all():
            message = event.message
            yield [
                ticket.number,
                _local(ticket.created_at),
                ticket.status,
                ticket.category.slug,
                _local(event.created_at),
                event.actor,
                event.kind,
                event.from_value,
                event.to_value,
                event.note,
                message.visibility if message else "",
                message.body if message else "",
            ]


@dataclass(frozen=True, slots=True)
class ConsumerForm:
    """The fields a consumer association (12315) asks an operator for, about one complaint."""

    number: str
    complainant: str
    contact: str
    operator: str
    merchant: str
    amount: str
    date: str
    category: str
    facts: str
    demand: str
    handling_result: str
    status: str
    closed: str


FORM_FIELDS = (
    ("number", "ticket"),
    ("complainant", "complainant"),
    ("contact", "contact"),
    ("operator", "operator"),
    ("merchant", "merchant"),
    ("amount", "amount"),
    ("date", "date"),
    ("category", "category"),
    ("facts", "facts"),
    ("demand", "demand"),
    ("handling_result", "handling_result"),
    ("status", "status"),
    ("closed", "closed"),
)


def form_labels() -> dict[str, str]:
    """The form's field names in the active language, for the printable page and the CSV."""
    return {
        "number": _("Ticket number"),
        "complainant": _("Complainant"),
        "contact": _("Contact"),
        "operator": _("Operator"),
        "merchant": _("Merchant"),
        "amount": pgettext("complaint form", "Amount involved"),
        "date": _("Date of the complaint"),
        "category": _("Topic"),
        "facts": _("Facts"),
        "demand": _("Demand"),
        "handling_result": _("Handling result"),
        "status": pgettext("complaint form", "Status"),
        "closed": _("Closed on"),
    }


def consumer_form(ticket: Ticket) -> ConsumerForm:
    """The form for one complaint (loaded by `complaints_between` or `complaint`): the linked
    payment's merchant and amount come from the payments facade, live."""
    customer = ticket.customer
    complainant = (customer.display_name if customer else "") or ""
    contacts = [
        value
        for value in (
            (customer.phone if customer else "") or ticket.contact_phone,
            (customer.email if customer else "") or ticket.contact_email,
        )
        if value
    ]
    links = list(ticket.links.all())
    records = (
        payments_facade.customer_records(
            ticket.customer_id, [(link.kind, link.object_id) for link in links]
        )
        if ticket.customer_id is not None and links
        else {}
    )
    found = [
        records[(link.kind, link.object_id)]
        for link in links
        if (link.kind, link.object_id) in records
    ]
    messages = list(ticket.messages.all())
    first = next((m for m in messages if m.author_kind != AuthorKind.AGENT), None)
    replies = [
        m
        for m in messages
        if m.visibility == Visibility.PUBLIC and m.author_kind == AuthorKind.AGENT
    ]
    language = ticket.language
    category = ticket.category.name_in(language)
    if ticket.category.parent is not None:
        category = f"{ticket.category.parent.name_in(language)} / {category}"
    result = replies[-1].body if replies else _("Not answered yet.")
    if ticket.merged_into is not None:
        result = _("Merged into ticket %(number)s.") % {"number": ticket.merged_into.number}
    return ConsumerForm(
        number=ticket.number,
        complainant=complainant or _("(not signed in: contact only)"),
        contact=" / ".join(contacts),
        operator=str(settings.WALLETDESK["SITE_NAME"]),
        merchant="; ".join(r.title for r in found),
        amount="; ".join(f"{r.amount} {r.currency}" for r in found),
        date=_local(ticket.created_at),
        category=category,
        facts=f"{ticket.subject}\n{first.body}" if first else ticket.subject,
        demand=ticket.demand,
        handling_result=result,
        status=_status_label(ticket.status),
        closed=_local(ticket.solved_at or ticket.closed_at),
    )


def complaint(number: str) -> Ticket | None:
    return complaints_by_number().filter(number=number).first()


def complaints_by_number() -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(kind=TicketKind.COMPLAINT)
        .select_related("customer", "category", "category__parent", "merged_into")
        .prefetch_related(
            Prefetch("messages", queryset=TicketMessage.objects.order_by("created_at", "pk")),
            "links",
        )
    )


def csv_text(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """CSV with a byte-order mark so spreadsheet programs read the Chinese right; cells that a
    spreadsheet would run as a formula are quoted with a leading apostrophe (CSV injection)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(list(header))
    for row in rows:
        writer.writerow([_safe_cell(str(cell)) for cell in row])
    return buffer.getvalue()


def _safe_cell(value: str) -> str:
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def form_rows(tickets: Iterable[Ticket]) -> Iterator[list[str]]:
    for ticket in tickets:
        form = consumer_form(ticket)
        yield [getattr(form, name) for name, _column in FORM_FIELDS]
