"""Explicit state machines: a status enum plus the map of allowed transitions."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from walletdesk.core.errors import InvalidStateTransitionError

StatusT = TypeVar("StatusT", bound=StrEnum)


def check_transition(
    transitions: Mapping[StatusT, frozenset[StatusT]], current: StatusT, target: StatusT
) -> None:
    if target not in transitions.get(current, frozenset()):
        raise InvalidStateTransitionError(current=str(current), target=str(target))
