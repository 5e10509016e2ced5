from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from walletdesk.ledger.actions import expire_due_holds as _expire_due_holds
from walletdesk.ledger.models import IdempotencyRecord

IDEMPOTENCY_RETENTION = timedelta(days=7)


@shared_task(name="walletdesk.ledger.tasks.expire_due_holds")
def expire_due_holds() -> int:
    return _expire_due_holds()


@shared_task(name="walletdesk.ledger.tasks.prune_idempotency_records")
def prune_idempotency_records() -> int:
    """Keys are kept for a week (the security guide asks for at least 24 hours)."""
    cutoff = timezone.now() - IDEMPOTENCY_RETENTION
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
