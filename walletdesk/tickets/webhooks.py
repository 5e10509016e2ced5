"""Outgoing webhooks for ticket events (security guide API-5, API-6; contract in docs/api.md).

`emit` writes one outbox row (`WebhookDelivery`) per interested endpoint in the transaction of the
change it reports, so an event is never lost and never sent for a change that rolled back;
`tickets.outbox.deliver_due` (the `deliver_outbox` job) posts them at least once. Requests are
signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64
HMAC-SHA256 of id.timestamp.body>`) with the reference `standardwebhooks` package.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from walletdesk.tickets import safe_http
from walletdesk.tickets.enums import EventKind, Visibility
from walletdesk.tickets.errors import WebhookTargetRefusedError
from walletdesk.tickets.integration_models import WebhookDelivery, WebhookEndpoint
from walletdesk.tickets.models import Ticket, TicketEvent

# Timeline row kind → the event type receivers subscribe to.
EVENT_TYPES: dict[str, str] = {
    EventKind.CREATED: "ticket.created",
    EventKind.MESSAGE: "ticket.message_added",
    EventKind.STATUS: "ticket.status_changed",
    EventKind.PRIORITY: "ticket.updated",
    EventKind.CATEGORY: "ticket.updated",
    EventKind.ASSIGNEE: "ticket.updated",
    EventKind.TEAM: "ticket.updated",
    EventKind.TAGS: "ticket.updated",
    EventKind.MERGED_INTO: "ticket.merged",
    # On the ticket split; the new ticket announces itself as `ticket.created`.
    EventKind.SPLIT_INTO: "ticket.split",
    EventKind.RATED: "ticket.rated",
    # Written in bulk by the SLA sweep (`announcer`), not one by one through `emit`.
    EventKind.SLA_WARNING: "ticket.sla_warning",
    EventKind.SLA_BREACHED: "ticket.sla_breached",
}
# What `_ticket_data` reads, for loading many tickets at once.
TICKET_FIELDS = ("pk", "number", "status", "priority", "kind", "channel", "category__slug")
ALL_EVENT_TYPES = sorted(set(EVENT_TYPES.values()))


def validate_endpoint(url: str, events: Iterable[Any]) -> None:
    """For the admin form: the URL must pass the SSRF rules now (they are checked again on every
    delivery) and the event types must exist."""
    try:
        safe_http.check_url(url)
    except WebhookTargetRefusedError as error:
        raise ValidationError({"url": error.user_message}) from error
    unknown = [e for e in (events or []) if e not in ALL_EVENT_TYPES]
    if unknown:
        raise ValidationError(
            {
                "events": f"Unknown event types: {', '.join(map(str, unknown))}. "
                f"Known: {', '.join(ALL_EVENT_TYPES)}."
            }
        )


def signature(secrets: Iterable[str], event_id: str, at: datetime, body: str) -> str:
    """The `webhook-signature` header: one `v1,<sig>` per active secret, space-separated."""
    return " ".join(Webhook(secret).sign(event_id, at, body) for secret in secrets if secret)


def active_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    secrets = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_expires_at
        and endpoint.previous_secret_expires_at > now
    ):
        secrets.append(endpoint.previous_secret)
    return secrets


def signed_headers(
    endpoint: WebhookEndpoint, event_id: str, body: str, now: datetime
) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": "WalletDesk-Webhooks/1",
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature(active_secrets(endpoint, now), event_id, now, body),
    }


def _ticket_data(ticket: Any) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "status": ticket.status,
        "priority": int(ticket.priority),
        "kind": ticket.kind,
        "channel": ticket.channel,
        "category": getattr(ticket.category, "slug", ""),
    }


def _ticket_data_of_row(row: dict[str, Any]) -> dict[str, Any]:
    """`_ticket_data` from a `values(*TICKET_FIELDS)` row."""
    return {
        "number": row["number"],
        "status": row["status"],
        "priority": int(row["priority"]),
        "kind": row["kind"],
        "channel": row["channel"],
        "category": row["category__slug"] or "",
    }


def _payload(event_type: str, ticket: Any, event: Any) -> dict[str, Any]:
    return _payload_of(event_type, _ticket_data(ticket), event)


def _payload_of(event_type: str, ticket_data: dict[str, Any], event: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ticket": ticket_data,
        "change": {
            "kind": event.kind,
            "from": event.from_value,
            "to": event.to_value,
            "actor": event.actor.split(":", 1)[0],
        },
    }
    message = event.message
    if message is not None:
        public = message.visibility == Visibility.PUBLIC
        data["message"] = {
            "id": str(message.public_id),
            "visibility": message.visibility,
            "author": message.author_kind,
            # Internal notes stay inside the desk: receivers learn one was written, not what.
            "body": message.body if public else None,
        }
    return {"type": event_type, "timestamp": event.created_at.isoformat(), "data": data}


def active_endpoints() -> list[WebhookEndpoint]:
    """For a writer of several timeline rows (an automation run): read the endpoints once and
    pass them to each `emit`."""
    return list(WebhookEndpoint.objects.filter(active=True).order_by("pk"))


def emit(ticket: Any, event: Any, *, endpoints: Sequence[WebhookEndpoint] | None = None) -> int:
    """Queue the timeline row `event` for every active endpoint that wants its type. Call inside
    the transaction that wrote it. `endpoints`: the active endpoints already read
    (`active_endpoints`), else they are read now."""
    event_type = EVENT_TYPES.get(event.kind)
    if event_type is None:
        return 0
    if endpoints is None:
        endpoints = active_endpoints()
    endpoints = [e for e in endpoints if e.wants(event_type)]
    if not endpoints:
        return 0
    now = timezone.now()
    payload = _payload(event_type, ticket, event)
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint,
            event_id=f"msg_{uuid.uuid4().hex}",
            event_type=event_type,
            payload=payload,
            next_attempt_at=now,
            created_at=now,
        )
        for endpoint in endpoints
    )
    transaction.on_commit(_kick)
    return len(endpoints)


def announcer(
    endpoints: Sequence[WebhookEndpoint] | None = None,
) -> Callable[[Sequence[TicketEvent]], int]:
    """For writers of many timeline rows at once (the SLA sweep, auto-assignment): loads the
    active endpoints once and returns the function that queues the outbox rows of a batch of rows
    (their tickets read in one query, the deliveries written in one insert). Call it inside the
    transaction that wrote the rows. `endpoints`: the active endpoints already read
    (`active_endpoints`)."""
    if endpoints is None:
        endpoints = active_endpoints()

    def queue(events: Sequence[TicketEvent]) -> int:
        wanted = [
            (event, event_type, [e for e in endpoints if e.wants(event_type)])
            for event in events
            if (event_type := EVENT_TYPES.get(event.kind)) is not None
        ]
        wanted = [item for item in wanted if item[2]]
        if not wanted:
            return 0
        tickets = {
            row["pk"]: _ticket_data_of_row(row)
            for row in Ticket.objects.filter(
                pk__in={event.ticket_id for event, _type, _endpoints in wanted}
            ).values(*TICKET_FIELDS)
        }
        now = timezone.now()
        deliveries = [
            WebhookDelivery(
                endpoint=endpoint,
                event_id=f"msg_{uuid.uuid4().hex}",
                event_type=event_type,
                payload=_payload_of(event_type, tickets[event.ticket_id], event),
                next_attempt_at=now,
                created_at=now,
            )
            for event, event_type, interested in wanted
            if event.ticket_id in tickets
            for endpoint in interested
        ]
        WebhookDelivery.objects.bulk_create(deliveries, batch_size=1_000)
        if deliveries:
            transaction.on_commit(_kick)
        return len(deliveries)

    return queue


def _kick() -> None:
    """Start a delivery run soon after the commit (the periodic job catches anything missed)."""
    from walletdesk.tickets.tasks import deliver_outbox

    try:
        deliver_outbox.delay()
    # A broker hiccup must not fail the request that committed; the periodic job delivers.
    except Exception:
        return


def body_of(delivery: WebhookDelivery) -> str:
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


ROTATION_OVERLAP_HOURS = 24


def rotate_secret(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Issue a new secret; the current one keeps signing next to it for 24 hours (API-5: two
    secrets active during a rotation)."""
    from datetime import timedelta

    from walletdesk.tickets.integration_models import new_secret

    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + timedelta(hours=ROTATION_OVERLAP_HOURS)
    endpoint.secret = new_secret()
    endpoint.save(
        update_fields=["previous_secret", "previous_secret_expires_at", "secret", "updated_at"]
    )
    return endpoint
