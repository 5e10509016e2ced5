"""The live chat's routing state beside a conversation (ORM only): its place in a team's queue,
the offer to an agent, the agent who has it, read receipts; and each agent's presence.

Kept apart from `Conversation` so the queue's row locks never block the numbering of messages
(which locks the conversation row)."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from walletdesk.core.models import PublicIdModel


class ChatState(models.TextChoices):
    BOT = "bot", pgettext_lazy("chat state", "With the assistant")
    WAITING = "waiting", pgettext_lazy("chat state", "Waiting for an agent")
    OFFERED = "offered", pgettext_lazy("chat state", "Offered to an agent")
    ASSIGNED = "assigned", pgettext_lazy("chat state", "With an agent")
    AFTER_HOURS = "after_hours", pgettext_lazy("chat state", "Outside working hours")
    LEFT_MESSAGE = "left_message", pgettext_lazy("chat state", "Message left")
    ENDED = "ended", pgettext_lazy("chat state", "Ended")


# States in which a chat holds one of an agent's slots.
HOLDS_A_SLOT = (ChatState.OFFERED, ChatState.ASSIGNED)
# States in which the customer's chat is still live (a returning customer finds it).
LIVE_STATES = (
    ChatState.BOT,
    ChatState.WAITING,
    ChatState.OFFERED,
    ChatState.ASSIGNED,
    ChatState.AFTER_HOURS,
)


class LiveChat(models.Model):
    conversation = models.OneToOneField(
        "chat.Conversation", on_delete=models.CASCADE, related_name="live"
    )
    state = models.CharField(
        _("state"), max_length=12, choices=ChatState.choices, default=ChatState.BOT
    )
    # The support desk's team whose queue the chat is in (tickets.Team).
    team = models.ForeignKey(
        "tickets.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    topic = models.CharField(_("topic"), max_length=40, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=0)
    boosts = models.JSONField(_("priority reasons"), default=list, blank=True)
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    offered_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    # Agents who let an offer of this chat expire: skipped while another agent has room.
    passed_by = models.JSONField(default=list, blank=True)
    # The agent who left the customer unanswered too long: not offered this chat again until
    # `silent_agent_until` even when nobody else has room (the customer was told another agent
    # is coming), but offered it after that, so a chat is never stranded behind one agent.
    silent_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    silent_agent_until = models.DateTimeField(null=True, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ticket_number = models.CharField(_("ticket"), max_length=24, blank=True)
    # The last transfer's note, for the agent who takes the chat next (never shown to customers).
    handover_note = models.CharField(_("handover note"), max_length=500, blank=True)
    # The customer's rating at the end (1-5), once.
    csat_score = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    csat_comment = models.CharField(_("comment"), max_length=500, blank=True)
    # Transcripts emailed at the customer's request (a few per chat, never a mail cannon).
    transcripts_sent = models.PositiveSmallIntegerField(default=0)
    customer_read_seq = models.PositiveIntegerField(default=0)
    agent_read_seq = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("live chat")
        verbose_name_plural = _("live chats")
        indexes = [
            models.Index(fields=["team", "state", "-priority", "queued_at"], name="chat_live_q"),
            models.Index(fields=["agent", "state"], name="chat_live_agent"),
            models.Index(fields=["offered_to", "state"], name="chat_live_offer"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}:{self.state}"


class Presence(models.TextChoices):
    ONLINE = "online", pgettext_lazy("agent presence", "Online")
    AWAY = "away", pgettext_lazy("agent presence", "Away")
    OFFLINE = "offline", pgettext_lazy("agent presence", "Offline")


class AgentPresence(models.Model):
    """Whether an agent takes new chats, and how many at once."""

    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_presence"
    )
    status = models.CharField(
        _("presence"), max_length=8, choices=Presence.choices, default=Presence.OFFLINE
    )
    max_chats = models.PositiveSmallIntegerField(
        _("most chats at once"), default=3, help_text=_("Offers count until declined.")
    )
    # Ties between equally loaded agents go to whoever was offered a chat longest ago.
    last_offer_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("agent presence")
        verbose_name_plural = _("agent presences")

    def __str__(self) -> str:
        return f"{self.agent_id}:{self.status}"


def chat_file_storage() -> Storage:
    """Chat files live with the support desk's attachments: a storage no web server serves."""
    return storages["attachments"]


class ChatFile(PublicIdModel):
    """A picture or PDF sent in a live chat: checked and re-encoded by the ticket attachment
    rules, uploaded over HTTP, then named in one `send` (until then it belongs to its uploader
    only)."""

    conversation = models.ForeignKey(
        "chat.Conversation", on_delete=models.CASCADE, related_name="files"
    )
    message = models.ForeignKey(
        "chat.Message", on_delete=models.CASCADE, null=True, blank=True, related_name="files"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file = models.FileField(storage=chat_file_storage, max_length=200)
    original_name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("file type"), max_length=40)
    size = models.PositiveIntegerField(_("size"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("chat file")
        verbose_name_plural = _("chat files")
        indexes = [models.Index(fields=["uploaded_by", "created_at"], name="chat_file_quota")]

    def __str__(self) -> str:
        return self.original_name
