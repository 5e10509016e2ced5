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


PRUNE_BATCH = 5_000


@shared_task(name="walletdesk.ledger.tasks.prune_idempotency_records")
def prune_idempotency_records() -> int:
    """Keys are kept for a week (the security guide asks for at least 24 hours).

    Records are written in time order, so the expired ones are the lowest ids: each batch walks
    the primary key from the start and stops at the first record still within retention.
    """
    cutoff = timezone.now() - IDEMPOTENCY_RETENTION
    deleted = 0
    while True:
        oldest = list(
            IdempotencyRecord.objects.order_by("pk").values_list("pk", "created_at")[:PRUNE_BATCH]
        )
        expired = [pk for pk, created_at in oldest if created_at < cutoff]
        if expired:
            deleted += IdempotencyRecord.objects.filter(pk__in=expired).delete()[0]
        if len(expired) < PRUNE_BATCH:
            return deleted
