"""Conversation vocabularies."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    ASSISTANT = "assistant", _("Assistant")
    CHAT = "chat", _("Live chat")


class ConversationStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("conversation status", "Open")
    # Handed to a person: a ticket today, the live chat's queue once it lands.
    HANDED_OFF = "handed_off", pgettext_lazy("conversation status", "With an agent")
    CLOSED = "closed", pgettext_lazy("conversation status", "Closed")


class AuthorKind(models.TextChoices):
    CUSTOMER = "customer", pgettext_lazy("conversation author", "Customer")
    ASSISTANT = "assistant", pgettext_lazy("conversation author", "Assistant")
    AGENT = "agent", pgettext_lazy("conversation author", "Agent")
    SYSTEM = "system", pgettext_lazy("conversation author", "System")


class MessageStatus(models.TextChoices):
    STORED = "stored", pgettext_lazy("message status", "Sent")
    DELIVERED = "delivered", pgettext_lazy("message status", "Delivered")
    READ = "read", pgettext_lazy("message status", "Read")


# A message only ever moves forward.
MESSAGE_STATUS_ORDER = {
    MessageStatus.STORED: 0,
    MessageStatus.DELIVERED: 1,
    MessageStatus.READ: 2,
}
