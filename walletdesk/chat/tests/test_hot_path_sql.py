"""The live chat's send written out as SQL once (`core.db.rows_as` and `core.db.insert`, used by
`live_actions._locked_with_conversation` and `actions.store_message`): the rows read and written
are exactly the ORM's, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from walletdesk.chat import actions, live_actions
from walletdesk.chat.live_models import ChatState, LiveChat
from walletdesk.chat.models import Conversation, Message
from walletdesk.core.actors import Actor

pytestmark = pytest.mark.django_db


def _fields(row: Any) -> dict[str, Any]:
    return {f.attname: getattr(row, f.attname) for f in type(row)._meta.concrete_fields}


def _assigned_chat(user_factory: Callable[..., Any]) -> tuple[Any, Any, str]:
    from walletdesk.identity.enums import Role

    customer = user_factory()
    agent = user_factory(role=Role.AGENT)
    conversation = str(live_actions.open_chat(Actor.customer(customer.pk)).public_id)
    LiveChat.objects.filter(conversation__public_id=conversation).update(
        state=ChatState.ASSIGNED,
        agent_id=agent.pk,
        assigned_at=timezone.now(),
        boosts=["vip", "angry"],
        passed_by=[3, 4],
    )
    return customer, agent, conversation


def test_the_locked_chat_reads_back_as_the_orm_reads_it(
    user_factory: Callable[..., Any],
) -> None:
    _customer, _agent, conversation = _assigned_chat(user_factory)
    with transaction.atomic():
        chat = live_actions._locked_with_conversation(conversation)
    assert chat is not None
    orm = LiveChat.objects.select_related("conversation").get(conversation__public_id=conversation)
    # JSON lists, datetimes with their time zone, the UUID, every column alike.
    assert _fields(chat) == _fields(orm)
    assert _fields(chat.conversation) == _fields(orm.conversation)
    assert chat.boosts == ["vip", "angry"] and chat.assigned_at is not None
    assert chat.assigned_at.tzinfo is not None
    assert live_actions._locked_with_conversation("6f1c1f1e-0000-4000-8000-000000000000") is None


def test_a_stored_message_is_the_row_the_orm_reads_and_a_retry_is_the_first_copy(
    user_factory: Callable[..., Any],
) -> None:
    customer, _agent, conversation = _assigned_chat(user_factory)
    actor = Actor.customer(customer.pk)
    first = live_actions.send(actor, conversation, text="充值还没到账 ✓", client_id="c-1")
    second = live_actions.send(actor, conversation, text="第二条", client_id="c-2")
    retry = live_actions.send(actor, conversation, text="充值还没到账 ✓", client_id="c-1")

    assert first.created and second.created and not retry.created
    assert retry.message.pk == first.message.pk
    for stored in (first, second):
        assert _fields(Message.objects.get(pk=stored.message.pk)) == _fields(stored.message)
    row = Conversation.objects.get(public_id=conversation)
    assert row.last_seq == second.message.seq == first.message.seq + 1
    assert row.updated_at == second.message.created_at
    assert Message.objects.filter(conversation=row, client_message_id="c-1").count() == 1


def test_a_message_with_a_payload_keeps_it_as_json(user_factory: Callable[..., Any]) -> None:
    customer, _agent, conversation = _assigned_chat(user_factory)
    row = Conversation.objects.get(public_id=conversation)
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=row.pk)
        stored = actions.store_message(
            locked,
            Actor.customer(customer.pk),
            body="看这笔",
            payload={"cards": [{"type": "record", "title": "充值", "fields": [1, None]}]},
            client_message_id="c-json",
        )
    again = Message.objects.get(pk=stored.message.pk)
    assert again.payload == {"cards": [{"type": "record", "title": "充值", "fields": [1, None]}]}
    assert again.public_id == stored.message.public_id


@pytest.mark.parametrize("made_up", ["not-a-uuid", "", "6f1c1f1e"])
def test_a_made_up_conversation_id_is_not_found_on_every_path(
    user_factory: Callable[..., Any], made_up: str
) -> None:
    from walletdesk.chat.errors import ConversationNotFoundError
    from walletdesk.identity.enums import Role

    customer = user_factory()
    agent = user_factory(role=Role.AGENT)
    assert live_actions.may_join(Actor.customer(customer.pk), made_up) is False
    with pytest.raises(ConversationNotFoundError):
        live_actions.send(Actor.customer(customer.pk), made_up, text="你好", client_id="c-1")
    with pytest.raises(ConversationNotFoundError):
        live_actions.accept_offer(Actor.agent(agent.pk), made_up)
