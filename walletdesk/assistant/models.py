"""The assistant's memory of a conversation (the conversation itself is the chat app's)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DialogueState(models.Model):
    """Multi-turn state of one conversation, server side: slots, the pending confirmation, the
    records being discussed, the low-confidence streak. One row per chat conversation (its
    public id); the turn that reads it locks it, so two turns of one conversation never
    interleave."""

    conversation_id = models.UUIDField(_("conversation"), unique=True)
    customer_id = models.BigIntegerField(_("customer"))
    state = models.JSONField(_("state"), default=dict, blank=True)
    turns = models.PositiveIntegerField(_("turns"), default=0)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("assistant conversation state")
        verbose_name_plural = _("assistant conversation states")

    def __str__(self) -> str:
        return str(self.conversation_id)
