"""The sandbox rail's own book: what the pretend bank knows about each operation we submitted.

Kept apart from our records on purpose: reconciliation compares the two, as it would with a real
rail. Imported by `walletdesk.payments.models` so Django registers it with the payments app.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SandboxRailRecord(models.Model):
    method = models.CharField(max_length=20)
    direction = models.CharField(max_length=10)  # "collect" (top-up) | "payout" (withdrawal)
    reference = models.CharField(max_length=64)  # our operation's public id
    trace_id = models.CharField(max_length=64, unique=True)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, default="pending")  # pending | succeeded | failed
    failure_reason = models.CharField(max_length=40, blank=True)
    mode = models.CharField(max_length=24)
    settles_at = models.DateTimeField()
    callbacks_sent = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

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
