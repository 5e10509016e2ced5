"""Models of the desk's edges: attachments, inbound channels (social and messaging integrations)
and outgoing webhooks. Imported at the end of tickets/models.py, kept apart from the ticket core.
"""

from __future__ import annotations

import secrets
from typing import Any, cast

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.db import models
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from walletdesk.core.models import PublicIdModel, TimeStampedModel


class _AttachmentStorage(LazyObject[Storage]):
    """`STORAGES["attachments"]`, looked up again after the setting changes: a FileField calls its
    storage callable once, when the models load, so returning the store itself would pin the one
    configured then (a test that points attachments at an S3 server would still write elsewhere)."""

    def _setup(self) -> None:
        self._wrapped = storages["attachments"]


_attachments = _AttachmentStorage()


@receiver(setting_changed)
def _forget_attachment_storage(*, setting: str, **kwargs: Any) -> None:
    if setting == "STORAGES":
        _attachments._wrapped = empty  # type: ignore[assignment]


def attachment_storage() -> Storage:
    """Attachments live in their own storage (never under a URL any web server serves): the file
    system by default, an S3-compatible bucket in production (settings `STORAGES["attachments"]`,
    docs/support-desk.md)."""
    return cast(Storage, _attachments)


class AttachmentType(models.TextChoices):
    PNG = "image/png", "PNG"
    JPEG = "image/jpeg", "JPEG"
    WEBP = "image/webp", "WebP"
    PDF = "application/pdf", "PDF"


class Attachment(PublicIdModel):
    """A checked image or PDF. Stored under a server-generated name; the name the sender gave is
    kept, cleaned, as metadata only. An upload through the API exists on its own (no message)
    until the message that uses it is sent."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    message = models.ForeignKey(
        "tickets.TicketMessage",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(storage=attachment_storage, max_length=200)
    original_name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(
        pgettext_lazy("attachment", "type"), max_length=40, choices=AttachmentType.choices
    )
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploader = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ("created_at", "pk")
        indexes = [
            # The daily upload quota per person.
            models.Index(fields=["uploaded_by", "created_at"], name="attachment_quota"),
        ]

    def __str__(self) -> str:
        return self.original_name


# --- Inbound channels --------------------------------------------------------------------------


class ChannelKind(models.TextChoices):
    GENERIC = "generic", _("Generic (signed webhooks)")
    TELEGRAM = "telegram", "Telegram"


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64 (256 bits)."""
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class IntegrationChannel(TimeStampedModel):
    """A social or messaging integration that posts customers' messages into tickets and gets the
    agents' replies back (docs/support-desk.md, "Other channels")."""

    name = models.SlugField(_("name"), max_length=40, unique=True)
    kind = models.CharField(
        _("kind"), max_length=12, choices=ChannelKind.choices, default=ChannelKind.GENERIC
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        default=new_secret,
        help_text=_(
            "Generic: signs both directions (Standard Webhooks). Telegram: the secret token "
            "given to setWebhook."
        ),
    )
    reply_url = models.URLField(
        _("reply URL"),
        blank=True,
        help_text=_("Generic channels: where agents' replies are posted (https)."),
    )
    api_base = models.URLField(
        _("API base URL"),
        blank=True,
        default="https://api.telegram.org",
        help_text=_("Telegram: the Bot API server."),
    )
    bot_token = models.CharField(_("bot token"), max_length=100, blank=True)
    category = models.ForeignKey(
        "tickets.Category",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category of new tickets"),
    )
    language = models.CharField(_("language"), max_length=8, default="zh-hans")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The address replies go to passes the same SSRF rules as webhooks (checked again on
        every send)."""
        from django.core.exceptions import ValidationError

        from walletdesk.tickets.errors import WebhookTargetRefusedError
        from walletdesk.tickets.safe_http import check_url

        field, url = (
            ("api_base", self.api_base)
            if self.kind == ChannelKind.TELEGRAM
            else ("reply_url", self.reply_url)
        )
        if not url:
            raise ValidationError({field: _("This channel needs this address to send replies.")})
        try:
            check_url(url)
        except WebhookTargetRefusedError as error:
            raise ValidationError({field: error.user_message}) from error


class ChannelConversation(models.Model):
    """One person on one channel, and the ticket their messages currently go to."""

    channel = models.ForeignKey(
        IntegrationChannel, on_delete=models.CASCADE, related_name="conversations"
    )
    external_user = models.CharField(max_length=100)
    external_chat = models.CharField(max_length=100)
    display_name = models.CharField(max_length=100, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="channel_conversations"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("channel", "external_chat"), name="channel_conversation_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.external_chat}"


class Direction(models.TextChoices):
    INBOUND = "in", _("Inbound")
    OUTBOUND = "out", _("Outbound")


class DeliveryState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("delivery", "Pending")
    DELIVERED = "delivered", pgettext_lazy("delivery", "Delivered")
    DEAD = "dead", pgettext_lazy("delivery", "Failed (dead letter)")


class ChannelMessage(models.Model):
    """A message that crossed a channel. Inbound ones are unique by the platform's message id, so
    a platform delivering twice creates one ticket message; outbound ones are an outbox, sent at
    least once by the delivery job."""

    channel = models.ForeignKey(
        IntegrationChannel, on_delete=models.CASCADE, related_name="+", verbose_name=_("channel")
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    external_id = models.CharField(_("platform message id"), max_length=100)
    conversation = models.ForeignKey(
        ChannelConversation, on_delete=models.CASCADE, related_name="messages"
    )
    ticket_message = models.ForeignKey(
        "tickets.TicketMessage", on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(
        pgettext_lazy("webhook delivery", "state"),
        max_length=10,
        choices=DeliveryState.choices,
        default=DeliveryState.DELIVERED,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(
        pgettext_lazy("webhook delivery", "created"), default=timezone.now
    )
    delivered_at = models.DateTimeField(
        pgettext_lazy("webhook delivery", "delivered"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("channel message")
        verbose_name_plural = _("channel messages")
        constraints = [
            models.UniqueConstraint(
                fields=("channel", "direction", "external_id"), name="channel_message_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="channel_outbox_due",
                condition=Q(state="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.direction}:{self.external_id}"


# --- Outgoing webhooks --------------------------------------------------------------------------


class WebhookEndpoint(TimeStampedModel):
    """Where ticket events are posted, signed per Standard Webhooks with the endpoint's secret.

    During a rotation the previous secret keeps signing too (until `previous_secret_expires_at`),
    so the receiver can switch over without losing deliveries."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=100, default=new_secret)
    previous_secret = models.CharField(
        _("previous secret"), max_length=100, blank=True, editable=False
    )
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    events = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        help_text=_("Event types to send (e.g. ticket.created); empty: all."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from walletdesk.tickets.webhooks import validate_endpoint

        validate_endpoint(self.url, self.events)

    def wants(self, event_type: str) -> bool:
        wanted: list[Any] = self.events or []
        return not wanted or event_type in wanted


class WebhookDelivery(models.Model):
    """The outbox: one event for one endpoint, written in the transaction of the change it
    reports and delivered at least once (the receiver dedupes by `webhook-id`)."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.CharField(_("event id"), max_length=40, unique=True)
    event_type = models.CharField(pgettext_lazy("webhook", "event"), max_length=40)
    payload = models.JSONField()
    state = models.CharField(
        pgettext_lazy("webhook delivery", "state"),
        max_length=10,
        choices=DeliveryState.choices,
        default=DeliveryState.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(
        pgettext_lazy("webhook delivery", "created"), default=timezone.now
    )
    delivered_at = models.DateTimeField(
        pgettext_lazy("webhook delivery", "delivered"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ("-created_at", "-pk")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_outbox_due",
                condition=Q(state="pending"),
            )
        ]

    def __str__(self) -> str:
        return self.event_id
