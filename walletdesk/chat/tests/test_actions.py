"""Conversations: numbering in the storing transaction, dedupe by client id, access, status."""

from __future__ import annotations

from typing import Any

import pytest

from walletdesk.chat import facade as chat
from walletdesk.chat.models import Message
from walletdesk.core.actors import Actor

pytestmark = pytest.mark.django_db


def test_messages_are_numbered_in_order_per_conversation(customer: Any, user_factory: Any) -> None:
    me = Actor.customer(customer.pk)
    first = chat.start_conversation(me, customer_id=customer.pk)
    second = chat.start_conversation(me, customer_id=customer.pk)
    seqs = [
        chat.post_message(me, first.id, body="在吗").message.seq,
        chat.post_message(Actor.assistant(), first.id, body="在的").message.seq,
        chat.post_message(me, second.id, body="hello").message.seq,
        chat.post_message(me, first.id, body="充值没到账").message.seq,
    ]
    assert seqs == [1, 2, 1, 3]
    assert chat.get_conversation(me, first.id).last_seq == 3
    assert [m.body for m in chat.messages_after(me, first.id, 1)] == ["在的", "充值没到账"]


def test_a_resent_client_message_id_is_stored_once(customer: Any) -> None:
    me = Actor.customer(customer.pk)
    conversation = chat.start_conversation(me, customer_id=customer.pk)
    one = chat.post_message(me, conversation.id, body="hi", client_message_id="c-1")
    again = chat.post_message(me, conversation.id, body="hi", client_message_id="c-1")
    assert one.created and not again.created
    assert again.message.id == one.message.id
    assert Message.objects.filter(conversation__public_id=conversation.id).count() == 1
    # The same client id from the other side is a different message.
    other = chat.post_message(
        Actor.assistant(), conversation.id, body="hi", client_message_id="c-1"
    )
    assert other.created and other.message.seq == 2
    assert other.message.author_kind == "assistant"


def test_another_customers_conversation_is_not_found(customer: Any, user_factory: Any) -> None:
    stranger = user_factory()
    conversation = chat.start_conversation(Actor.customer(customer.pk), customer_id=customer.pk)
    with pytest.raises(chat.ConversationNotFoundError):
        chat.post_message(Actor.customer(stranger.pk), conversation.id, body="hi")
    with pytest.raises(chat.ConversationNotFoundError):
        chat.get_conversation(Actor.customer(stranger.pk), conversation.id)
    with pytest.raises(chat.ConversationNotFoundError):
        chat.get_conversation(Actor.customer(customer.pk), "not-a-uuid")
    with pytest.raises(chat.ConversationNotFoundError):
        chat.start_conversation(Actor.customer(stranger.pk), customer_id=customer.pk)


def test_handoff_and_close(customer: Any) -> None:
    me = Actor.customer(customer.pk)
    conversation = chat.start_conversation(me, customer_id=customer.pk)
    handed = chat.hand_off(Actor.assistant(), conversation.id, ticket_number="WD-2612-000001")
    assert handed.status == "handed_off" and handed.handoff_ticket == "WD-2612-000001"
    chat.close_conversation(me, conversation.id)
    with pytest.raises(chat.ConversationClosedError):
        chat.post_message(me, conversation.id, body="还在吗")
    with pytest.raises(chat.MessageInvalidError):
        chat.post_message(me, chat.start_conversation(me, customer_id=customer.pk).id, body="  ")


def test_status_moves_forward_only_for_the_other_side(customer: Any) -> None:
    from walletdesk.chat import actions
    from walletdesk.chat.enums import MessageStatus

    me = Actor.customer(customer.pk)
    conversation = chat.start_conversation(me, customer_id=customer.pk)
    chat.post_message(me, conversation.id, body="a")
    chat.post_message(Actor.assistant(), conversation.id, body="b")
    assert actions.mark_status(me, conversation.id, 2, MessageStatus.READ) == 1
    assert actions.mark_status(me, conversation.id, 2, MessageStatus.DELIVERED) == 0
    statuses = dict(Message.objects.values_list("seq", "status"))
    assert statuses == {1: "stored", 2: "read"}
