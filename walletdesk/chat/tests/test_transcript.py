"""Transcript by email at the customer's request (through the notifications outbox, in the
conversation's language), a few times per chat; CSAT at the end exists beside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from walletdesk.chat import live_actions
from walletdesk.chat.errors import ChatNoEmailError, ChatWrongStateError
from walletdesk.chat.tests.test_queue import agent_in, team, waiting_chat
from walletdesk.core.actors import Actor
from walletdesk.notifications.models import Message as Outbox
from walletdesk.tickets.models import Team

pytestmark = pytest.mark.django_db
__all__ = ["agent_in", "team"]  # fixtures


@pytest.mark.parametrize(
    ("language", "you", "agent_line", "subject"),
    [
        ("zh-hans", "你: 我的提现没到账", "号客服: 我来帮您查", "与客服的聊天记录"),
        ("en", "You: 我的提现没到账", "Agent no.", "Your chat with our support"),
    ],
)
def test_the_customer_gets_the_transcript_by_email_in_their_language(
    team: Team,
    agent_in: Callable[..., Actor],
    user_factory: Callable[..., Any],
    language: str,
    you: str,
    agent_line: str,
    subject: str,
) -> None:
    agent = agent_in(team)
    user = user_factory(email="wang.fang@example.com", preferred_language=language)
    customer = Actor.customer(user.pk)
    conversation = str(live_actions.open_chat(customer, language=language).public_id)
    live_actions.send(customer, conversation, text="我的提现没到账", client_id="c1")
    live_actions.request_agent(customer, conversation)
    live_actions.accept_offer(agent, conversation)
    live_actions.send(agent, conversation, text="我来帮您查", client_id="a1")
    live_actions.end_chat(customer, conversation)

    assert live_actions.email_transcript(customer, conversation) == "w***@example.com"
    mail = Outbox.objects.get(user=user, kind="chat_transcript")
    assert (mail.channel, mail.destination) == ("email", "wang.fang@example.com")
    assert subject in mail.subject
    assert you in mail.body and agent_line in mail.body
    # CSAT at the end, once.
    live_actions.rate(customer, conversation, score=5)
    assert live_actions.rate(customer, conversation, score=1).csat_score == 5


def test_no_email_address_or_too_many_requests_are_refused(
    user_factory: Callable[..., Any],
) -> None:
    customer, conversation = waiting_chat(user_factory)
    with pytest.raises(ChatNoEmailError):
        live_actions.email_transcript(customer, conversation)
    user = user_factory(email="li@example.com")
    mine = Actor.customer(user.pk)
    chat = str(live_actions.open_chat(mine).public_id)
    live_actions.send(mine, chat, text="你好", client_id="c1")
    for _ in range(live_actions.TRANSCRIPTS_PER_CHAT):
        live_actions.email_transcript(mine, chat)
    with pytest.raises(ChatWrongStateError):
        live_actions.email_transcript(mine, chat)
    assert Outbox.objects.filter(user=user, kind="chat_transcript").count() == 3
    # Someone else's chat is not found.
    with pytest.raises(Exception, match="chat_conversation_not_found"):
        live_actions.email_transcript(mine, conversation)
