"""Conversations between a customer and the assistant, an agent or both (ORM only)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from walletdesk.chat.enums import AuthorKind, Channel, ConversationStatus, MessageStatus
from walletdesk.core.models import PublicIdModel


class Conversation(PublicIdModel):
    """One conversation. Its `public_id` is the id clients see (the assistant's `conversation`).

    `last_seq` is the sequence number of the newest message; the storing transaction locks this
    row and increments it, so numbers are gap-free and ordered within a conversation."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="conversations",
        verbose_name=_("customer"),
    )
    channel = models.CharField(
        _("channel"), max_length=12, choices=Channel.choices, default=Channel.ASSISTANT
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ConversationStatus.choices,
        default=ConversationStatus.OPEN,
    )
    language = models.CharField(_("language"), max_length=8, default="zh-hans")
    last_seq = models.PositiveIntegerField(_("last sequence number"), default=0)
    # The ticket a handoff opened (support desk number, WD-YYMM-NNNNNN), for the agent's context.
    handoff_ticket = models.CharField(_("handoff ticket"), max_length=24, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [models.Index(fields=["customer", "-updated_at"], name="chat_conv_customer")]

    def __str__(self) -> str:
        return str(self.public_id)


class Message(PublicIdModel):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    seq = models.PositiveIntegerField(_("sequence number"))
    author_kind = models.CharField(_("author"), max_length=10, choices=AuthorKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The sender's own id for the message: a resend with the same id is the same message.
    client_message_id = models.CharField(_("client message id"), max_length=64, blank=True)
    body = models.TextField(_("text"), blank=True)
    # Structured parts of a reply (cards, quick replies, the intent understood), as sent.
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.STORED
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="chat_msg_seq_unique"),
            models.UniqueConstraint(
                fields=["conversation", "author_kind", "client_message_id"],
                condition=~models.Q(client_message_id=""),
                name="chat_msg_client_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}#{self.seq}"


# The live chat's routing state and agent presence live in their own module.
from walletdesk.chat.live_models import AgentPresence as AgentPresence  # noqa: E402
from walletdesk.chat.live_models import ChatFile as ChatFile  # noqa: E402
from walletdesk.chat.live_models import LiveChat as LiveChat  # noqa: E402
