"""Every event type the user socket carries, with the schema of its payload.

`publish_on_commit` refuses an event whose type, op or payload does not match (a programming
error, raised where the event is published, not in a browser). The socket is no more private
than the page, so payloads hold ids, statuses and display strings, never secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class EventSchemaError(ValueError):
    """An event that does not match its declared schema."""


@dataclass(frozen=True, slots=True)
class EventSchema:
    event_type: str
    ops: frozenset[str]
    # Keys every payload carries, and their JSON types.
    required: Mapping[str, type]
    # Keys a payload may carry besides.
    optional: Mapping[str, type] = field(default_factory=dict)
    description: str = ""
    # Every key a payload may carry with its type, merged once: checked on every publish.
    types: Mapping[str, type] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "types", {**self.optional, **self.required})


def _schema(
    event_type: str,
    ops: set[str],
    required: dict[str, type],
    optional: dict[str, type] | None = None,
    description: str = "",
) -> EventSchema:
    return EventSchema(event_type, frozenset(ops), required, optional or {}, description)


EVENT_SCHEMAS: dict[str, EventSchema] = {
    schema.event_type: schema
    for schema in (
        # The live chat (docs/chat-protocol.md). These are signals only: the chat socket reads
        # what changed from the database, so a lost event loses nothing.
        _schema(
            "chat.message",
            {"added"},
            {"conversation": str, "seq": int},
            {"frame": dict},
            description=(
                "A message was stored in the conversation under `seq`. `frame` (when the "
                "message's frame is at most 8 KB) is its `message` frame exactly as the chat "
                "socket would read it from the database: a socket whose last seq is `seq - 1` "
                "sends it as it is; any other reads the database from its last seq."
            ),
        ),
        _schema(
            "chat.queue",
            {"changed"},
            {"conversation": str},
            description="The chat's state or place in the queue changed.",
        ),
        _schema(
            "chat.typing",
            {"started"},
            {"conversation": str, "author": str},
            description="`author` (customer, agent) is typing; never stored.",
        ),
        _schema(
            "chat.read",
            {"updated"},
            {"conversation": str, "seq": int, "by": str},
            description="`by` (customer, agent) has read the other side's messages up to `seq`.",
        ),
        _schema(
            "chat.offer",
            {"added", "withdrawn", "accepted"},
            {"conversation": str},
            description=(
                "To one agent: a chat was offered to them, the offer ended, or they took it."
            ),
        ),
        _schema(
            "chat.presence",
            {"updated"},
            {"status": str, "max_chats": int},
            description="To one agent: their presence as stored.",
        ),
        # The desk follows the live chats (docs/console.md). Signals only: the page re-reads
        # its fragments, so the payload carries nothing.
        _schema(
            "desk.inbox",
            {"changed"},
            {},
            description=(
                "To one agent (`user.<id>`): one of their live chats was offered, withdrawn, "
                "taken or ended; the desk list re-reads its chat rows."
            ),
        ),
        _schema(
            "desk.queues",
            {"changed"},
            {},
            description=(
                "To supervisors (`desk.supervisors`): a chat waits, is offered, taken, handed "
                "back or ended, or an agent's presence changed; the live-queues board re-reads."
            ),
        ),
        _schema(
            "notification",
            {"add"},
            {"id": str, "kind": str},
            description="A new in-app inbox message (the inbox's public id and its kind).",
        ),
        _schema(
            "payments.record",
            {"updated"},
            {"kind": str, "id": str, "status": str},
            description=(
                "One of the user's records changed: a top-up or withdrawal moved to a new "
                "status, or money arrived from another customer. `kind` is the record type "
                "(top_up, withdrawal, transfer_in …), `id` its public id, `status` the new "
                "status. Pages re-read what they show."
            ),
        ),
        _schema(
            "wallet.balance",
            {"updated"},
            {"currency": str, "available": str},
            description="A balance changed (decimal string in the currency's units).",
        ),
    )
}


def check_event(event_type: str, op: str, payload: Mapping[str, Any]) -> None:
    """Raise EventSchemaError unless the event matches its type's schema exactly."""
    schema = EVENT_SCHEMAS.get(event_type)
    if schema is None:
        raise EventSchemaError(f"unknown event type {event_type!r}: declare it in EVENT_SCHEMAS")
    if op not in schema.ops:
        raise EventSchemaError(f"{event_type}: op {op!r} is not one of {sorted(schema.ops)}")
    keys = payload.keys()
    if not (schema.required.keys() <= keys <= schema.types.keys()):
        missing = schema.required.keys() - keys
        unknown = keys - schema.types.keys()
        raise EventSchemaError(
            f"{event_type}: missing {sorted(missing)}, undeclared {sorted(unknown)}"
        )
    for key, value in payload.items():
        expected = schema.types[key]
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            raise EventSchemaError(f"{event_type}.{key}: expected {expected.__name__}")
