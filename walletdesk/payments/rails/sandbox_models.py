"""The sandbox rail's own book: what the pretend bank knows about each operation we submitted.

Kept apart from our records on purpose: reconciliation compares the two, as it would with a real
rail. Imported by `walletdesk.payments.models` so Django registers it with the payments app.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SandboxRailRecord(models.Model):
    method = models.CharField(max_length=20, verbose_name=_("method"))
    direction = models.CharField(
        max_length=10, verbose_name=_("direction")
    )  # "collect" (top-up) | "payout" (withdrawal)
    reference = models.CharField(
        max_length=64, verbose_name=_("reference")
    )  # our operation's public id
    trace_id = models.CharField(max_length=64, unique=True, verbose_name=_("trace id"))
    amount = models.BigIntegerField(verbose_name=_("amount"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    status = models.CharField(
        max_length=10, default="pending", verbose_name=_("status")
    )  # pending | succeeded | failed
    failure_reason = models.CharField(max_length=40, blank=True, verbose_name=_("failure reason"))
    mode = models.CharField(max_length=24, verbose_name=_("sandbox mode"))
    settles_at = models.DateTimeField(verbose_name=_("settles at"))
    # A rail stuck at its end: until then every status query (a person's "check now" included)
    # answers "pending" and nothing settles (`sandbox.stick_until`).
    stuck_until = models.DateTimeField(null=True, blank=True, verbose_name=_("stuck until"))
    callbacks_sent = models.PositiveIntegerField(default=0, verbose_name=_("callbacks sent"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        app_label = "payments"
        verbose_name = _("sandbox rail record")
        verbose_name_plural = _("sandbox rail records")
        constraints = [
            models.UniqueConstraint(
                fields=["method", "reference"], name="payments_sandbox_ref_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.direction} {self.trace_id}"
