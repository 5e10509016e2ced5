"""The console's own record of the actions agents take on a customer's wallet from a
conversation or a ticket: who, what, why, the outcome, and the approval it waits in. Each row is
also the internal note the conversation's workspace shows (never the customer), and its
`idempotency_key` makes a double-clicked or retried action run once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from walletdesk.core.models import PublicIdModel


class ActionKind(models.TextChoices):
    FREEZE = "freeze", pgettext_lazy("console action", "Emergency freeze")
    UNFREEZE = "unfreeze", pgettext_lazy("console action", "Unfreeze (two approvers)")
    REQUERY = "requery", pgettext_lazy("console action", "Re-query a top-up or withdrawal")
    REFUND = "refund", pgettext_lazy("console action", "Refund a payment")
    RESEND_CODE = "resend_code", pgettext_lazy("console action", "Send the verification code again")
    UNLOCK_PAYMENT_PASSWORD = (
        "unlock_payment_password",
        pgettext_lazy("console action", "Lift the payment-password lock"),
    )
    KYC_APPROVE = "kyc_approve", pgettext_lazy("console action", "Approve identity verification")
    KYC_REJECT = "kyc_reject", pgettext_lazy("console action", "Reject identity verification")
    REVEAL_PHONE = "reveal_phone", pgettext_lazy("console action", "Show the full phone number")
    REVEAL_EMAIL = "reveal_email", pgettext_lazy("console action", "Show the full email")


class ActionOutcome(models.TextChoices):
    DONE = "done", pgettext_lazy("console action outcome", "Done")
    WAITING = "waiting", pgettext_lazy("console action outcome", "Waiting for approval")


class ConsoleAction(PublicIdModel):
    kind = models.CharField(_("action"), max_length=24, choices=ActionKind.choices)
    outcome = models.CharField(
        pgettext_lazy("console action", "outcome"), max_length=10, choices=ActionOutcome.choices
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Where the agent acted from: a conversation's public id and/or a ticket number.
    conversation = models.CharField(_("conversation"), max_length=36, blank=True)
    ticket_number = models.CharField(_("ticket"), max_length=24, blank=True)
    reason_code = models.CharField(_("reason"), max_length=40)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # What the action was about (a record's kind and id, an amount) and what came of it.
    target = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    approval = models.CharField(_("approval request"), max_length=36, blank=True)
    idempotency_key = models.CharField(max_length=80, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("console action")
        verbose_name_plural = _("console actions")
        indexes = [
            models.Index(fields=["conversation", "-created_at"], name="console_act_conv"),
            models.Index(fields=["customer", "-created_at"], name="console_act_customer"),
        ]
        permissions = [
            # Agents and above (identity/roles.py).
            ("freeze_customer", _("Can freeze a customer's account in an emergency")),
            ("requery_rail", _("Can re-query a top-up or withdrawal on the rail")),
            ("resend_code", _("Can send a customer the verification code they wait for again")),
            # Senior agents and above.
            (
                "unlock_payment_password",
                _("Can lift the lock on a customer's payment password"),
            ),
            # Supervisors and above.
            ("supervise_chats", _("Can watch the live queues and reassign chats")),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.outcome}"


class ChatNote(models.Model):
    """An agent's internal note on a live chat, for the agents who work it: staff only, never a
    chat message and never sent to the customer."""

    conversation = models.CharField(_("conversation"), max_length=36)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("note"), max_length=2000)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("internal note on a chat")
        verbose_name_plural = _("internal notes on chats")
        indexes = [models.Index(fields=["conversation", "created_at"], name="console_note_conv")]

    def __str__(self) -> str:
        return f"note:{self.conversation}"
