"""Inbound channel endpoints: /api/v1/channels/<name>/messages (generic, Standard Webhooks
signed) and /api/v1/channels/<name>/telegram (the Telegram Bot API's webhook). No session and no
CSRF: the signature (or Telegram's secret token) is the authentication, checked over the raw body
before anything else is read."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from walletdesk.api.openapi import ERROR
from walletdesk.tickets import channels

TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


class RawBodyParser(BaseParser):
    """Leave the body to the view: the signature is computed over the bytes as received."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return None


class ChannelReceivedOutput(serializers.Serializer[Any]):
    ticket = serializers.CharField(allow_null=True, help_text="The ticket number, null if ignored.")
    new_ticket = serializers.BooleanField()
    duplicate = serializers.BooleanField(help_text="This message id was received before.")


def _result(received: channels.Received | None) -> Response:
    if received is None:
        return Response({"ticket": None, "new_ticket": False, "duplicate": False})
    return Response(
        {
            "ticket": received.ticket_number,
            "new_ticket": received.new_ticket,
            "duplicate": received.duplicate,
        }
    )


class GenericChannelView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [RawBodyParser]

    @extend_schema(
        summary="A message from a social or messaging integration (for integrations)",
        description="Signed per Standard Webhooks with the channel's secret: `webhook-id`, "
        "`webhook-timestamp` (unix seconds, at most 5 minutes off) and `webhook-signature` "
        "(`v1,<base64 HMAC-SHA256 of id.timestamp.body>`). Body: `message_id`, `chat_id`, "
        "`user` (`id`, `name`), `text`. A message id already received answers `duplicate`. "
        "See docs/api.md.",
        parameters=[
            OpenApiParameter("webhook-id", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("webhook-timestamp", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("webhook-signature", str, OpenApiParameter.HEADER, required=True),
        ],
        request={"application/json": {"type": "object"}},
        responses={200: ChannelReceivedOutput, 400: ERROR, 401: ERROR, 404: ERROR},
    )
    def post(self, request: Request, name: str) -> Response:
        return _result(channels.receive_generic(name, request.body, dict(request.headers)))


class TelegramChannelView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [RawBodyParser]

    @extend_schema(
        summary="A Telegram Bot API update (set as the bot's webhook)",
        description=f"Authenticated by `{TELEGRAM_SECRET_HEADER}`, the `secret_token` given to "
        "setWebhook (the channel's secret). Updates without a text message are acknowledged "
        "and ignored.",
        parameters=[
            OpenApiParameter(TELEGRAM_SECRET_HEADER, str, OpenApiParameter.HEADER, required=True)
        ],
        request={"application/json": {"type": "object"}},
        responses={200: ChannelReceivedOutput, 400: ERROR, 401: ERROR, 404: ERROR},
    )
    def post(self, request: Request, name: str) -> Response:
        secret = request.headers.get(TELEGRAM_SECRET_HEADER, "")
        return _result(channels.receive_telegram(name, secret, request.body))
