"""Public ids as they arrive from outside (links, query strings, API bodies)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable


def valid_uuids(values: Iterable[object]) -> list[uuid.UUID]:
    """The values that are UUIDs, in order; a malformed one is left out, so a lookup by them
    finds nothing for it rather than failing."""
    found: list[uuid.UUID] = []
    for value in values:
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return found
