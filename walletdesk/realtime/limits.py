"""Limits every WebSocket consumer applies to what clients send (security guide RT-3).

A frame is checked in this order, and the first failure closes the socket with a defined code
(table in docs/realtime.md), after an `{"type": "error", "code": …}` frame saying why:

1. a binary frame (we speak JSON text only) → 1003 unsupported data, `binary_frame`;
2. more than `max_frame_bytes` of UTF-8 text → 1009 message too big, `frame_too_large`;
3. more than `max_messages` in `window_seconds` (a token bucket per connection) → 1008 policy
   violation, `rate_limited`;
4. not strict JSON (walletdesk.core.jsontext) → 1007 invalid payload data, `malformed_json`,
   `duplicate_json_key`, `json_too_deep` or `invalid_text`.

None of these is an error on our side, so none is logged with a traceback.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from walletdesk.core.errors import WalletDeskError
from walletdesk.core.jsontext import DuplicateKeyError, loads_strict

CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_INVALID_PAYLOAD = 1007
CLOSE_POLICY_VIOLATION = 1008
CLOSE_MESSAGE_TOO_BIG = 1009

#: Read through this name so that tests can stop the clock (the bucket's only time source).
monotonic: Callable[[], float] = time.monotonic


class TokenBucket:
    """`capacity` messages at once, refilled evenly over `window_seconds`."""

    def __init__(self, capacity: int, window_seconds: float) -> None:
        self.capacity = float(capacity)
        self.rate = capacity / window_seconds
        self.tokens = float(capacity)
        self.updated = monotonic()

    def take(self) -> bool:
        now = monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class LimitedJsonConsumer(AsyncJsonWebsocketConsumer):
    """An AsyncJsonWebsocketConsumer that enforces RT-3 before `receive_json` sees a frame."""

    max_frame_bytes: int = 4 * 1024
    max_messages: int = 10
    window_seconds: float = 10.0

    _bucket: TokenBucket | None = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch without its `aclose_old_connections()` before every handler.

        That call is a hop into the database thread (one per process, shared by every socket)
        for each frame and each channel-layer event: on a chat message, four hops that do no
        database work. Our sockets reach the database only through `realtime.db.db_hop`, which
        runs `close_old_connections()` before and after each hop, as Django does around a
        request."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def _refuse(self, close_code: int, error_code: str) -> None:
        await self.send_json({"type": "error", "code": error_code})
        await self.close(code=close_code)

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        if text_data is None:
            await self._refuse(CLOSE_UNSUPPORTED_DATA, "binary_frame")
            return
        # Characters first: each is at least one byte, so a long frame is refused unencoded.
        if (
            len(text_data) > self.max_frame_bytes
            or len(text_data.encode("utf-8", "surrogatepass")) > self.max_frame_bytes
        ):
            await self._refuse(CLOSE_MESSAGE_TOO_BIG, "frame_too_large")
            return
        if self._bucket is None:
            self._bucket = TokenBucket(self.max_messages, self.window_seconds)
        if not self._bucket.take():
            await self._refuse(CLOSE_POLICY_VIOLATION, "rate_limited")
            return
        try:
            content = loads_strict(text_data)
        except DuplicateKeyError:
            await self._refuse(CLOSE_INVALID_PAYLOAD, "duplicate_json_key")
            return
        except ValueError:
            await self._refuse(CLOSE_INVALID_PAYLOAD, "malformed_json")
            return
        except WalletDeskError as exc:  # json_too_deep, invalid_text
            await self._refuse(CLOSE_INVALID_PAYLOAD, exc.code)
            return
        await self.receive_json(content, **kwargs)
