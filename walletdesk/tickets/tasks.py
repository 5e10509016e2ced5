from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from walletdesk.tickets import assignment, sla


@shared_task(name="walletdesk.tickets.tasks.sweep_sla")
def sweep_sla() -> dict[str, int]:
    """Record due SLA warnings and breaches (every minute; each is recorded exactly once)."""
    result = sla.sweep(timezone.now())
    return {"warned": result.warned, "breached": result.breached}


@shared_task(name="walletdesk.tickets.tasks.auto_assign")
def auto_assign() -> dict[str, int]:
    """Hand each team's unassigned queue to its available agents (every minute; safe to run on
    several workers at once: tickets and member rows are claimed under SKIP LOCKED)."""
    return {"assigned": len(assignment.auto_assign(timezone.now()))}
