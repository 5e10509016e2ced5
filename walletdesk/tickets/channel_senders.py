"""Agents' replies going back out through a channel: queued in the reply's transaction
(`queue_reply`), sent at least once by the outbox job through the channel's adapter.

Adapters: `generic` posts a Standard Webhooks-signed JSON message to the channel's reply URL;
`telegram` calls the Bot API's `sendMessage` (the reference adapter, tested against a local stub
of the Bot API). Both go through `safe_http`, so an operator cannot point a channel inward.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from walletdesk.tickets import safe_http, webhooks
from walletdesk.tickets.integration_models import (
    ChannelConversation,
    ChannelKind,
    ChannelMessage,
    DeliveryState,
    Direction,
)

TELEGRAM_TEXT_MAX = 4096


class SendRejectedError(Exception):
    """The peer answered but did not take the message (retried later)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def queue_reply(ticket: Any, message: Any) -> ChannelMessage | None:
    """Queue a public staff reply for the channel the ticket came from (inside its transaction)."""
    conversation = (
        ChannelConversation.objects.select_related("channel")
        .filter(ticket=ticket, channel__active=True)
        .order_by("-pk")
        .first()
    )
    if conversation is None:
        return None
    now = timezone.now()
    row = ChannelMessage.objects.create(
        channel=conversation.channel,
        direction=Direction.OUTBOUND,
        external_id=f"out_{message.public_id}",
        conversation=conversation,
        ticket_message=message,
        state=DeliveryState.PENDING,
        next_attempt_at=now,
        created_at=now,
    )
    transaction.on_commit(webhooks._kick)
    return row


def send(row: ChannelMessage) -> None:
    """Deliver one outbound message; raises on any failure (the outbox retries)."""
    channel = row.channel
    text = row.ticket_message.body
    if channel.kind == ChannelKind.TELEGRAM:
        for start in range(0, len(text), TELEGRAM_TEXT_MAX):
            _telegram_send(
                channel, row.conversation.external_chat, text[start : start + TELEGRAM_TEXT_MAX]
            )
        return
    _generic_send(row, text)


def _telegram_send(channel: Any, chat_id: str, text: str) -> None:
    url = f"{channel.api_base.rstrip('/')}/bot{channel.bot_token}/sendMessage"
    body = json.dumps({"chat_id": chat_id, "text": text}, ensure_ascii=False).encode()
    result = safe_http.post(url, body, {"content-type": "application/json"})
    try:
        answer = json.loads(result.body or b"{}")
    except ValueError:
        answer = {}
    if not (200 <= result.status < 300 and isinstance(answer, dict) and answer.get("ok") is True):
        description = str(answer.get("description", "")) if isinstance(answer, dict) else ""
        raise SendRejectedError(
            f"Bot API answered {result.status} {description}"[:300], status=result.status
        )


def _generic_send(row: ChannelMessage, text: str) -> None:
    channel = row.channel
    if not channel.reply_url:
        raise SendRejectedError("the channel has no reply URL")
    now = timezone.now()
    payload = {
        "type": "message.reply",
        "timestamp": now.isoformat(),
        "data": {
            "chat_id": row.conversation.external_chat,
            "message_id": row.external_id,
            "text": text,
        },
    }
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    headers = {
        "content-type": "application/json",
        "user-agent": "WalletDesk-Channels/1",
        "webhook-id": row.external_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": webhooks.signature([channel.secret], row.external_id, now, body),
    }
    result = safe_http.post(channel.reply_url, body.encode(), headers)
    if not 200 <= result.status < 300:
        raise SendRejectedError(f"the reply URL answered {result.status}", status=result.status)
