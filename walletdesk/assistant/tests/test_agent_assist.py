"""Agent assist: what the console shows beside a conversation (intent, summary, entities,
suggested replies from the desk's macros and the help center)."""

from __future__ import annotations

from typing import Any

import pytest

from walletdesk.assistant.dialogue.engine import handle_turn
from walletdesk.assistant.facade import agent_assist
from walletdesk.assistant.nlu.pipeline import Pipeline
from walletdesk.chat import facade as chat
from walletdesk.chat.models import Conversation
from walletdesk.core.actors import Actor
from walletdesk.identity.facade import set_payment_password
from walletdesk.payments.wallets import open_wallet

pytestmark = pytest.mark.django_db


@pytest.fixture
def wallet_customer(customer: Any) -> Any:
    open_wallet(customer.pk, ("CNY",))
    set_payment_password(customer.pk, "246810")
    return customer


def test_a_top_up_question_gets_the_top_up_macro_first_and_a_summary(
    wallet_customer: Any, nlu: Pipeline
) -> None:
    turn = handle_turn(customer_id=wallet_customer.pk, text="我充值的500块还没到账")
    assist = agent_assist(turn.conversation, lang="zh")
    assert assist.conversation == turn.conversation
    assert assist.intent == "topup_not_arrived" and 0 < assist.confidence <= 1
    assert assist.summary.startswith("客户咨询：") and "（共 1 条消息）" in assist.summary
    assert "最新一条：“我充值的500块还没到账”" in assist.summary
    assert [e["type"] for e in assist.entities] == ["amount"]
    macros = [s for s in assist.suggestions if s.kind == "macro"]
    assert macros[0].title == "充值未到账：请提供银行流水号"
    # No ticket yet: the placeholders stay for the agent to fill.
    assert "{customer_name}" in macros[0].text
    assert all(
        s.kind in ("macro", "article") and s.text and s.source_id for s in assist.suggestions
    )


def test_after_a_handoff_the_macros_are_filled_for_the_case_in_english(
    wallet_customer: Any, nlu: Pipeline
) -> None:
    offer = handle_turn(customer_id=wallet_customer.pk, text="I lost my phone, freeze my account")
    done = handle_turn(customer_id=wallet_customer.pk, text="yes", conversation=offer.conversation)
    assert done.handoff is not None
    pk = Conversation.objects.get(public_id=offer.conversation).pk
    assist = agent_assist(pk, lang="en")
    assert assist.handoff_ticket == done.handoff.ticket
    assert assist.intent == "emergency_freeze"
    assert f"Handed off as case {done.handoff.ticket}." in assist.summary
    assert "The customer asks about" in assist.summary
    macro = next(s for s in assist.suggestions if s.kind == "macro")
    assert "{customer_name}" not in macro.text and macro.title.isascii()


def test_a_conversation_the_assistant_never_answered_is_understood_now(
    wallet_customer: Any, nlu: Pipeline
) -> None:
    actor = Actor.customer(wallet_customer.pk)
    conversation = chat.start_conversation(
        actor, customer_id=wallet_customer.pk, channel=chat.Channel.CHAT
    )
    chat.post_message(actor, conversation.id, body="my withdrawal failed, where is my money")
    assist = agent_assist(conversation.id, lang="en")
    assert assist.intent == "withdraw_failed"
    assert "my withdrawal failed, where is my money" in assist.summary
    assert next(s for s in assist.suggestions if s.kind == "macro").source_id


def test_an_unknown_conversation_is_not_found(nlu: Pipeline) -> None:
    with pytest.raises(chat.ConversationNotFoundError):
        agent_assist(987654, lang="zh")
    with pytest.raises(chat.ConversationNotFoundError):
        agent_assist("00000000-0000-0000-0000-000000000000", lang="zh")
