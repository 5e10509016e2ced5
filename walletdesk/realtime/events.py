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
    missing = set(schema.required) - set(payload)
    unknown = set(payload) - set(schema.required) - set(schema.optional)
    if missing or unknown:
        raise EventSchemaError(
            f"{event_type}: missing {sorted(missing)}, undeclared {sorted(unknown)}"
        )
    for key, value in payload.items():
        expected = schema.required.get(key) or schema.optional[key]
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            raise EventSchemaError(f"{event_type}.{key}: expected {expected.__name__}")
