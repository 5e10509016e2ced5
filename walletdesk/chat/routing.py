"""The live chat's WebSocket route (composed in config/routing.py)."""

from __future__ import annotations

from typing import Any

from django.urls import path

from walletdesk.chat.consumers import ChatConsumer
from walletdesk.realtime.routing import guarded

websocket_urlpatterns: list[Any] = [
    path("ws/chat/", guarded(ChatConsumer.as_asgi()), name="chat-socket"),
]
