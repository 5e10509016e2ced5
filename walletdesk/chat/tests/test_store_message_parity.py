"""The live chat's send on PostgreSQL (`send_sql`, one call to `chat_store_message`) and in
Python (`_chat_to_write_in` + `actions.store_message`, SQLite's path and the path of a message
with files) have the same outcome and write the same rows, scenario by scenario."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from walletdesk.chat import live_actions, send_sql
from walletdesk.chat.enums import ConversationStatus
from walletdesk.chat.live_models import ChatState, LiveChat
from walletdesk.chat.models import Conversation, Message
from walletdesk.core.actors import Actor
from walletdesk.core.errors import WalletDeskError
from walletdesk.identity.enums import Role

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="the database function is PostgreSQL's"
    ),
]


@dataclass
class World:
    customer: Any
    other_customer: Any
    agent: Any
    other_agent: Any
    conversation: str


def _world(user_factory: Callable[..., Any], state: str) -> World:
    customer, other_customer = user_factory(), user_factory()
    agent, other_agent = user_factory(role=Role.AGENT), user_factory(role=Role.AGENT)
    conversation = str(live_actions.open_chat(Actor.customer(customer.pk)).public_id)
    LiveChat.objects.filter(conversation__public_id=conversation).update(
        state=state,
        agent_id=agent.pk if state in (ChatState.ASSIGNED, ChatState.ENDED) else None,
        offered_to_id=agent.pk if state == ChatState.OFFERED else None,
        assigned_at=timezone.now(),
    )
    return World(customer, other_customer, agent, other_agent, conversation)


def _customer(w: World) -> Actor:
    return Actor.customer(w.customer.pk)


#: name → (chat state, conversation closed, who sends, messages sent first, expected outcome)
SCENARIOS: dict[str, tuple[str, bool, Callable[[World], Actor], int, str]] = {
    "customer writes to their agent": (ChatState.ASSIGNED, False, _customer, 0, "stored"),
    "customer writes to the assistant": (ChatState.BOT, False, _customer, 0, "stored"),
    "customer writes while offered": (ChatState.OFFERED, False, _customer, 1, "stored"),
    "customer retries a stored message": (ChatState.ASSIGNED, False, _customer, 1, "duplicate"),
    "another customer": (
        ChatState.ASSIGNED,
        False,
        lambda w: Actor.customer(w.other_customer.pk),
        0,
        "not_found",
    ),
    "agent replies in their chat": (
        ChatState.ASSIGNED,
        False,
        lambda w: Actor.agent(w.agent.pk),
        1,
        "stored",
    ),
    "agent not holding the chat": (
        ChatState.ASSIGNED,
        False,
        lambda w: Actor.agent(w.other_agent.pk),
        0,
        "not_yours",
    ),
    "agent writes in an ended chat": (
        ChatState.ENDED,
        False,
        lambda w: Actor.agent(w.agent.pk),
        0,
        "not_yours",
    ),
    "customer writes in a closed conversation": (ChatState.ENDED, True, _customer, 0, "closed"),
}


@pytest.fixture
def through(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[bool], None]]:
    def choose(function: bool) -> None:
        monkeypatch.setattr(send_sql, "usable", lambda actor: function)

    yield choose


def _run(user_factory: Callable[..., Any], name: str) -> dict[str, Any]:
    state, closed, sender, before, _expected = SCENARIOS[name]
    w = _world(user_factory, state)
    actor = sender(w)
    # Earlier messages written as the scenario's sender would (a retry repeats the last one's id).
    for n in range(before):
        author = actor if actor.is_staff or name.startswith("customer") else _customer(w)
        live_actions.send_message(author, w.conversation, text=f"早先的消息 {n}", client_id=f"c{n}")
    if closed:
        Conversation.objects.filter(public_id=w.conversation).update(
            status=ConversationStatus.CLOSED
        )
    client_id = f"c{before - 1}" if name.endswith("retries a stored message") else "new-1"
    conversation = Conversation.objects.get(public_id=w.conversation)
    try:
        sent = live_actions.send_message(
            actor,
            w.conversation,
            text="我的 2000 元还没到账",
            client_id=client_id,
            quick_reply="where_is_my_money" if actor.is_customer else None,
            answer=False,
        )
        outcome: Any = {
            "created": sent.stored.created,
            "bot_answers": sent.bot_answers,
            "seq": sent.stored.message.seq,
            "frame": {
                k: v for k, v in (sent.frame or {}).items() if k not in ("id", "at", "conversation")
            },
            "message": _message_fields(sent.stored.message),
        }
    except WalletDeskError as exc:
        outcome = type(exc).__name__
    after = Conversation.objects.get(pk=conversation.pk)
    return {
        "outcome": outcome,
        "messages": [
            _message_fields(m) for m in Message.objects.filter(conversation=after).order_by("seq")
        ],
        "last_seq": after.last_seq,
        "updated": after.updated_at != conversation.updated_at,
        "chat": {
            k: v
            for k, v in LiveChat.objects.filter(conversation=after).values().get().items()
            if k not in ("id", "conversation_id", "agent_id", "offered_to_id", "assigned_at")
            and not k.endswith("_at")
        },
    }


def _message_fields(message: Message) -> dict[str, Any]:
    fields = {f.attname: getattr(message, f.attname) for f in Message._meta.concrete_fields}
    for varying in ("id", "public_id", "conversation_id", "author_id", "created_at"):
        fields.pop(varying)
    fields["has_author"] = message.author_id is not None
    return fields


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_both_paths_have_the_same_outcome_and_write_the_same_rows(
    name: str, user_factory: Callable[..., Any], through: Callable[[bool], None]
) -> None:
    through(False)
    python = _run(user_factory, name)
    through(True)
    function = _run(user_factory, name)
    assert function == python
    expected = SCENARIOS[name][4]
    if expected in ("stored", "duplicate"):
        assert python["outcome"]["created"] is (expected == "stored")
    else:
        assert isinstance(python["outcome"], str)


def test_a_stored_message_reads_back_as_the_function_returned_it(
    user_factory: Callable[..., Any], through: Callable[[bool], None]
) -> None:
    through(True)
    w = _world(user_factory, ChatState.ASSIGNED)
    sent = live_actions.send_message(_customer(w), w.conversation, text="你好", client_id="x1")
    stored = Message.objects.get(pk=sent.stored.message.pk)
    assert {f.attname: getattr(stored, f.attname) for f in Message._meta.concrete_fields} == {
        f.attname: getattr(sent.stored.message, f.attname) for f in Message._meta.concrete_fields
    }


def test_a_conversation_without_a_live_chat_goes_the_python_way(
    user_factory: Callable[..., Any], through: Callable[[bool], None]
) -> None:
    through(True)
    customer = user_factory()
    conversation = live_actions.open_chat(Actor.customer(customer.pk))
    LiveChat.objects.filter(conversation=conversation).delete()
    sent = live_actions.send_message(
        Actor.customer(customer.pk), str(conversation.public_id), text="在吗", client_id="a1"
    )
    assert sent.stored.created and sent.stored.message.seq == conversation.last_seq + 1
    assert LiveChat.objects.filter(conversation=conversation).exists()


def test_one_round_trip_per_message(
    user_factory: Callable[..., Any], through: Callable[[bool], None]
) -> None:
    """What the function is for: the send is one statement, not six."""
    through(True)
    w = _world(user_factory, ChatState.ASSIGNED)
    live_actions.send_message(_customer(w), w.conversation, text="第一条", client_id="w1")
    with tempfile.TemporaryFile("w+") as trace:
        # libpq's own trace of what the client sends: one Sync or Query per round trip.
        connection.connection.pgconn.trace(trace.fileno())
        try:
            live_actions.send_message(_customer(w), w.conversation, text="第二条", client_id="w2")
        finally:
            connection.connection.pgconn.untrace()
        trace.seek(0)
        sent = [
            line.split("\t")
            for line in trace.read().splitlines()
            if "\tF\t" in line and ("\tSync" in line or "\tQuery\t" in line)
        ]
    statements = [fields[-1] for fields in sent if "Query" in fields[-2]]
    # The function call, plus the savepoint around it that the test's own transaction asks for.
    assert len(sent) == 3
    assert len(statements) == 2 and all("SAVEPOINT" in s for s in statements)


def _noting(sent: list[str]) -> Callable[..., Any]:
    def wrapper(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        sent.append(sql)
        return execute(sql, *args)

    return wrapper


def test_the_scenarios_cover_every_outcome() -> None:
    text = (Path(send_sql.__file__).parent / "sql" / "store_message.sql").read_text()
    outcomes = set(re.findall(r"outcome := '(\w+)'", text))
    covered = {expected for *_rest, expected in SCENARIOS.values()} | {"no_chat"}
    assert outcomes == covered
