"""Delivery of the desk's outboxes: webhook events and channel replies, at least once.

A run claims due rows (`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers never
take the same row), moves their next attempt past a lease and commits; then it sends each one
outside any transaction and records the outcome with a conditional update. A worker that dies
mid-send leaves the row to be picked up again when the lease runs out (hence "at least once":
receivers dedupe by `webhook-id`). A failed attempt is retried with exponential backoff and
jitter for `RETRY_FOR_HOURS` (3 days), then the row is dead: listed in the admin's dead letters,
where an operator retries it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from walletdesk.tickets import channel_senders, safe_http, webhooks
from walletdesk.tickets.errors import WebhookTargetRefusedError
from walletdesk.tickets.integration_models import (
    ChannelMessage,
    DeliveryState,
    WebhookDelivery,
)

LEASE = timedelta(minutes=2)
_jitter = random.SystemRandom()


@dataclass(slots=True)
class DeliveryRun:
    delivered: int = 0
    retrying: int = 0
    dead: int = 0


def _config() -> dict[str, object]:
    return dict(settings.WALLETDESK_WEBHOOKS)


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: doubling from FIRST_RETRY_SECONDS up to
    MAX_RETRY_SECONDS, scaled by a random factor in [0.5, 1] so receivers that failed together do
    not all come back at once. Never shorter than the wait before it."""
    config = _config()
    first = float(str(config.get("FIRST_RETRY_SECONDS", 30)))
    ceiling = float(str(config.get("MAX_RETRY_SECONDS", 6 * 3600)))
    base = min(ceiling, first * 2 ** max(0, attempts - 1))
    return timedelta(seconds=base * _jitter.uniform(0.5, 1.0))


def _give_up_at(created_at: datetime) -> datetime:
    return created_at + timedelta(hours=float(str(_config().get("RETRY_FOR_HOURS", 72))))


def _claim(model: type[Model], now: datetime, limit: int) -> list[int]:
    with transaction.atomic():
        ids = list(
            model._default_manager.select_for_update(skip_locked=True)
            .filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            model._default_manager.filter(pk__in=ids).update(next_attempt_at=now + LEASE)
    return ids


def _status_field(row: WebhookDelivery | ChannelMessage, status: int | None) -> dict[str, Any]:
    # Only webhook deliveries keep the receiver's HTTP status (shown in the dead-letter list).
    return {"last_status": status} if isinstance(row, WebhookDelivery) else {}


def _failed(
    row: WebhookDelivery | ChannelMessage,
    now: datetime,
    error: str,
    *,
    final: bool,
    status: int | None = None,
) -> bool:
    """Record a failed attempt; True when the row is now dead."""
    attempts = row.attempts + 1
    wait = backoff(attempts)
    dead = final or now + wait > _give_up_at(row.created_at)
    type(row)._default_manager.filter(pk=row.pk, state=DeliveryState.PENDING).update(
        attempts=attempts,
        state=DeliveryState.DEAD if dead else DeliveryState.PENDING,
        next_attempt_at=None if dead else now + wait,
        last_error=error[:300],
        **_status_field(row, status),
    )
    return dead


def _delivered(row: WebhookDelivery | ChannelMessage, now: datetime, status: int | None) -> None:
    type(row)._default_manager.filter(pk=row.pk, state=DeliveryState.PENDING).update(
        attempts=row.attempts + 1,
        state=DeliveryState.DELIVERED,
        next_attempt_at=None,
        delivered_at=now,
        last_error="",
        **_status_field(row, status),
    )


def _send_webhook(row: WebhookDelivery) -> int:
    """Post one event; the receiver's status when it took it (2xx), else an error."""
    endpoint = row.endpoint
    if not endpoint.active:
        raise WebhookTargetRefusedError(reason="the endpoint is switched off.")
    now = timezone.now()
    body = webhooks.body_of(row)
    result = safe_http.post(
        endpoint.url, body.encode(), webhooks.signed_headers(endpoint, row.event_id, body, now)
    )
    if not 200 <= result.status < 300:
        # Redirects are not followed (API-6): a 3xx is a failure like a 5xx.
        raise channel_senders.SendRejectedError(
            f"the endpoint answered {result.status}", status=result.status
        )
    return result.status


def _process(
    rows: Iterable[WebhookDelivery | ChannelMessage], run: DeliveryRun, now: datetime
) -> None:
    """Send each row; outcomes are recorded as of the run's `now` (the run is short, and a
    caller replaying the clock gets waits measured from its own time)."""
    for row in rows:
        try:
            if isinstance(row, WebhookDelivery):
                status: int | None = _send_webhook(row)
            else:
                channel_senders.send(row)
                status = None
        except WebhookTargetRefusedError as refused:
            # An address the rules refuse will not become acceptable by waiting.
            _failed(row, now, refused.user_message, final=True)
            run.dead += 1
        except channel_senders.SendRejectedError as rejected:
            if _failed(row, now, str(rejected), final=False, status=rejected.status):
                run.dead += 1
            else:
                run.retrying += 1
        except safe_http.DeliveryFailedError as error:
            if _failed(row, now, str(error), final=False):
                run.dead += 1
            else:
                run.retrying += 1
        else:
            _delivered(row, now, status)
            run.delivered += 1


def deliver_due(now: datetime | None = None, limit: int = 100) -> DeliveryRun:
    """One pass over both outboxes (the `deliver_outbox` job)."""
    now = now or timezone.now()
    run = DeliveryRun()
    hook_ids = _claim(WebhookDelivery, now, limit)
    _process(
        WebhookDelivery.objects.select_related("endpoint").filter(pk__in=hook_ids).order_by("pk"),
        run,
        now,
    )
    message_ids = _claim(ChannelMessage, now, limit)
    _process(
        ChannelMessage.objects.select_related("channel", "conversation", "ticket_message")
        .filter(pk__in=message_ids)
        .order_by("pk"),
        run,
        now,
    )
    return run


def retry_dead(ids: Iterable[int], model: type[Model] = WebhookDelivery) -> int:
    """Put dead webhook deliveries (or channel replies) back in the queue now: the admin's
    "retry" action. The attempt count is kept; the 3-day window starts again."""
    now = timezone.now()
    return model._default_manager.filter(pk__in=list(ids), state=DeliveryState.DEAD).update(
        state=DeliveryState.PENDING, next_attempt_at=now, created_at=now
    )
