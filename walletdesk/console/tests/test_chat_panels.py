"""The panels beside the open chat in /desk/chats/: agent assist (intent, summary, suggested
replies from the desk's macros and the help center) and the chat's internal notes. Only for a
chat the agent holds or is offered; staff only."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.utils import timezone

from walletdesk.chat import facade as chat
from walletdesk.chat.live_models import ChatState, LiveChat
from walletdesk.chat.models import Conversation, Message
from walletdesk.console.models import ChatNote
from walletdesk.console.tests.conftest import chat_with
from walletdesk.core.actors import Actor
from walletdesk.identity.enums import Role
from walletdesk.identity.models import AuditEvent

pytestmark = pytest.mark.django_db
# Session, user and permissions (7, as for every console fragment), the agent's live chats and
# presence (2), then agent assist: the conversation, its messages, the assistant's state, the
# topic's name, the macros and the help center's articles, and the label once more (16). On
# SQLite the help center searches an index in the process, which checks once per search (two
# here) that it is current; PostgreSQL searches in the database.
ASSIST_QUERIES = {"sqlite": 25, "postgresql": 23}
# Session, user and permissions (7), the agent's live chats and presence (2), the notes (1).
NOTES_QUERIES = 10


def _assist_url(conversation: Conversation | str) -> str:
    public_id = getattr(conversation, "public_id", conversation)
    return f"/desk/console/chats/{public_id}/assist/"


def _notes_url(conversation: Conversation | str) -> str:
    public_id = getattr(conversation, "public_id", conversation)
    return f"/desk/console/chats/{public_id}/notes/"


def _topup_chat(customer: Any, agent: Any) -> Conversation:
    """A live chat the assistant answered first: the customer's top-up has not arrived."""
    conversation = chat_with(customer, agent)
    chat.post_message(
        Actor.customer(customer.pk), conversation.public_id, body="我充值的500块还没到账"
    )
    chat.post_message(
        Actor.assistant(),
        conversation.public_id,
        body="我来帮你查一下这笔充值。",
        payload={"intent": "topup_not_arrived", "confidence": 0.93},
    )
    return conversation


def _agent_client(agent: Any) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def test_the_assist_panel_shows_the_intent_a_summary_and_replies_to_insert(
    customer: Any, agent: Any, django_assert_num_queries: Any
) -> None:
    conversation = _topup_chat(customer, agent)
    client = _agent_client(agent)
    with django_assert_num_queries(ASSIST_QUERIES[connection.vendor]):
        response = client.get(_assist_url(conversation), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-intent="topup_not_arrived"' in html
    assert response.context["intent_label"] == "充值未到账" and "93%" in html
    assert "客户咨询：" in html and "我充值的500块还没到账" in html
    suggestions = response.context["assist"].suggestions
    assert suggestions[0].kind == "macro" and suggestions[0].title == "充值未到账：请提供银行流水号"
    assert html.count('class="btn btn-secondary btn-compact assist-insert"') == len(suggestions)
    # The panel only reads: nothing was sent to the customer.
    assert Message.objects.filter(conversation=conversation).count() == 2


def test_the_assist_panel_speaks_the_agents_language_and_names_an_unknown_intent(
    customer: Any, agent: Any
) -> None:
    conversation = chat_with(customer, agent)
    chat.post_message(Actor.customer(customer.pk), conversation.public_id, body="今天天气怎么样")
    chat.post_message(
        Actor.assistant(),
        conversation.public_id,
        body="……",
        payload={"intent": "out_of_scope", "confidence": 0.2},
    )
    client = _agent_client(agent)
    client.cookies["django_language"] = "en"
    response = client.get(_assist_url(conversation), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Agent assist" in html and response.context["intent_label"] == "Not recognised"
    assert "The customer asks about" in html


def test_an_offered_chat_has_the_panel_another_agents_and_unknown_ones_are_not_found(
    customer: Any, agent: Any, user_factory: Any
) -> None:
    mine = _topup_chat(customer, agent)
    other = user_factory(role=Role.AGENT)
    theirs = chat_with(customer, other)
    offered = Conversation.objects.create(customer=customer, channel="live")
    LiveChat.objects.create(
        conversation=offered,
        state=ChatState.OFFERED,
        offered_to=agent,
        offer_expires_at=timezone.now() + timedelta(seconds=60),
    )
    ended = chat_with(customer)  # no agent: ended
    client = _agent_client(agent)
    assert client.get(_assist_url(mine)).status_code == 200
    assert client.get(_assist_url(offered)).status_code == 200
    for url in (_assist_url(theirs), _assist_url(ended), _assist_url(str(uuid.uuid4()))):
        assert client.get(url).status_code == 404
        assert client.get(url.replace("/assist/", "/notes/")).status_code == 404
    assert client.post(_notes_url(theirs), {"body": "看看"}).status_code == 404
    assert not ChatNote.objects.exists()


def test_customers_and_staff_without_the_desk_are_refused(
    customer: Any, agent: Any, user_factory: Any
) -> None:
    conversation = _topup_chat(customer, agent)
    own = Client()
    own.force_login(customer)
    assert own.get(_assist_url(conversation)).status_code == 403
    assert own.post(_notes_url(conversation), {"body": "我要看备注"}).status_code == 403
    outsider = user_factory(role="agent")
    outsider.groups.remove(Group.objects.get(name="agent"))
    client = Client()
    client.force_login(outsider)
    assert client.get(_assist_url(conversation)).status_code == 403
    assert AuditEvent.objects.filter(actor_id=outsider.pk, action="access_denied").exists()
    assert Client().get(_assist_url(conversation)).status_code == 302
    assert Client().get(_notes_url(conversation)).status_code == 302
    assert not ChatNote.objects.exists()


def test_an_agent_adds_internal_notes_that_the_customer_never_receives(
    customer: Any, agent: Any, django_assert_num_queries: Any
) -> None:
    conversation = _topup_chat(customer, agent)
    client = _agent_client(agent)
    response = client.post(_notes_url(conversation), {"body": "  客户说是工行卡，等银行流水号  "})
    assert response.status_code == 200
    note = ChatNote.objects.get()
    assert (note.conversation, note.agent_id, note.body) == (
        str(conversation.public_id),
        agent.pk,
        "客户说是工行卡，等银行流水号",
    )
    client.post(_notes_url(conversation), {"body": "已转交财务核实"})
    with django_assert_num_queries(NOTES_QUERIES):
        listed = client.get(_notes_url(conversation))
    html = listed.content.decode()
    assert html.index("客户说是工行卡") < html.index("已转交财务核实")
    assert listed.context["notes"][0].agent == agent
    # Never a chat message: the customer's thread has only the two messages it had.
    assert Message.objects.filter(conversation=conversation).count() == 2


@pytest.mark.parametrize("body", ["", "   ", "长" * 2001])
def test_an_empty_or_too_long_note_is_refused_with_its_code(
    customer: Any, agent: Any, body: str
) -> None:
    conversation = _topup_chat(customer, agent)
    client = _agent_client(agent)
    response = client.post(_notes_url(conversation), {"body": body}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-error-code="console_note_invalid"' in html and "备注请写 1 到 2000 个字" in html
    assert not ChatNote.objects.exists()
