from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from walletdesk.chat import live_actions, queue


@shared_task(name="walletdesk.chat.tasks.route_chats")
def route_chats() -> dict[str, int]:
    """Withdraw offers nobody accepted in time and offer every team's waiting chats (every few
    seconds; safe on several workers at once: chats and agents are claimed under SKIP LOCKED)."""
    return {"offered": len(queue.route_all(timezone.now()))}


@shared_task(name="walletdesk.chat.tasks.requeue_chats")
def requeue_chats() -> dict[str, int]:
    """Chats of agents who went away, and chats an agent left unanswered too long, go back to the
    front of the queue (every 15 s; chats are claimed under SKIP LOCKED)."""
    return live_actions.requeue_stalled(timezone.now())
