"""Inbound channels: the generic signed webhook (signature, time window, idempotency by message
id) and the Telegram reference adapter, whose replies go to a stub of the Bot API running as a
real HTTP server on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from walletdesk.core.actors import Actor
from walletdesk.identity.enums import Role
from walletdesk.tickets import actions, desk_actions, outbox
from walletdesk.tickets.enums import AuthorKind, Channel, TicketStatus, Visibility
from walletdesk.tickets.integration_models import (
    ChannelKind,
    ChannelMessage,
    DeliveryState,
    Direction,
    IntegrationChannel,
)
from walletdesk.tickets.models import Category, Ticket, TicketMessage
from walletdesk.tickets.tests.http_stub import Received, Stub, http_stub

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform() -> Iterator[Stub]:
    with http_stub() as stub:
        yield stub


@pytest.fixture
def agent(user_factory: Any) -> Any:
    return user_factory(role=Role.AGENT)


@pytest.fixture
def generic(platform: Stub) -> IntegrationChannel:
    return IntegrationChannel.objects.create(
        name="wechat-oa",
        kind=ChannelKind.GENERIC,
        reply_url=f"{platform.url}/replies",
        category=Category.objects.filter(parent__isnull=False).order_by("pk")[0],
    )


def signed_post(
    channel: IntegrationChannel,
    payload: dict[str, Any],
    *,
    msg_id: str = "m1",
    age: int = 0,
    secret: str | None = None,
) -> Any:
    body = json.dumps(payload, ensure_ascii=False)
    at = timezone.now() - timedelta(seconds=age)
    signature = Webhook(secret or channel.secret).sign(msg_id, at, body)
    return Client().post(
        f"/api/v1/channels/{channel.name}/messages",
        body,
        content_type="application/json",
        HTTP_WEBHOOK_ID=msg_id,
        HTTP_WEBHOOK_TIMESTAMP=str(int(at.timestamp())),
        HTTP_WEBHOOK_SIGNATURE=signature,
    )


def message(
    message_id: str = "wx-1", text: str = "我的提现三天了还没到账", chat: str = "openid-42"
) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "chat_id": chat,
        "user": {"id": chat, "name": "李雷"},
        "text": text,
    }


# --- Generic channel -------------------------------------------------------------------------


def test_a_signed_message_opens_a_social_ticket_and_the_next_one_appends(
    generic: IntegrationChannel,
) -> None:
    first = signed_post(generic, message())
    assert first.status_code == 200, first.content
    number = first.json()["ticket"]
    assert first.json() == {"ticket": number, "new_ticket": True, "duplicate": False}
    ticket = Ticket.objects.get(number=number)
    assert ticket.channel == Channel.SOCIAL and ticket.customer_id is None
    assert ticket.subject == "我的提现三天了还没到账"
    assert ticket.messages.get().author_kind == AuthorKind.CUSTOMER
    second = signed_post(generic, message("wx-2", "补充：金额 500 元"), msg_id="m2")
    assert second.json() == {"ticket": number, "new_ticket": False, "duplicate": False}
    assert ticket.messages.count() == 2


def test_the_same_message_id_is_taken_once(generic: IntegrationChannel) -> None:
    first = signed_post(generic, message())
    for attempt in range(3):
        again = signed_post(generic, message(), msg_id=f"retry-{attempt}")
        assert again.status_code == 200
        assert again.json() == {
            "ticket": first.json()["ticket"],
            "new_ticket": False,
            "duplicate": True,
        }
    assert TicketMessage.objects.count() == 1
    assert ChannelMessage.objects.filter(direction=Direction.INBOUND).count() == 1


@pytest.mark.parametrize(
    ("how", "kwargs"),
    [
        ("stale", {"age": 301}),
        ("future", {"age": -310}),
        ("wrong secret", {"secret": "whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="}),
    ],
)
def test_unsigned_stale_or_forged_messages_are_refused(
    generic: IntegrationChannel, how: str, kwargs: dict[str, Any]
) -> None:
    response = signed_post(generic, message(), **kwargs)
    assert response.status_code == 401, how
    assert response.json()["error"]["code"] == "channel_signature_invalid"
    assert not Ticket.objects.exists()


def test_a_tampered_body_or_missing_headers_are_refused(generic: IntegrationChannel) -> None:
    body = json.dumps(message())
    at = timezone.now()
    signature = Webhook(generic.secret).sign("m1", at, body)
    tampered = Client().post(
        f"/api/v1/channels/{generic.name}/messages",
        body.replace("42", "43"),
        content_type="application/json",
        HTTP_WEBHOOK_ID="m1",
        HTTP_WEBHOOK_TIMESTAMP=str(int(at.timestamp())),
        HTTP_WEBHOOK_SIGNATURE=signature,
    )
    assert tampered.status_code == 401
    bare = Client().post(
        f"/api/v1/channels/{generic.name}/messages", body, content_type="application/json"
    )
    assert bare.status_code == 401
    unknown = Client().post("/api/v1/channels/nope/messages", body, content_type="application/json")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "channel_not_found"
    assert not Ticket.objects.exists()


def test_a_signed_but_malformed_message_is_a_400(generic: IntegrationChannel) -> None:
    response = signed_post(generic, {"message_id": "x", "chat_id": "c", "text": ""})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_failed"


def test_an_agent_reply_goes_back_signed_to_the_reply_url(
    generic: IntegrationChannel, platform: Stub, agent: Any
) -> None:
    number = signed_post(generic, message()).json()["ticket"]
    desk_actions.send_reply(Actor.agent(agent.pk), number, "您好，已为您查询，预计今天到账。")
    actions.add_message(
        Actor.agent(agent.pk), number, "内部：已联系银行", visibility=Visibility.INTERNAL
    )
    run = outbox.deliver_due()
    assert run.delivered == 1
    (request,) = platform.requests
    assert request.path == "/replies"
    payload = Webhook(generic.secret).verify(request.body, request.headers)
    assert payload["data"]["chat_id"] == "openid-42"
    assert payload["data"]["text"] == "您好，已为您查询，预计今天到账。"
    assert ChannelMessage.objects.get(direction=Direction.OUTBOUND).state == DeliveryState.DELIVERED


def test_a_message_after_the_ticket_closed_opens_a_new_one(
    generic: IntegrationChannel, agent: Any
) -> None:
    number = signed_post(generic, message()).json()["ticket"]
    actions.change_status(Actor.agent(agent.pk), number, TicketStatus.SOLVED)
    actions.change_status(Actor.agent(agent.pk), number, TicketStatus.CLOSED)
    again = signed_post(generic, message("wx-9", "又有问题了"), msg_id="m9")
    assert again.json()["new_ticket"] is True and again.json()["ticket"] != number


def test_a_reply_to_a_solved_ticket_reopens_it(generic: IntegrationChannel, agent: Any) -> None:
    number = signed_post(generic, message()).json()["ticket"]
    actions.change_status(Actor.agent(agent.pk), number, TicketStatus.SOLVED)
    signed_post(generic, message("wx-3", "还是没到"), msg_id="m3")
    assert Ticket.objects.get(number=number).status == TicketStatus.OPEN


# --- Telegram reference adapter --------------------------------------------------------------


def bot_api(platform: Stub) -> None:
    """The Bot API's answer to sendMessage."""

    def respond(received: Received) -> tuple[int, dict[str, str], bytes]:
        if not received.path.endswith("/sendMessage"):
            return 404, {}, b'{"ok":false,"error_code":404,"description":"Not Found"}'
        sent = received.json()
        answer = {
            "ok": True,
            "result": {"message_id": 77, "chat": {"id": sent["chat_id"]}, "text": sent["text"]},
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()

    platform.responder = respond


@pytest.fixture
def telegram(platform: Stub) -> IntegrationChannel:
    bot_api(platform)
    return IntegrationChannel.objects.create(
        name="telegram",
        kind=ChannelKind.TELEGRAM,
        secret="tg-secret-token-0123456789",
        api_base=platform.url,
        bot_token="123456:ABC-DEF",
        language="en",
        category=Category.objects.filter(parent__isnull=False).order_by("pk")[0],
    )


def update(update_id: int, message_id: int, text: str, chat_id: int = 987654) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ada", "last_name": "L"},
            "chat": {"id": chat_id, "type": "private"},
            "date": 1764748800,
            "text": text,
        },
    }


def telegram_post(
    channel: IntegrationChannel, payload: dict[str, Any], token: str | None = None
) -> Any:
    return Client().post(
        f"/api/v1/channels/{channel.name}/telegram",
        json.dumps(payload),
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=token if token is not None else channel.secret,
    )


def test_telegram_round_trip_through_the_bot_api_stub(
    telegram: IntegrationChannel, platform: Stub, agent: Any
) -> None:
    first = telegram_post(telegram, update(1, 10, "My withdrawal has not arrived"))
    assert first.status_code == 200
    number = first.json()["ticket"]
    ticket = Ticket.objects.get(number=number)
    assert ticket.channel == Channel.SOCIAL and ticket.language == "en"
    # Telegram retries an update it did not see acknowledged: taken once.
    assert (
        telegram_post(telegram, update(1, 10, "My withdrawal has not arrived")).json()["duplicate"]
        is True
    )
    desk_actions.send_reply(Actor.agent(agent.pk), number, "Hello Ada, it arrives today.")
    assert outbox.deliver_due().delivered == 1
    (sent,) = platform.requests
    assert sent.path == "/bot123456:ABC-DEF/sendMessage"
    assert sent.json() == {"chat_id": "987654", "text": "Hello Ada, it arrives today."}
    telegram_post(telegram, update(2, 11, "Thanks!"))
    assert [m.body for m in ticket.messages.order_by("pk")] == [
        "My withdrawal has not arrived",
        "Hello Ada, it arrives today.",
        "Thanks!",
    ]


def test_telegram_refuses_a_wrong_secret_token_and_ignores_non_text_updates(
    telegram: IntegrationChannel,
) -> None:
    assert telegram_post(telegram, update(1, 10, "hi"), token="wrong").status_code == 401
    assert telegram_post(telegram, update(1, 10, "hi"), token="").status_code == 401
    sticker = {"update_id": 5, "message": {"message_id": 3, "chat": {"id": 1}, "sticker": {}}}
    ignored = telegram_post(telegram, sticker)
    assert ignored.status_code == 200 and ignored.json()["ticket"] is None
    assert not Ticket.objects.exists()


def test_a_bot_api_failure_is_retried(
    telegram: IntegrationChannel, platform: Stub, agent: Any
) -> None:
    number = telegram_post(telegram, update(1, 10, "hello")).json()["ticket"]
    platform.responder = None
    platform.answer(502, 200)
    desk_actions.send_reply(Actor.agent(agent.pk), number, "Hi")
    assert outbox.deliver_due().retrying == 1
    row = ChannelMessage.objects.get(direction=Direction.OUTBOUND)
    assert row.state == DeliveryState.PENDING and row.attempts == 1 and "502" in row.last_error
    bot_api(platform)
    assert outbox.deliver_due(row.next_attempt_at).delivered == 1
    assert ChannelMessage.objects.get(direction=Direction.OUTBOUND).state == DeliveryState.DELIVERED


def test_a_dead_reply_is_retried_from_the_admin(
    telegram: IntegrationChannel, platform: Stub, agent: Any, user_factory: Any
) -> None:
    number = telegram_post(telegram, update(1, 10, "hello")).json()["ticket"]
    desk_actions.send_reply(Actor.agent(agent.pk), number, "Hi")
    ChannelMessage.objects.filter(direction=Direction.OUTBOUND).update(
        created_at=timezone.now() - timedelta(hours=72)
    )
    platform.responder = None
    platform.answer(500)
    assert outbox.deliver_due().dead == 1
    row = ChannelMessage.objects.get(direction=Direction.OUTBOUND)
    admin = Client()
    admin.force_login(user_factory(role=Role.ADMIN))
    for path in (
        "/admin/tickets/integrationchannel/",
        f"/admin/tickets/integrationchannel/{telegram.pk}/change/",
        "/admin/tickets/integrationchannel/add/",
        "/admin/tickets/channelmessage/?state__exact=dead",
    ):
        assert admin.get(path).status_code == 200, path
    admin.post(
        "/admin/tickets/channelmessage/", {"action": "retry_now", "_selected_action": [row.pk]}
    )
    bot_api(platform)
    assert outbox.deliver_due().delivered == 1
    # Agents without admin rights do not see channels or their secrets.
    agent_client = Client()
    agent_client.force_login(agent)
    assert agent_client.get("/admin/tickets/integrationchannel/").status_code in (302, 403)


def test_a_channel_pointing_inward_is_refused_in_production(settings: Any) -> None:
    settings.WALLETDESK_WEBHOOKS = {**settings.WALLETDESK_WEBHOOKS, "ALLOW_LOOPBACK": False}
    category = Category.objects.filter(parent__isnull=False).order_by("pk")[0]
    from django.core.exceptions import ValidationError

    for kind, field, url in (
        (ChannelKind.TELEGRAM, "api_base", "https://169.254.169.254"),
        (ChannelKind.GENERIC, "reply_url", "https://10.1.2.3/replies"),
        (ChannelKind.GENERIC, "reply_url", ""),
    ):
        channel = IntegrationChannel(name="x", kind=kind, category=category, **{field: url})
        with pytest.raises(ValidationError) as refused:
            channel.full_clean()
        assert field in refused.value.message_dict
