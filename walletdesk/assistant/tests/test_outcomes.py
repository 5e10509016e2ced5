"""What the assistant does and says for the demo world's support cases, through POST
/api/v1/assistant/messages, checked against the records themselves (amounts and times formatted
as the app formats them, `assistant.dialogue.format`), not against loose keywords.

Cases (walletdesk/demo/cases.py): a service incident on the bank-card rail (`seed_demo
--incident bank_card`), 吴刚's withdrawal at the bank made overdue, a charge twice within
minutes, 罗军's payment refused for the balance, 冯涛's wallet frozen by risk control, 郑爽's
own freeze, 彭宇's undeliverable sign-in code, 王小明's closure blockers.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import pgettext

from walletdesk.assistant.dialogue import adapters, format, texts
from walletdesk.assistant.tests.committing import commits_at_this_level
from walletdesk.demo.cases import DEMO_PAYMENT_PASSWORD, customer_with
from walletdesk.helpcenter import facade as helpcenter
from walletdesk.identity import facade as identity
from walletdesk.identity.actions.profile import set_language
from walletdesk.ledger import facade as ledger
from walletdesk.notifications import facade as notifications
from walletdesk.payments import facade as payments
from walletdesk.tickets.models import Ticket, TicketLink

URL = "/api/v1/assistant/messages"

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("assistant-outcomes")]


def customer(case: str, lang: str = "zh-hans") -> Any:
    user = get_user_model().objects.get(login_name=customer_with(case).phone)
    set_language(user, lang)
    user.refresh_from_db()
    return user


def ask(user: Any, text: str, conversation: str | None = None) -> dict[str, Any]:
    client = Client()
    client.force_login(user)
    with commits_at_this_level():
        response = client.post(
            URL,
            json.dumps({"text": text, "conversation": conversation}),
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def said(body: dict[str, Any]) -> str:
    return "\n".join(reply["text"] for reply in body["replies"])


def words(lang: str, msgid: str, **values: str) -> str:
    """An assistant string as the reader of `lang` sees it."""
    with translation.override("en" if lang == "en" else "zh-hans"):
        text = pgettext("assistant", msgid)
        return text % values if values else text


def in_lang(lang: str, fn: Any, *args: Any) -> Any:
    with translation.override("en" if lang == "en" else "zh-hans"):
        return fn(*args)


LANGS = [pytest.param("zh-hans", id="zh"), pytest.param("en", id="en")]


# --- 2. service incidents come first --------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "question"),
    [("zh-hans", "我充值了没到账"), ("en", "I topped up but the money hasn't arrived")],
)
def test_an_incident_on_the_card_top_up_rail_is_told_first(
    demo_assistant: None, lang: str, question: str
) -> None:
    # What `seed_demo --incident bank_card` opens.
    incident = helpcenter.open_incident(
        title="bank_card 渠道处理缓慢",
        title_en="Slow processing on the bank_card rail",
        components=("topup_card", "withdrawals"),
        message="部分交易处理变慢，我们正在与渠道方排查，资金安全不受影响。",
        message_en="Some operations are slow; we are investigating with the provider.",
    )
    user = customer("topup_failed", lang)

    body = ask(user, question)

    assert body["intent"] == "topup_not_arrived"
    first = body["replies"][0]
    title, message = (
        (incident.title_en, incident.latest_message_en)
        if lang == "en"
        else (incident.title, incident.latest_message)
    )
    expected = words(
        lang,
        "A known issue is affecting this right now: %(issue)s. "
        "Our team is on it; things should recover without you doing anything.",
        issue=f"{title}: {message}".rstrip(".")
        if lang == "en"
        else f"{title}：{message}".rstrip("。"),
    )
    if lang != "en":
        expected = expected.replace("。 ", "。")
    assert first["text"] == expected
    assert [(c["type"], c["url"]) for c in first["cards"]] == [("incident", incident.url)]
    # Then the customer's own top-up is still explained.
    assert len(body["replies"]) >= 2


# --- 3. real outcomes: tickets, reasons -----------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "question"),
    [("zh-hans", "我的提现还没到账"), ("en", "my withdrawal still hasn't arrived")],
)
def test_an_overdue_withdrawal_opens_a_linked_ticket_and_tells_its_number(
    demo_assistant: None, lang: str, question: str
) -> None:
    user = customer("withdrawal_in_flight", lang)
    (in_flight,) = [op for op in payments.rail_operations(user.pk, "withdrawal", 5) if op.is_open]
    # Four days at the bank (past any next working day); the bank still answers "processing".
    assert payments.redate_open_operation(
        "withdrawal", in_flight.public_id, timezone.now() - timedelta(days=4)
    )
    before = Ticket.objects.filter(customer=user).count()

    body = ask(user, question)

    assert body["intent"] == "withdraw_not_arrived"
    ticket = Ticket.objects.filter(customer=user).order_by("-pk").first()
    assert ticket is not None and Ticket.objects.filter(customer=user).count() == before + 1
    assert TicketLink.objects.filter(
        ticket=ticket, kind="withdrawal", object_id=in_flight.public_id
    ).exists()
    assert ticket.number in said(body)
    ticket_cards = [c for r in body["replies"] for c in r["cards"] if c["type"] == "ticket"]
    assert [c["title"] for c in ticket_cards] == [ticket.number]
    # The withdrawal is named by its own amount.
    assert format.money(in_flight.amount) in said(body)
    # Asked again: the same case, no second ticket.
    again = ask(user, question, body["conversation"])
    assert Ticket.objects.filter(customer=user).count() == before + 1
    assert ticket.number in said(again)


@pytest.mark.parametrize(
    ("lang", "question"),
    [("zh-hans", "同一笔付款被扣了两次钱"), ("en", "I was charged twice for the same payment")],
)
def test_a_duplicate_charge_opens_a_ticket_linked_to_both_payments(
    demo_assistant: None, lang: str, question: str
) -> None:
    user = customer("history_90_days", lang)
    # The shop of their latest payment, charged twice more within a minute.
    merchant = payments.merchant_public_id(payments.recent_payments(user.pk, 1)[0].merchant)
    assert merchant is not None
    paid = []
    for key in ("dup-1", "dup-2"):
        with commits_at_this_level():
            outcome = payments.pay_merchant(
                payer=payments.Payer.customer(user.pk, kyc_level=user.kyc_level),
                merchant_id=merchant,
                amount="36.80",
                payment_password=DEMO_PAYMENT_PASSWORD,
                idempotency_key=f"test:{key}",
            )
        paid.append(outcome.body["id"])
    marker = ledger.last_entry_id()

    body = ask(user, question)

    assert body["intent"] == "duplicate_charge"
    assert body["handoff"] is not False
    ticket = Ticket.objects.get(number=body["handoff"]["ticket"])
    linked = set(
        TicketLink.objects.filter(ticket=ticket, kind="payment").values_list("object_id", flat=True)
    )
    assert linked == set(paid)
    assert ticket.number in said(body)
    assert format.money(payments.recent_payments(user.pk, 1)[0].amount) in said(body)
    # Nothing is refunded by the assistant.
    assert ledger.entries_touching(user.pk, marker) == []


@pytest.mark.parametrize(
    ("lang", "question"),
    [("zh-hans", "我付款失败了，为什么"), ("en", "why did my payment fail")],
)
def test_a_refused_payment_states_the_real_reason_and_the_next_step(
    demo_assistant: None, lang: str, question: str
) -> None:
    user = customer("payment_refused", lang)
    refused = next(
        a for a in in_lang(lang, adapters.recent_refused_attempts, user.pk) if a.kind == "payment"
    )
    assert refused.reason == "insufficient_balance"
    what, step = in_lang(lang, texts.reason_explanation, refused.reason)

    body = ask(user, question)

    assert body["intent"] == "payment_failed"
    text = said(body)
    assert what in text and step in text
    assert refused.amount in text and refused.counterparty in text
    assert format.when(refused.created_at) in text
    # 余额不足 / not enough balance, in the reader's words.
    assert ("余额不足" in text) if lang != "en" else ("balance was not enough" in text)
    assert body["replies"][0]["cards"][0]["url"] == refused.url


# --- 4. account state, precisely ------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_a_risk_freeze_says_why_and_until_when(demo_assistant: None, lang: str) -> None:
    user = customer("wallet_frozen_by_risk", lang)
    wallet = payments.wallet_summary(user.pk)
    assert wallet is not None and wallet.frozen_until is not None and wallet.frozen_reason
    question = "我的账户为什么被冻结了" if lang != "en" else "why is my account frozen"

    body = ask(user, question)

    assert body["intent"] == "account_frozen"
    text = said(body)
    assert wallet.frozen_reason in text
    until = format.when(wallet.frozen_until)
    # The app's own form: local time (Asia/Shanghai), to the minute.
    assert until == timezone.localtime(wallet.frozen_until).strftime("%Y-%m-%d %H:%M")
    assert until in text


@pytest.mark.parametrize("lang", LANGS)
def test_an_own_freeze_says_when_and_from_when_it_can_be_lifted(
    demo_assistant: None, lang: str
) -> None:
    user = customer("wallet_frozen_by_owner", lang)
    state = identity.security_state(user.pk)
    assert state.frozen_at is not None and state.unfreeze_available_at is not None
    question = "我的账户为什么被冻结了" if lang != "en" else "why is my account frozen"

    body = ask(user, question)

    text = said(body)
    assert format.when(state.frozen_at) in text
    assert format.when(state.unfreeze_available_at) in text


def _code_records(user_id: int) -> list[notifications.DeliveryRecord]:
    return [
        r
        for r in notifications.delivery_records(user_id, 20)
        if r.kind in ("code", "otp") or "code" in r.kind or "otp" in r.kind
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_codes_not_received_lists_which_were_delivered_and_which_not(
    demo_assistant: None, lang: str
) -> None:
    user = customer("code_undeliverable", lang)
    records = _code_records(user.pk)
    assert records and records[0].status == "failed"
    question = "收不到验证码" if lang != "en" else "I didn't get the verification code"

    body = ask(user, question)

    assert body["intent"] == "verification_code_not_received"
    text = said(body)
    national = user.phone.removeprefix("+86")
    for record in records[:3]:
        assert format.when(record.created_at) in text
        # The bound phone, masked as everywhere in the assistant's replies (139****9001).
        assert f"{national[:3]}****{national[-4:]}" in text
    not_delivered = words(lang, "not delivered")
    assert text.count(not_delivered) == sum(1 for r in records[:3] if r.status == "failed")


@pytest.mark.parametrize("lang", LANGS)
def test_closing_the_account_names_what_blocks_it(demo_assistant: None, lang: str) -> None:
    user = customer("desk_email_thread", lang)  # 王小明: money in the wallet
    blockers = in_lang(lang, payments.closure_blockers, user.pk)
    assert blockers
    question = "我想注销账户" if lang != "en" else "I want to close my account"

    body = ask(user, question)

    assert body["intent"] == "close_account"
    text = said(body)
    for blocker in blockers:
        assert str(blocker.message) in text
