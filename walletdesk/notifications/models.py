from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from walletdesk.core.models import PublicIdModel
from walletdesk.notifications.enums import Category, Channel, Status


class Message(PublicIdModel):
    """One message to one destination on one channel: the outbox row and its delivery record.

    Verification-code messages are stored `redacted`: the body keeps "******" in place of the code,
    which exists only in memory on its way to the provider (AUTH-8). Agents see the delivery status
    of these rows to diagnose "验证码收不到", never the code.

    Text is either stored when the message is written (`subject` and `body`) or, when `body` is
    empty, rendered from `kind` and `context` each time it is read or delivered, in the reader's
    language (`actions.message_text`). Transaction alerts are written the second way: the payment
    path then does no translation work in its transaction, and the alert reads in whatever
    language the customer uses when they open it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,  # indexed by (user, channel, created_at)
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    category = models.CharField(max_length=16, choices=Category.choices)
    kind = models.CharField(max_length=40)
    destination = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    context = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=300, blank=True)
    redacted = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    provider = models.CharField(max_length=40, blank=True)
    provider_ref = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=200, blank=True)
    # A plain integer: a CHECK constraint is compiled again by every statement that writes the
    # table, and every debit alert does.
    attempts = models.SmallIntegerField(default=0, validators=[MinValueValidator(0)])
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "channel", "created_at"]),
            # The outbox sweep looks only at queued rows; sent inbox rows (most of them) are not
            # indexed.
            models.Index(
                fields=["created_at"],
                condition=models.Q(status=Status.QUEUED),
                name="notifications_queued",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind}"


class Preference(models.Model):
    """Which channels a customer wants for each kind of alert, and the debit-alert threshold."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    debit_alert_minor = models.BigIntegerField(_("alert for payments from"), default=0)
    debit_alert_currency = models.CharField(max_length=3, default="CNY")
    transaction_inbox = models.BooleanField(_("in the app"), default=True)
    transaction_sms = models.BooleanField(_("by SMS"), default=False)
    transaction_email = models.BooleanField(_("by email"), default=False)
    security_sms = models.BooleanField(_("by SMS"), default=True)
    security_email = models.BooleanField(_("by email"), default=True)

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"
