"""Ticket vocabularies and the status transition map."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# A solved ticket may be reopened (by the customer replying or asking, or by an agent) this long
# after it was solved; after that it closes and a new ticket is opened instead.
REOPEN_WINDOW = timedelta(days=7)


class Channel(models.TextChoices):
    APP = "app", _("Wallet app")
    WEB_FORM = "web_form", _("Web form")
    EMAIL = "email", pgettext_lazy("ticket channel", "Email")
    CHAT = "chat", _("Live chat")
    PHONE = "phone", _("Phone")
    API = "api", pgettext_lazy("ticket channel", "API")
    SOCIAL = "social", _("Social media")


class TicketKind(models.TextChoices):
    QUESTION = "question", pgettext_lazy("ticket kind", "Support request")
    COMPLAINT = "complaint", pgettext_lazy("ticket kind", "Complaint")
    FEEDBACK = "feedback", pgettext_lazy("ticket kind", "Suggestion")
    CALLBACK = "callback", pgettext_lazy("ticket kind", "Call-back request")


class Priority(models.IntegerChoices):
    # Stored as numbers so "most urgent first" is a plain descending sort.
    LOW = 10, pgettext_lazy("priority", "Low")
    NORMAL = 20, pgettext_lazy("priority", "Normal")
    HIGH = 30, pgettext_lazy("priority", "High")
    URGENT = 40, pgettext_lazy("priority", "Urgent")


class TicketStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("ticket status", "New")
    OPEN = "open", pgettext_lazy("ticket status", "Open")
    PENDING = "pending", pgettext_lazy("ticket status", "Waiting for the customer")
    ON_HOLD = "on_hold", pgettext_lazy("ticket status", "On hold")
    SOLVED = "solved", pgettext_lazy("ticket status", "Solved")
    CLOSED = "closed", pgettext_lazy("ticket status", "Closed")


_WORKING = (TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD, TicketStatus.SOLVED)
TICKET_TRANSITIONS: dict[str, frozenset[str]] = {
    TicketStatus.NEW: frozenset({*_WORKING, TicketStatus.CLOSED}),
    TicketStatus.OPEN: frozenset(set(_WORKING) - {TicketStatus.OPEN}),
    TicketStatus.PENDING: frozenset(set(_WORKING) - {TicketStatus.PENDING}),
    TicketStatus.ON_HOLD: frozenset(set(_WORKING) - {TicketStatus.ON_HOLD}),
    # Reopening is open to the customer and agents only within REOPEN_WINDOW (actions check it).
    TicketStatus.SOLVED: frozenset({TicketStatus.OPEN, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset(),
}
OPEN_STATUSES = frozenset(
    {TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD}
)


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public reply")
    INTERNAL = "internal", _("Internal note")


class AuthorKind(models.TextChoices):
    CUSTOMER = "customer", pgettext_lazy("support desk", "Customer")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")
    ASSISTANT = "assistant", _("Assistant")


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    MESSAGE = "message", pgettext_lazy("ticket event", "Message")
    STATUS = "status", _("Status changed")
    PRIORITY = "priority", _("Priority changed")
    CATEGORY = "category", _("Category changed")
    ASSIGNEE = "assignee", _("Assignee changed")
    TEAM = "team", _("Team changed")
    PAGED = "paged", _("Team paged")
    ESCALATED = "escalated", _("Escalated")
    TAGS = "tags", _("Tags changed")
    LINKED = "linked", _("Record linked")
    MERGED_INTO = "merged_into", _("Merged into another ticket")
    MERGED_FROM = "merged_from", _("Another ticket merged in")
    SPLIT_FROM = "split_from", _("Split from another ticket")
    SPLIT_INTO = "split_into", _("Split off into a new ticket")
    RATED = "rated", _("Rated by the customer")
    SLA_WARNING = "sla_warning", _("SLA target nearly reached")
    SLA_BREACHED = "sla_breached", _("SLA target missed")
    CALL = "call", _("Call logged")
    CUSTOMER = "customer", _("Linked to an account")
    FEEDBACK = "feedback", _("Suggestion status changed")
    EMAIL_BOUNCED = "email_bounced", _("Email not delivered")


class LinkKind(models.TextChoices):
    TOP_UP = "top_up", _("Top-up")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    PAYMENT = "payment", _("Payment")
    TRANSFER_OUT = "transfer_out", _("Transfer sent")
    TRANSFER_IN = "transfer_in", _("Transfer received")
    REFUND = "refund", _("Refund")
    CARD = "card", _("Bank card")
    DEVICE = "device", _("Device")
    LOGIN = "login", _("Sign-in")


class SlaMetric(models.TextChoices):
    FIRST_REPLY = "first_reply", _("First reply")
    NEXT_REPLY = "next_reply", _("Next reply")
    PERIODIC_UPDATE = "periodic_update", _("Periodic update")
    REQUESTER_WAIT = "requester_wait", _("Requester wait time")
    RESOLUTION = "resolution", _("Resolution")


class TimerState(models.TextChoices):
    RUNNING = "running", pgettext_lazy("SLA timer", "Running")
    PAUSED = "paused", pgettext_lazy("SLA timer", "Paused")
    ACHIEVED = "achieved", pgettext_lazy("SLA timer", "Achieved")
    CANCELLED = "cancelled", pgettext_lazy("SLA timer", "Cancelled")


class FeedbackStatus(models.TextChoices):
    """Where a suggestion stands; the customer who raised it sees this."""

    NONE = "", pgettext_lazy("suggestion status", "Received")
    PASSED = "passed", pgettext_lazy("suggestion status", "Passed to the product team")
    SHIPPED = "shipped", pgettext_lazy("suggestion status", "Shipped")


# A suggestion moves forward only: received → passed to product → shipped.
FEEDBACK_TRANSITIONS: dict[str, frozenset[str]] = {
    FeedbackStatus.NONE: frozenset({FeedbackStatus.PASSED}),
    FeedbackStatus.PASSED: frozenset({FeedbackStatus.SHIPPED}),
    FeedbackStatus.SHIPPED: frozenset(),
}


class CallDirection(models.TextChoices):
    INBOUND = "inbound", pgettext_lazy("call direction", "Inbound")
    OUTBOUND = "outbound", pgettext_lazy("call direction", "Outbound")


class CallOutcome(models.TextChoices):
    ANSWERED = "answered", pgettext_lazy("call outcome", "Talked to the customer")
    NO_ANSWER = "no_answer", pgettext_lazy("call outcome", "No answer")
    BUSY = "busy", pgettext_lazy("call outcome", "Line busy")
    VOICEMAIL = "voicemail", pgettext_lazy("call outcome", "Left a voicemail")
    WRONG_NUMBER = "wrong_number", pgettext_lazy("call outcome", "Wrong number")
