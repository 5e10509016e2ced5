"""The one fan-out function: every real-time event leaves through `publish_on_commit`.

Events are sent to Channels groups only after the surrounding transaction commits, so a client
never hears about a change that was rolled back.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
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


logger = logging.getLogger(__name__)

# Events committed inside a socket's database hop (`realtime.db.db_hop`) wait here, per thread,
# until the hop ends; the hop's event loop then sends them. Without it each event would hold the
# hop's thread, which every socket of the process shares, until the busy loop got round to the
# send and Redis answered.
_hop = threading.local()


def _message(event: dict[str, Any]) -> dict[str, Any]:
    """The channel-layer message that carries `event` to the sockets (`realtime_event`)."""
    return {"type": "realtime.event", "event": event}


def _send(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None or _nobody_listens(layer, group):
        return
    pending: list[tuple[str, dict[str, Any]]] | None = getattr(_hop, "pending", None)
    if pending is not None:
        pending.append((group, event))
        return
    async_to_sync(layer.group_send)(group, _message(event))


def collect_in_this_thread() -> list[tuple[str, dict[str, Any]]]:
    """From now on, events committed in this thread are kept in the returned list instead of
    sent (until `stop_collecting`)."""
    pending: list[tuple[str, dict[str, Any]]] = []
    _hop.pending = pending
    return pending


def stop_collecting() -> None:
    _hop.pending = None


# Sending tasks, referenced until done (the event loop holds tasks only weakly).
_sending: set[asyncio.Task[None]] = set()


#: Events that only tell a page to re-read a list (no payload of their own): a group gets at
#: most one per window; those published within it are sent once, when it ends, so the last
#: change is always followed by one. An agent's desk list otherwise re-reads its rows on every
#: customer message of every chat (a busy agent's fifty chats) and each signal costs a publish
#: and a delivery to every chat socket of the agent, which has nothing to do with it.
COALESCE_SECONDS: dict[str, float] = {"desk.inbox": 0.5}


class _Windows:
    """Per event loop: when each (group, event type) may be sent again, and those waiting."""

    def __init__(self) -> None:
        self.open_until: dict[tuple[str, str], float] = {}
        # The latest event of each group held back, sent when its window ends.
        self.waiting: dict[tuple[str, str], dict[str, Any]] = {}


_windows: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Windows] = (
    weakref.WeakKeyDictionary()
)


def _held_back(group: str, event: dict[str, Any]) -> bool:
    """Whether `event` is left to its group's window (True: sent when the window ends)."""
    window = COALESCE_SECONDS.get(event["type"])
    if window is None:
        return False
    loop = asyncio.get_running_loop()
    windows = _windows.setdefault(loop, _Windows())
    key = (group, event["type"])
    if key in windows.waiting:
        windows.waiting[key] = event
        return True
    now = loop.time()
    until = windows.open_until.get(key, 0.0)
    if now >= until:
        if len(windows.open_until) > 10_000:  # forget groups whose windows have ended
            windows.open_until = {k: t for k, t in windows.open_until.items() if t > now}
        windows.open_until[key] = now + window
        return False
    windows.waiting[key] = event

    def send_at_the_end() -> None:
        latest = windows.waiting.pop(key)
        windows.open_until[key] = loop.time() + window
        _start(loop, [(group, latest)], coalesce=False)

    loop.call_at(until, send_at_the_end)
    return True


async def _send_all(events: list[tuple[str, dict[str, Any]]], *, coalesce: bool = True) -> None:
    layer = get_channel_layer()
    for group, event in events:  # in commit order
        if coalesce and _held_back(group, event):
            continue
        try:
            await layer.group_send(group, _message(event))
        except Exception:  # a signal may be lost (docs/realtime.md); the next ones still go
            logger.exception("could not publish %s to %s", event.get("type"), group)


def _start(
    loop: asyncio.AbstractEventLoop,
    events: list[tuple[str, dict[str, Any]]],
    *,
    coalesce: bool = True,
) -> None:
    task = loop.create_task(_send_all(events, coalesce=coalesce))
    _sending.add(task)
    task.add_done_callback(_sending.discard)


def send_soon(loop: asyncio.AbstractEventLoop, events: list[tuple[str, dict[str, Any]]]) -> None:
    """From a hop's thread: have `loop` send `events` in order, without waiting for it. The
    hop's caller may be cancelled (its socket closed) while the thread still commits; the
    events go out all the same."""

    if not events:
        return
    try:
        loop.call_soon_threadsafe(_start, loop, events)
    except RuntimeError:  # the loop closed under the hop (the process is stopping)
        logger.warning("event loop closed: %d event(s) not published", len(events))


def publish_on_commit(group: str, event_type: str, op: str, payload: dict[str, Any]) -> None:
    """Send `{"type": event_type, "op": op, **payload}` to `group` after commit. The event must
    match its schema in `walletdesk.realtime.events.EVENT_SCHEMAS` (checked even when nobody
    listens, so a wrong payload fails in every test that publishes it)."""
    check_event(event_type, op, payload)
    layer = get_channel_layer()
    if layer is None or _nobody_listens(layer, group):
        return
    on_commit(_send, group, {"type": event_type, "op": op, **payload})
