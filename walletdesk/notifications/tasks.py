from __future__ import annotations

from celery import shared_task

from walletdesk.notifications.actions import retry_queued


@shared_task(name="walletdesk.notifications.tasks.retry_queued_messages")
def retry_queued_messages() -> int:
    return retry_queued()
