"""Background jobs of the rail side of payments. Each one is idempotent and calls actions.

The beat schedule (config/settings/base.py) runs `reconcile_pending_operations`,
`expire_stale_top_ups` and `expire_refund_requests`; `sandbox_deliver_callbacks` is scheduled
by the sandbox rail with a countdown of WALLETDESK["SANDBOX_RAIL_LATENCY_SECONDS"].
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="walletdesk.payments.tasks.reconcile_pending_operations")
def reconcile_pending_operations() -> dict[str, int]:
    from walletdesk.payments.reconciliation import reconcile_pending_operations as reconcile

    return reconcile().as_dict()


@shared_task(name="walletdesk.payments.tasks.expire_stale_top_ups")
def expire_stale_top_ups() -> int:
    from walletdesk.payments.reconciliation import expire_stale_top_ups as expire

    return expire()


@shared_task(name="walletdesk.payments.tasks.sandbox_deliver_callbacks")
def sandbox_deliver_callbacks(record_id: int) -> int:
    from walletdesk.payments.rails.sandbox import deliver_callbacks

    return deliver_callbacks(record_id)


@shared_task(name="walletdesk.payments.tasks.expire_refund_requests")
def expire_refund_requests() -> int:
    from walletdesk.payments.refund_requests import expire_due

    return expire_due()
