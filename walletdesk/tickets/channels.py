"""Inbound channels: messages from social and messaging integrations become ticket messages.

Two shapes arrive at `/api/v1/channels/<name>/…`:

- `generic`: any integration (a WeChat official account bridge, Weibo, a partner's app) posts
  `{"message_id", "chat_id", "user": {"id", "name"}, "text"}` signed per Standard Webhooks with
  the channel's secret: `webhook-id`, `webhook-timestamp` (at most 5 minutes from our clock) and
  `webhook-signature` over the raw body.
- `telegram`: the Telegram Bot API's own webhook (an `Update`), authenticated by the secret token
  Telegram echoes in `X-Telegram-Bot-Api-Secret-Token`.

Each platform message is taken once: (channel, message id) is unique, so a platform that delivers
twice, or two deliveries racing, add one ticket message. A person's first message opens a ticket
(channel "social"); later ones go to the same ticket while it can take replies, and a new ticket
is opened after it closed. Agents' public replies go back out through `channel_senders`.
"""

from __future__ import annotations

import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from walletdesk.core.actors import Actor
from walletdesk.core.errors import ValidationFailedError
from walletdesk.core.jsontext import loads_strict
from walletdesk.tickets import actions
from walletdesk.tickets.enums import REOPEN_WINDOW, Channel, TicketStatus
from walletdesk.tickets.errors import ChannelNotFoundError, ChannelSignatureInvalidError
from walletdesk.tickets.integration_models import (
    ChannelConversation,
    ChannelKind,
    ChannelMessage,
    DeliveryState,
    Direction,
    IntegrationChannel,
)
from walletdesk.tickets.models import Ticket

SUBJECT_LENGTH = 60
TEXT_MAX = 10_000


@dataclass(frozen=True, slots=True)
class InboundMessage:
    message_id: str
    chat_id: str
    user_id: str
    user_name: str
    text: str


@dataclass(frozen=True, slots=True)
class Received:
    ticket_number: str
    new_ticket: bool
    duplicate: bool


def _channel(name: str, kind: ChannelKind) -> IntegrationChannel:
    channel = IntegrationChannel.objects.filter(name=name, kind=kind, active=True).first()
    if channel is None:
        raise ChannelNotFoundError()
    return channel


def verify_generic(name: str, raw_body: bytes, headers: Mapping[str, str]) -> IntegrationChannel:
    """The channel whose secret signed this body within the time window, or an error."""
    channel = _channel(name, ChannelKind.GENERIC)
    wanted = {k.lower(): v for k, v in headers.items() if k.lower().startswith("webhook-")}
    try:
        Webhook(channel.secret).verify(raw_body, wanted, json_parse=False)
    except (WebhookVerificationError, ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise ChannelSignatureInvalidError() from error
    return channel


def verify_telegram(name: str, secret_token: str) -> IntegrationChannel:
    channel = _channel(name, ChannelKind.TELEGRAM)
    if not hmac.compare_digest(secret_token.encode(), channel.secret.encode()):
        raise ChannelSignatureInvalidError()
    return channel


def telegram_message(update: Mapping[str, Any]) -> InboundMessage | None:
    """The text message in a Telegram `Update` (None for updates that carry none: edits, joins,
    stickers)."""
    message = update.get("message")
    if not isinstance(message, Mapping):
        return None
    chat = message.get("chat") or {}
    sender = message.get("from") or {}
    text = message.get("text") or message.get("caption") or ""
    if not (isinstance(text, str) and text.strip() and "id" in chat and "message_id" in message):
        return None
    name = " ".join(
        str(part) for part in (sender.get("first_name"), sender.get("last_name")) if part
    ) or str(sender.get("username") or "")
    return InboundMessage(
        # Telegram numbers messages per chat.
        message_id=f"{chat['id']}:{message['message_id']}",
        chat_id=str(chat["id"]),
        user_id=str(sender.get("id", chat["id"])),
        user_name=name[:100],
        text=text[:TEXT_MAX],
    )


def _takes_replies(ticket: Ticket) -> bool:
    if ticket.status == TicketStatus.CLOSED:
        return False
    if ticket.status == TicketStatus.SOLVED:
        return ticket.solved_at is not None and timezone.now() - ticket.solved_at <= REOPEN_WINDOW
    return True


def _subject(message: InboundMessage) -> str:
    first_line = message.text.strip().splitlines()[0] if message.text.strip() else ""
    return first_line[:SUBJECT_LENGTH] or message.user_name or message.chat_id


def receive(channel: IntegrationChannel, message: InboundMessage) -> Received:
    """Add a platform message to its person's ticket (opening one when needed), once."""
    seen = _already(channel, message)
    if seen is not None:
        return seen
    system = Actor.system()
    try:
        with transaction.atomic():
            conversation = (
                ChannelConversation.objects.select_for_update()
                .select_related("ticket")
                .filter(channel=channel, external_chat=message.chat_id)
                .first()
            )
            if conversation is not None and _takes_replies(conversation.ticket):
                ticket_message = actions.add_message(
                    system, conversation.ticket.number, message.text, from_contact=True
                )
                new_ticket = False
            else:
                ticket = actions.open_ticket(
                    system,
                    customer_id=None,
                    subject=_subject(message),
                    body=message.text,
                    category=channel.category.slug,
                    channel=Channel.SOCIAL,
                    language=channel.language,
                    from_contact=True,
                )
                ticket_message = ticket.messages.get()
                new_ticket = True
                if conversation is None:
                    conversation = ChannelConversation.objects.create(
                        channel=channel,
                        external_user=message.user_id,
                        external_chat=message.chat_id,
                        display_name=message.user_name,
                        ticket=ticket,
                    )
                else:
                    conversation.ticket = ticket
                    conversation.save(update_fields=["ticket"])
            ChannelMessage.objects.create(
                channel=channel,
                direction=Direction.INBOUND,
                external_id=message.message_id,
                conversation=conversation,
                ticket_message=ticket_message,
                state=DeliveryState.DELIVERED,
                delivered_at=timezone.now(),
            )
    except IntegrityError:
        # The same message raced in twice: the other delivery won and wrote everything.
        seen = _already(channel, message)
        if seen is None:
            raise
        return seen
    return Received(conversation.ticket.number, new_ticket, duplicate=False)


def _already(channel: IntegrationChannel, message: InboundMessage) -> Received | None:
    row = (
        ChannelMessage.objects.select_related("ticket_message__ticket")
        .filter(channel=channel, direction=Direction.INBOUND, external_id=message.message_id)
        .first()
    )
    if row is None:
        return None
    return Received(row.ticket_message.ticket.number, new_ticket=False, duplicate=True)


def _text_field(data: Mapping[str, Any], key: str, limit: int, *, required: bool = True) -> str:
    value = data.get(key, "")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        raise ValidationFailedError(
            fields={key: [_("A text of at most %(limit)d characters.") % {"limit": limit}]}
        )
    return value


def receive_generic(name: str, raw_body: bytes, headers: Mapping[str, str]) -> Received:
    """A generic channel's signed message: verified first, then read, then taken once."""
    channel = verify_generic(name, raw_body, headers)
    try:
        data = loads_strict(raw_body)
    except ValueError as error:
        raise ValidationFailedError(
            fields={"body": [_("The request body is not valid JSON.")]}
        ) from error
    if not isinstance(data, dict):
        raise ValidationFailedError(fields={"body": [_("The request body is not valid JSON.")]})
    raw_user = data.get("user")
    user: Mapping[str, Any] = raw_user if isinstance(raw_user, dict) else {}
    message = InboundMessage(
        message_id=_text_field(data, "message_id", 100),
        chat_id=_text_field(data, "chat_id", 100),
        user_id=_text_field(user, "id", 100),
        user_name=_text_field(user, "name", 100, required=False),
        text=_text_field(data, "text", TEXT_MAX),
    )
    return receive(channel, message)


def receive_telegram(name: str, secret_token: str, raw_body: bytes) -> Received | None:
    """A Telegram webhook update; None when it carries no text message (acknowledged, ignored)."""
    channel = verify_telegram(name, secret_token)
    try:
        update = loads_strict(raw_body)
    except ValueError as error:
        raise ValidationFailedError(
            fields={"body": [_("The request body is not valid JSON.")]}
        ) from error
    message = telegram_message(update) if isinstance(update, dict) else None
    if message is None:
        return None
    return receive(channel, message)
