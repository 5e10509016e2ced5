"""Explicit state machines: a status enum plus the map of allowed transitions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from walletdesk.core.errors import InvalidStateTransitionError


def check_transition(transitions: Mapping[Any, frozenset[Any]], current: str, target: str) -> None:
    """Raise unless `current → target` is in the map (statuses are TextChoices values)."""
    if target not in transitions.get(str(current), frozenset()):
        raise InvalidStateTransitionError(current=str(current), target=str(target))
