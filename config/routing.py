"""WebSocket routes of the whole site, composed from each app's `routing.py` (DESIGN: routes are
composed in config/, realtime imports no app above it). The catch-all comes last: a path no app
serves is refused at the handshake instead of failing in the router."""

from __future__ import annotations

from typing import Any

from django.urls import re_path

from walletdesk.chat.routing import websocket_urlpatterns as chat_routes
from walletdesk.realtime.consumers import UnknownPathConsumer
from walletdesk.realtime.routing import websocket_urlpatterns as realtime_routes

websocket_urlpatterns: list[Any] = [
    *realtime_routes,
    *chat_routes,
    re_path(r"", UnknownPathConsumer.as_asgi(), name="websocket-unknown-path"),
]
