"""The assistant speaks first when something affects the customer: `POST
/api/v1/assistant/messages {"open": true}` and a new live chat opened on the socket's `join`.

The demo world (seeded once for the module) holds the cases: 周敏's top-up is past its expected
arrival, 李娜's withdrawal failed, 张伟 tops up by bank card (the rail an incident is opened on
here), 赵磊 has nothing pending. Expected texts are built from the records themselves, formatted
as the app formats them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import pgettext

from walletdesk.assistant.dialogue import format
from walletdesk.assistant.tests.committing import commits_at_this_level
from walletdesk.chat import live_actions
from walletdesk.chat.models import Message
from walletdesk.core.actors import Actor
from walletdesk.helpcenter import facade as helpcenter
from walletdesk.identity.actions.profile import set_language
from walletdesk.payments import facade as payments

URL = "/api/v1/assistant/messages"
OVERDUE_TOP_UP = "+8613500135010"  # 周敏
FAILED_WITHDRAWAL = "+8613900139001"  # 李娜
CARD_TOP_UP = "+8613700137002"  # 张伟
NOTHING_PENDING = "+8617700177007"  # 赵磊

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("assistant-proactive")]


def customer(login: str, lang: str = "zh-hans") -> Any:
    user = get_user_model().objects.get(login_name=login)
    set_language(user, lang)
    user.refresh_from_db()
    return user


def open_assistant(user: Any, conversation: str | None = None, **headers: str) -> dict[str, Any]:
    client = Client(headers=headers)
    client.force_login(user)
    with commits_at_this_level():
        response = client.post(
            URL,
            json.dumps({"open": True, "conversation": conversation}),
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def text_of(body: dict[str, Any]) -> str:
    return "\n".join(reply["text"] for reply in body["replies"])


def bank_card_incident() -> helpcenter.IncidentSummary:
    # What `seed_demo --incident bank_card` opens (demo.cases.INCIDENT_COMPONENTS).
    return helpcenter.open_incident(
        title="银行卡渠道处理缓慢",
        title_en="Slow processing on the bank card rail",
        components=("topup_card", "withdrawals"),
        message="部分银行卡充值处理变慢，资金安全不受影响。",
        message_en="Some card top-ups are slow. Your money is safe.",
    )


def expected(lang: str, msgid: str, **values: str) -> str:
    with translation.override("en" if lang == "en" else "zh-hans"):
        return pgettext("assistant", msgid) % values


TOP_UP_OPENING = (
    "Hello! I see your %(amount)s top-up of %(when)s is still processing. "
    "Shall I check it with the channel now?"
)
WITHDRAWAL_OPENING = (
    "Hello! Your %(amount)s withdrawal of %(when)s failed; the money is back in "
    "your balance. Want to know why?"
)
GREETING = "Hello! I'm the WalletDesk assistant. How can I help you today?"


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_an_overdue_top_up_opens_the_conversation(demo_assistant: None, lang: str) -> None:
    user = customer(OVERDUE_TOP_UP, lang)
    overdue = next(
        op
        for op in payments.rail_operations(user.pk, "top_up", 5)
        if op.is_open and op.overdue(timezone.now())
    )
    body = open_assistant(user)
    short = "en" if lang == "en" else "zh"
    assert text_of(body) == expected(
        short,
        TOP_UP_OPENING,
        amount=format.money(overdue.amount),
        when=format.when(overdue.created_at),
    )
    assert body["intent"] == "topup_not_arrived" and body["handoff"] is False
    assert [q["id"] for q in body["replies"][0]["quick_replies"]] == [
        f"requery:top_up:{overdue.public_id}"
    ]
    # Only the assistant's message is stored: the customer wrote nothing.
    stored = Message.objects.filter(conversation__public_id=body["conversation"])
    assert list(stored.values_list("seq", "author_kind")) == [(1, "assistant")]


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_failed_withdrawal_opens_the_conversation(demo_assistant: None, lang: str) -> None:
    user = customer(FAILED_WITHDRAWAL, lang)
    failed = next(
        op for op in payments.rail_operations(user.pk, "withdrawal", 5) if op.status == "failed"
    )
    body = open_assistant(user)
    short = "en" if lang == "en" else "zh"
    assert text_of(body) == expected(
        short,
        WITHDRAWAL_OPENING,
        amount=format.money(failed.amount),
        when=format.when(failed.created_at),
    )
    assert body["intent"] == "withdraw_failed"
    assert [q["id"] for q in body["replies"][0]["quick_replies"]] == [
        f"pick:withdrawal:{failed.public_id}"
    ]


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_an_incident_on_a_rail_the_customer_uses_opens_the_conversation(
    demo_assistant: None, lang: str
) -> None:
    incident = bank_card_incident()
    user = customer(CARD_TOP_UP, lang)
    body = open_assistant(user)
    said = text_of(body)
    title, message = (
        (incident.title_en, incident.latest_message_en)
        if lang == "en"
        else (incident.title, incident.latest_message)
    )
    line = f"{title}: {message}".rstrip(".") if lang == "en" else f"{title}：{message}".rstrip("。")
    assert line in said
    # Natural Chinese: a full-width colon, and no doubled full stop.
    assert "。。" not in said
    assert body["intent"] == "service_status"
    cards = body["replies"][0]["cards"]
    assert [(c["type"], c["title"], c["url"]) for c in cards] == [("incident", title, incident.url)]


def test_an_incident_on_a_rail_the_customer_never_used_is_not_opened_with(
    demo_assistant: None,
) -> None:
    bank_card_incident()
    # 赵磊 has never topped up by card nor withdrawn: the bank-card rail is not theirs.
    body = open_assistant(customer(NOTHING_PENDING))
    assert text_of(body) == expected("zh", GREETING)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_nothing_pending_gets_a_plain_greeting(demo_assistant: None, lang: str) -> None:
    body = open_assistant(customer(NOTHING_PENDING, lang))
    assert text_of(body) == expected("en" if lang == "en" else "zh", GREETING)
    assert body["intent"] == "greeting" and body["handoff"] is False
    assert body["replies"][0]["cards"] == [] and body["replies"][0]["quick_replies"] == []


def test_the_same_opening_is_not_said_twice_in_a_conversation(demo_assistant: None) -> None:
    user = customer(FAILED_WITHDRAWAL)
    first = open_assistant(user)
    assert first["intent"] == "withdraw_failed"
    again = open_assistant(user, first["conversation"])
    assert again["intent"] == "greeting"
    assert text_of(again) == expected("zh", GREETING)
    # A greeting typed later does not bring it back either.
    client = Client()
    client.force_login(user)
    with commits_at_this_level():
        hello = client.post(
            URL,
            json.dumps({"text": "你好", "conversation": first["conversation"]}),
            content_type="application/json",
        ).json()
    assert "提现" not in text_of(hello)


def test_open_is_a_json_true_and_comes_alone(demo_assistant: None) -> None:
    client = Client()
    client.force_login(customer(NOTHING_PENDING))
    for body in ({"open": 1}, {"open": "true"}, {"open": False}, {"open": True, "text": "你好"}):
        response = client.post(URL, json.dumps(body), content_type="application/json")
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "validation_failed"
    # Another customer's conversation is not found, as for text.
    theirs = open_assistant(customer(FAILED_WITHDRAWAL))["conversation"]
    response = client.post(
        URL, json.dumps({"open": True, "conversation": theirs}), content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "chat_conversation_not_found"


# --- the live chat: the socket's join opens the chat with live_actions.open_chat ------------


def chat_thread(conversation: Any) -> list[tuple[int, str, str]]:
    return list(
        Message.objects.filter(conversation=conversation)
        .order_by("seq")
        .values_list("seq", "author_kind", "body")
    )


@pytest.mark.usefixtures("live_chat_assistant")
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_new_live_chat_starts_with_the_failed_withdrawal(demo_assistant: None, lang: str) -> None:
    user = customer(FAILED_WITHDRAWAL, lang)
    failed = next(
        op for op in payments.rail_operations(user.pk, "withdrawal", 5) if op.status == "failed"
    )
    with commits_at_this_level():
        conversation = live_actions.open_chat(Actor.customer(user.pk), language=lang)
    thread = chat_thread(conversation)
    assert thread == [
        (
            1,
            "assistant",
            expected(
                "en" if lang == "en" else "zh",
                WITHDRAWAL_OPENING,
                amount=format.money(failed.amount),
                when=format.when(failed.created_at),
            ),
        )
    ]
    payload = Message.objects.get(conversation=conversation, seq=1).payload
    # The chat bubble offers the answer and a person, as every assistant turn does.
    assert [q["id"] for q in payload["quick_replies"]] == [
        f"pick:withdrawal:{failed.public_id}",
        "handoff",
    ]
    # The chat still going is joined again, not opened: no second opening.
    with commits_at_this_level():
        again = live_actions.open_chat(Actor.customer(user.pk), language=lang)
    assert again.pk == conversation.pk and len(chat_thread(conversation)) == 1


@pytest.mark.usefixtures("live_chat_assistant")
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_new_live_chat_starts_with_the_overdue_top_up(demo_assistant: None, lang: str) -> None:
    user = customer(OVERDUE_TOP_UP, lang)
    overdue = next(
        op
        for op in payments.rail_operations(user.pk, "top_up", 5)
        if op.is_open and op.overdue(timezone.now())
    )
    with commits_at_this_level():
        conversation = live_actions.open_chat(Actor.customer(user.pk), language=lang)
    assert chat_thread(conversation) == [
        (
            1,
            "assistant",
            expected(
                "en" if lang == "en" else "zh",
                TOP_UP_OPENING,
                amount=format.money(overdue.amount),
                when=format.when(overdue.created_at),
            ),
        )
    ]


@pytest.mark.usefixtures("live_chat_assistant")
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_new_live_chat_starts_with_the_incident(demo_assistant: None, lang: str) -> None:
    incident = bank_card_incident()
    user = customer(CARD_TOP_UP, lang)
    with commits_at_this_level():
        conversation = live_actions.open_chat(Actor.customer(user.pk), language=lang)
    (only,) = chat_thread(conversation)
    assert only[1] == "assistant"
    if lang == "en":
        line = f"{incident.title_en}: {incident.latest_message_en}".rstrip(".")
    else:
        line = f"{incident.title}：{incident.latest_message}".rstrip("。")
    assert line in only[2]


@pytest.mark.usefixtures("live_chat_assistant")
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_new_live_chat_with_nothing_pending_stays_quiet(demo_assistant: None, lang: str) -> None:
    user = customer(NOTHING_PENDING, lang)
    with commits_at_this_level():
        conversation = live_actions.open_chat(Actor.customer(user.pk), language=lang)
    # The chat page greets the customer itself; the assistant has nothing to add.
    assert chat_thread(conversation) == []


def test_the_schema_documents_open() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/assistant/messages"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
    assert fields["open"]["type"] == "boolean"
    assert "speaks first" in fields["open"]["description"]
    assert "open: true" in operation["description"]


def test_a_new_conversation_speaks_the_language_the_app_asked_in(demo_assistant: None) -> None:
    # The account says Chinese; the app asks in English (its Accept-Language or the language
    # cookie): the opening is English. An app that names no language gets the account's.
    user = customer(NOTHING_PENDING, "zh-hans")
    english = open_assistant(user, accept_language="en-US,en;q=0.9")
    assert text_of(english) == expected("en", GREETING)
    chinese = open_assistant(user)
    assert text_of(chinese) == expected("zh", GREETING)
    # Reopened, the conversation keeps its language whatever the app asks in next.
    again = open_assistant(user, english["conversation"])
    assert text_of(again) == expected("en", GREETING)
