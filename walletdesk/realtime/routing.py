"""WebSocket routes. The chat and console apps add their consumers here.

Every route is wrapped in `StrictOriginValidator` (scheme-strict Origin check, RT-1) on top of
the host-only `AllowedHostsOriginValidator` that config/asgi.py applies; wrap new routes the
same way with `guarded()`.
"""

from __future__ import annotations

from typing import Any

from django.urls import path

from walletdesk.realtime.consumers import EventsConsumer
from walletdesk.realtime.origin import StrictOriginValidator


def guarded(consumer: Any) -> Any:
    return StrictOriginValidator(consumer)


websocket_urlpatterns: list[Any] = [
    path("ws/events/", guarded(EventsConsumer.as_asgi()), name="realtime-events"),
]
