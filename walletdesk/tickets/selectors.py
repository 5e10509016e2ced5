"""Reads of the support desk, always scoped to who asks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from walletdesk.core.actors import Actor
from walletdesk.tickets.enums import EventKind, FeedbackStatus, TicketStatus, Visibility
from walletdesk.tickets.errors import TicketNotFoundError
from walletdesk.tickets.models import Ticket, TicketEvent, TicketMessage


def customer_tickets(customer_id: int) -> QuerySet[Ticket]:
    """My tickets, newest first, with what the list shows (one query per page)."""
    return (
        Ticket.objects.filter(customer_id=customer_id)
        .select_related("category")
        .order_by("-created_at", "-pk")
    )


def ticket_for(actor: Actor, number: str) -> Ticket:
    """One ticket as `actor` may see it: a customer's own only (another's is not found)."""
    queryset = Ticket.objects.select_related("category", "category__parent")
    if actor.is_customer:
        queryset = queryset.filter(customer_id=actor.user_id)
    ticket = queryset.filter(number=number).first()
    if ticket is None:
        raise TicketNotFoundError()
    return ticket


def visible_messages(actor: Actor, ticket: Ticket) -> QuerySet[TicketMessage]:
    messages = ticket.messages.order_by("created_at", "pk")
    if not actor.is_staff:
        messages = messages.filter(visibility=Visibility.PUBLIC)
    return messages


@dataclass(frozen=True, slots=True)
class ProgressStep:
    """One line of the progress timeline a customer sees, in words written for them."""

    at: datetime
    text: str


_CUSTOMER_STATUS_TEXT = {
    TicketStatus.OPEN: gettext_noop("We are working on your request."),
    TicketStatus.PENDING: gettext_noop("We need more information from you. Please reply."),
    TicketStatus.ON_HOLD: gettext_noop("We are waiting for a bank or merchant to answer us."),
    TicketStatus.SOLVED: gettext_noop(
        "We have answered your request. Reply if you still need help."
    ),
    TicketStatus.CLOSED: gettext_noop("This request is closed."),
}


_CUSTOMER_FEEDBACK_TEXT: dict[str, str] = {
    FeedbackStatus.PASSED: gettext_noop("We passed your suggestion to our product team."),
    FeedbackStatus.SHIPPED: gettext_noop("Your suggestion is now part of WalletDesk. Thank you!"),
}


def customer_progress(ticket: Ticket) -> list[ProgressStep]:
    """Status changes and merges in plain words; internal notes, assignees and tags stay out."""
    steps: list[ProgressStep] = []
    events = ticket.events.filter(
        kind__in=(
            EventKind.CREATED,
            EventKind.STATUS,
            EventKind.MERGED_INTO,
            EventKind.SPLIT_INTO,
            EventKind.SPLIT_FROM,
            EventKind.FEEDBACK,
        )
    ).order_by("created_at", "pk")
    for event in events:
        text = _customer_text(event)
        if text:
            steps.append(ProgressStep(event.created_at, text))
    return steps


def _customer_text(event: TicketEvent) -> str:
    if event.kind == EventKind.CREATED:
        return _("We received your request.")
    if event.kind == EventKind.FEEDBACK:
        return _(_CUSTOMER_FEEDBACK_TEXT.get(event.to_value, "")) if event.to_value else ""
    if event.kind == EventKind.MERGED_INTO:
        return _("Merged into ticket %(number)s, where we continue.") % {"number": event.to_value}
    if event.kind == EventKind.SPLIT_INTO:
        return _("Part of this request now continues in ticket %(number)s.") % {
            "number": event.to_value
        }
    if event.kind == EventKind.SPLIT_FROM:
        return _("Split from ticket %(number)s, to handle this part on its own.") % {
            "number": event.to_value
        }
    if event.to_value == TicketStatus.NEW:
        return ""
    return _(_CUSTOMER_STATUS_TEXT[TicketStatus(event.to_value)])
