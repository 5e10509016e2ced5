"""Messages read with the conversation behind them (follow-ups, corrections, a record named by its
place in a list) and messages that ask several things, through POST /api/v1/assistant/messages."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from walletdesk.assistant.dialogue.followup import resolve, split_questions
from walletdesk.assistant.nlu.pipeline import Pipeline
from walletdesk.identity.facade import set_payment_password
from walletdesk.payments.models import TopUp
from walletdesk.payments.topups import create_top_up
from walletdesk.payments.wallets import open_wallet
from walletdesk.tickets.models import Ticket

URL = "/api/v1/assistant/messages"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("instant_sandbox_rail")]


@pytest.fixture
def chat(customer: Any, nlu: Pipeline) -> Callable[[str], dict[str, Any]]:
    """Say something in one conversation; returns the turn's JSON."""
    open_wallet(customer.pk, ("CNY",))
    set_payment_password(customer.pk, "246810")
    client = Client()
    client.force_login(customer)
    conversation: dict[str, str | None] = {"id": None}

    def say(text: str) -> dict[str, Any]:
        response = client.post(
            URL,
            json.dumps({"text": text, "conversation": conversation["id"]}),
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        body: dict[str, Any] = response.json()
        conversation["id"] = body["conversation"]
        return body

    return say


@pytest.fixture
def top_up(customer: Any, django_capture_on_commit_callbacks: Any) -> Callable[[str], TopUp]:
    """A top-up of the customer's; amounts ending in .58 stay pending until someone asks."""

    def make(amount: str) -> TopUp:
        with django_capture_on_commit_callbacks(execute=True):
            outcome = create_top_up(
                user_id=customer.pk,
                kyc_level=0,
                amount=amount,
                currency="CNY",
                method="third_party_wallet",
                card_id=None,
                idempotency_key=f"t-{uuid.uuid4().hex}",
            )
        return TopUp.objects.get(public_id=outcome.body["id"])

    return make


def said(body: dict[str, Any]) -> str:
    return "\n".join(r["text"] for r in body["replies"])


@pytest.mark.parametrize(
    ("first", "follow_up", "word"),
    [
        ("我充值的2000.58怎么还没到账", "那提现呢", "提现"),
        ("my top-up of 2000.58 hasn't arrived", "what about withdrawals?", "withdrawal"),
    ],
)
def test_an_elliptical_follow_up_asks_the_same_about_another_route(
    chat: Callable[[str], dict[str, Any]],
    top_up: Callable[[str], TopUp],
    first: str,
    follow_up: str,
    word: str,
) -> None:
    top_up("2000.58")
    assert chat(first)["intent"] == "topup_not_arrived"
    answer = chat(follow_up)
    assert answer["intent"] == "withdraw_not_arrived"
    assert word in said(answer).lower()
    assert "2,000.58" not in said(answer)


@pytest.mark.parametrize(
    ("first", "still"),
    [("我充值的300.58到账了吗", "还是没到"), ("did my 300.58 top-up arrive", "still nothing")],
)
def test_still_not_there_checks_the_same_record_again(
    chat: Callable[[str], dict[str, Any]], top_up: Callable[[str], TopUp], first: str, still: str
) -> None:
    top_up("300.58")
    top_up("800.00")
    assert "300.58" in said(chat(first))
    again = chat(still)
    assert again["intent"] == "topup_not_arrived"
    assert "300.58" in said(again) and "800.00" not in said(again)


@pytest.mark.parametrize(
    ("first", "correction"),
    [("充值失败了", "不是充值，是提现"), ("my top-up failed", "no, I meant the withdrawal")],
)
def test_a_correction_switches_the_route_and_looks_again(
    chat: Callable[[str], dict[str, Any]], first: str, correction: str
) -> None:
    assert chat(first)["intent"] == "topup_failed"
    answer = chat(correction)
    assert answer["intent"] == "withdraw_failed"
    assert answer["handoff"] is False


@pytest.mark.parametrize(
    ("first", "correction"),
    [
        ("我充值的3000还没到账", "不是3000，是500.58"),
        ("my 3000 top-up hasn't arrived", "I said 500.58 not 3000"),
    ],
)
def test_a_correction_of_the_amount_redoes_the_lookup(
    chat: Callable[[str], dict[str, Any]],
    top_up: Callable[[str], TopUp],
    first: str,
    correction: str,
) -> None:
    top_up("300.58")
    wanted = top_up("500.58")
    asked = chat(first)
    assert [q["id"].split(":")[0] for q in asked["replies"][-1]["quick_replies"]] == [
        "pick",
        "pick",
    ]
    answer = chat(correction)
    assert answer["intent"] == "topup_not_arrived"
    assert "500.58" in said(answer) and "300.58" not in said(answer)
    assert not answer["replies"][-1]["quick_replies"] or all(
        not q["id"].startswith("pick:") for q in answer["replies"][-1]["quick_replies"]
    )
    wanted.refresh_from_db()
    assert wanted.status == "succeeded"  # looked up again: the channel was asked


@pytest.mark.parametrize(
    ("first", "second"), [("充值还没到账", "第二笔"), ("top-up not arrived", "the second one")]
)
def test_the_second_one_picks_from_the_list_on_offer(
    chat: Callable[[str], dict[str, Any]], top_up: Callable[[str], TopUp], first: str, second: str
) -> None:
    top_up("300.58")
    top_up("500.58")
    options = chat(first)["replies"][-1]["quick_replies"]
    assert len(options) == 2
    picked = options[1]["label"].split(" ")[0]
    answer = chat(second)
    assert answer["intent"] == "topup_not_arrived"
    assert picked in said(answer)
    assert options[0]["label"].split(" ")[0] not in said(answer)


@pytest.mark.parametrize(
    ("text", "intent", "words"),
    [
        ("余额多少？顺便问下提现手续费", "balance_inquiry", ("可用余额", "手续费")),
        (
            "what's my balance and how much is the withdrawal fee",
            "balance_inquiry",
            ("available balance", "fees apply"),
        ),
    ],
)
def test_several_questions_are_answered_in_order_in_one_reply_list(
    chat: Callable[[str], dict[str, Any]], text: str, intent: str, words: tuple[str, str]
) -> None:
    answer = chat(text)
    assert answer["intent"] == intent
    texts = [r["text"].lower() for r in answer["replies"]]
    first = next(i for i, t in enumerate(texts) if words[0] in t)
    second = next(i for i, t in enumerate(texts) if words[1] in t)
    assert first < second
    assert answer["handoff"] is False


def test_why_a_top_up_failed_and_the_balance_in_one_message(
    chat: Callable[[str], dict[str, Any]], top_up: Callable[[str], TopUp]
) -> None:
    top_up("450.51")  # declined at once
    answer = chat("what's my balance and why did my top-up fail")
    text = said(answer)
    assert "available balance" in text and "450.51" in text
    assert text.index("available balance") < text.index("450.51")


@pytest.mark.parametrize(
    "text", ["我要投诉你们？还有给我转人工", "I want to complain. also can I talk to a person?"]
)
def test_several_questions_hand_off_once_at_most(
    chat: Callable[[str], dict[str, Any]], text: str
) -> None:
    answer = chat(text)
    assert answer["handoff"] is not False
    assert Ticket.objects.count() == 1
    assert sum(answer["handoff"]["ticket"] in r["text"] for r in answer["replies"]) == 1


def test_questions_are_split_only_where_a_new_question_starts() -> None:
    assert split_questions("余额多少？顺便问下提现手续费") == ["余额多少", "提现手续费"]
    assert split_questions("我余额多少，另外提现要多久") == ["我余额多少", "提现要多久"]
    assert split_questions("what's my balance and why did my top-up fail") == [
        "what's my balance",
        "why did my top-up fail",
    ]
    for one in ("我充了500。到现在还没到账", "我余额多少？", "I topped up and it hasn't arrived"):
        assert split_questions(one) == [one]


def test_what_a_follow_up_leans_on() -> None:
    state: dict[str, Any] = {"last_intent": "topup_not_arrived"}
    assert resolve("那提现呢", None, state).intent == "withdraw_not_arrived"  # type: ignore[union-attr]
    assert resolve("what about transfers?", None, state).intent == "transfer_not_received"  # type: ignore[union-attr]
    fixed = resolve("I said 200 not 2000", None, state)
    assert fixed is not None and [m.minor for m in fixed.amounts or ()] == [20000]
    assert resolve("那美元呢", None, {"last_intent": "exchange_rate"}).intent == "exchange_rate"  # type: ignore[union-attr]
    # Not a correction of the route or the amount, and nothing to lean on.
    assert resolve("不是我本人操作的，是被盗了", None, state) is None
    assert resolve("那提现呢", None, {}) is None


def test_yesterdays_one_is_the_record_of_that_day(
    customer: Any, chat: Callable[[str], dict[str, Any]], top_up: Callable[[str], TopUp]
) -> None:
    older = top_up("300.58")
    TopUp.objects.filter(pk=older.pk).update(created_at=older.created_at - timedelta(days=1))
    top_up("500.58")
    assert len(chat("充值还没到账")["replies"][-1]["quick_replies"]) == 2
    answer = chat("昨天那笔")
    assert answer["intent"] == "topup_not_arrived"
    assert "300.58" in said(answer) and "500.58" not in said(answer)
