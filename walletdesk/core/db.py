"""Transaction helpers shared by every app."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import ParamSpec

from django.db import connection, transaction

P = ParamSpec("P")


def on_commit(func: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> None:
    """Run `func(*args, **kwargs)` after the current transaction commits (now if none is open)."""
    transaction.on_commit(partial(func, *args, **kwargs), robust=True)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def is_sqlite() -> bool:
    return connection.vendor == "sqlite"
