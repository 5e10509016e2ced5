from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from walletdesk.tickets import assignment, email_out, sla


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


@shared_task(name="walletdesk.tickets.tasks.deliver_outbound_email")
def deliver_outbound_email() -> dict[str, int]:
    """Retry ticket mail the SMTP server has not accepted yet (every minute; rows are claimed
    under SKIP LOCKED, so several workers never send the same one at once)."""
    return {"sent": email_out.deliver_due(timezone.now())}


@shared_task(name="walletdesk.tickets.tasks.deliver_outbox")
def deliver_outbox() -> dict[str, int]:
    """Send due webhook events and channel replies (every 30 s and right after each commit that
    queues one; safe on several workers: rows are claimed under SKIP LOCKED). Also removes API
    uploads that no message used."""
    from walletdesk.tickets import attachments, outbox

    now = timezone.now()
    run = outbox.deliver_due(now)
    removed = attachments.delete_unbound(now)
    return {
        "delivered": run.delivered,
        "retrying": run.retrying,
        "dead": run.dead,
        "removed": removed,
    }
