from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from walletdesk.tickets import sla


@shared_task(name="walletdesk.tickets.tasks.sweep_sla")
def sweep_sla() -> dict[str, int]:
    """Record due SLA warnings and breaches (every minute; each is recorded exactly once)."""
    result = sla.sweep(timezone.now())
    return {"warned": result.warned, "breached": result.breached}
