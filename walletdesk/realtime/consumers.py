"""`/ws/events/`: the per-user real-time event socket (docs/realtime.md).

Thin, like every consumer: authenticate on connect, join the user's group, forward what
`publish_on_commit` sends, close when identity says so (`force_close`). Whether a session is live is
identity's answer, registered with `realtime.facade.register_session_check`.
"""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

from walletdesk.realtime.db import db_hop
from walletdesk.realtime.facade import groups_for, session_is_live
from walletdesk.realtime.limits import LimitedJsonConsumer
from walletdesk.realtime.publish import user_group

#: Close code for "not (or no longer) signed in": anonymous, revoked session, logout, freeze.
CLOSE_UNAUTHENTICATED = 4401
#: Reported to in-process callers when a path has no route; over the network the refusal is an
#: HTTP 403 at the handshake (a close before accept), never a 500.
CLOSE_UNKNOWN_PATH = 4404


class EventsConsumer(LimitedJsonConsumer):
    """Server → client events for the signed-in user. Client messages: `{"type": "ping"}` only
    (answered with `{"type": "pong"}` after re-checking the session), within the frame size and
    rate limits of `LimitedJsonConsumer`."""

    group: str | None = None
    # Groups besides the user's own that registered checks let the user in (supervisors).
    extra_groups: tuple[str, ...] = ()

    async def _authorised(self) -> bool:
        user = self.scope.get("user")
        return bool(await db_hop(session_is_live)(self.scope.get("session"), user))

    async def connect(self) -> None:
        # Accept first and then close, so the client sees the 4401 code (a refusal before accept
        # is an HTTP 403 with no code).
        await self.accept()
        if not await self._authorised():
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = user_group(int(self.scope["user"].pk))
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.extra_groups = tuple(await db_hop(groups_for)(self.scope["user"]))
        for group in self.extra_groups:
            await self.channel_layer.group_add(group, self.channel_name)

    async def disconnect(self, code: int) -> None:
        for group in self.extra_groups:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.extra_groups = ()
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Authorisation on every message (RT-2): a revoked session cannot keep using the socket.
        if self.group is None or not await self._authorised():
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_json({"type": "error", "code": "unknown_message"})

    async def realtime_event(self, message: dict[str, Any]) -> None:
        """A `publish_on_commit` event: forward its `event` object as one JSON text frame."""
        if self.group is not None:
            await self.send_json(message["event"])

    async def force_close(self, message: dict[str, Any]) -> None:
        """Identity revoked everything (logout, freeze, password reset): say why, close now."""
        await self.send_json({"type": "session.closed", "reason": str(message.get("reason", ""))})
        await self.close(code=CLOSE_UNAUTHENTICATED)


class UnknownPathConsumer(AsyncWebsocketConsumer):
    """The last WebSocket route: any path no other route matches is refused at the handshake.

    Without it Channels' URLRouter raises ValueError and the server answers HTTP 500 with a
    logged traceback."""

    async def connect(self) -> None:
        await self.close(code=CLOSE_UNKNOWN_PATH)
