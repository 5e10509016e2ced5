from __future__ import annotations

from celery import shared_task

from walletdesk.identity import approvals


@shared_task(name="walletdesk.identity.tasks.expire_approval_requests")
def expire_approval_requests() -> int:
    """Requests nobody decided in time move to `expired` (the staff page also does it lazily)."""
    return approvals.expire_due()
