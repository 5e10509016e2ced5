"""Intake models: the public contact form's pending requests and the calls agents log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from walletdesk.core.models import PublicIdModel
from walletdesk.tickets.enums import CallDirection, CallOutcome


class ContactRequest(PublicIdModel):
    """A request from someone who cannot sign in, held until they prove they own the email
    address they gave (a code sent there). Only then does it become a ticket, which holds the
    verified contact, never an account: an agent links the account after identity checks.

    The code is stored as a keyed hash; the public id in the verification page's URL is random.
    """

    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    name = models.CharField(_("name"), max_length=60, blank=True)
    category = models.CharField(_("topic"), max_length=40)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("description"))
    language = models.CharField(_("language"), max_length=8, default="zh-hans")
    code_hash = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)
    ticket = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_request",
    )
    ip = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("contact form request")
        verbose_name_plural = _("contact form requests")
        indexes = [models.Index(fields=["expires_at"], name="contact_request_expiry")]

    def __str__(self) -> str:
        return str(self.public_id)


class CallLog(models.Model):
    """One phone call an agent had (or tried) about a ticket; also a row of the timeline."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="calls", verbose_name=_("ticket")
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    direction = models.CharField(_("direction"), max_length=10, choices=CallDirection.choices)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), default=0)
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallOutcome.choices)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("logged"), default=timezone.now)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_call_order")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.direction} {self.outcome}"
