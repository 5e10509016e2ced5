"""Models of the email channel and of satisfaction surveys: every inbound message (idempotency,
threading, loop counting), the outbox of ticket mail (threading headers, bounces) and the signed
rating requests sent when a ticket is solved.

Kept apart from the ticket core (imported at the end of tickets/models.py), as the desk's are.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class InboundOutcome(models.TextChoices):
    CREATED = "created", pgettext_lazy("inbound email", "Opened a ticket")
    APPENDED = "appended", pgettext_lazy("inbound email", "Added to a ticket")
    AUTO_REPLY = "auto_reply", pgettext_lazy("inbound email", "Automatic reply (ignored)")
    LOOP = "loop", pgettext_lazy("inbound email", "Mail loop (ignored)")
    BOUNCE = "bounce", pgettext_lazy("inbound email", "Delivery failure report")


class InboundEmail(models.Model):
    """One message received by the SMTP listener or the IMAP poller, whatever became of it.

    `message_id` is unique: a message delivered twice (an MTA retrying after a lost reply, a
    mailbox polled again) is recognised and changes nothing the second time."""

    message_id = models.CharField(max_length=255, unique=True)
    via = models.CharField(max_length=8)
    from_address = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=12, choices=InboundOutcome.choices)
    reason = models.CharField(max_length=200, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_emails",
    )
    ticket_message = models.ForeignKey(
        "tickets.TicketMessage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What inbound_attachments.store_inbound_attachment kept: name, type, size, reference.
    attachments = models.JSONField(default=list, blank=True)
    size = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # Loop detection counts one sender's recent messages.
            models.Index(fields=["from_address", "received_at"], name="inbound_email_sender"),
            models.Index(fields=["ticket", "received_at"], name="inbound_email_ticket"),
        ]

    def __str__(self) -> str:
        return self.message_id


class OutboundKind(models.TextChoices):
    REPLY = "reply", pgettext_lazy("outbound email", "Agent reply")
    RECEIVED = "received", pgettext_lazy("outbound email", "Receipt of a new ticket")
    CSAT = "csat", pgettext_lazy("outbound email", "Satisfaction survey")


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("outbound email", "Queued")
    SENT = "sent", pgettext_lazy("outbound email", "Sent")
    FAILED = "failed", pgettext_lazy("outbound email", "Failed")
    BOUNCED = "bounced", pgettext_lazy("outbound email", "Bounced")


class OutboundEmail(models.Model):
    """Ticket mail: written in the transaction that decides to send it, delivered after commit
    and by the retry sweep until the SMTP server accepts it (at least once)."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="outbound_emails"
    )
    ticket_message = models.ForeignKey(
        "tickets.TicketMessage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=OutboundKind.choices)
    message_id = models.CharField(max_length=255, unique=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True)
    to_address = models.CharField(max_length=254)
    reply_to = models.CharField(max_length=254)
    subject = models.CharField(max_length=250)
    text_body = models.TextField()
    html_body = models.TextField()
    language = models.CharField(max_length=8)
    status = models.CharField(
        max_length=8, choices=OutboundStatus.choices, default=OutboundStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    bounce_status = models.CharField(max_length=20, blank=True)
    bounce_detail = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbound_email_due",
                condition=Q(status="queued"),
            ),
            models.Index(fields=["ticket", "created_at"], name="outbound_email_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id}"


class CsatRequest(models.Model):
    """One satisfaction survey sent when a ticket was solved. Its links carry `token`, signed
    with an age limit; a link works once."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="csat_requests"
    )
    token = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        permissions = [("view_csat_report", _("Can see the satisfaction results"))]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.token[:6]}"
