"""The one fan-out function: every real-time event leaves through `publish_on_commit`.

Events are sent to Channels groups only after the surrounding transaction commits, so a client
never hears about a change that was rolled back.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

from walletdesk.core.db import on_commit
from walletdesk.realtime.events import check_event


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def supervisors_group() -> str:
    """Every `/ws/events/` socket of a user who may watch the live queues (the check is the
    console's, registered with `realtime.facade.register_group`)."""
    return "desk.supervisors"


def _nobody_listens(layer: Any, group: str) -> bool:
    # The in-memory layer never crosses processes: with nobody in this process in the group,
    # skip the event-loop round trip that async_to_sync costs.
    return isinstance(layer, InMemoryChannelLayer) and not layer.groups.get(group)


def _send(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None or _nobody_listens(layer, group):
        return
    async_to_sync(layer.group_send)(group, {"type": "realtime.event", "event": event})


def publish_on_commit(group: str, event_type: str, op: str, payload: dict[str, Any]) -> None:
    """Send `{"type": event_type, "op": op, **payload}` to `group` after commit. The event must
    match its schema in `walletdesk.realtime.events.EVENT_SCHEMAS` (checked even when nobody
    listens, so a wrong payload fails in every test that publishes it)."""
    check_event(event_type, op, payload)
    layer = get_channel_layer()
    if layer is None or _nobody_listens(layer, group):
        return
    on_commit(_send, group, {"type": event_type, "op": op, **payload})
