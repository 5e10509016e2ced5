from __future__ import annotations

from celery import shared_task

from walletdesk.helpcenter import actions


@shared_task(name="walletdesk.helpcenter.tasks.publish_due_articles")
def publish_due_articles() -> list[str]:
    """Publish in-review articles whose scheduled time has come (run every minute)."""
    return actions.publish_due_articles()
