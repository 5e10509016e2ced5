"""Transaction helpers shared by every app."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import ParamSpec

from django.db import connection, transaction

P = ParamSpec("P")


def on_commit(func: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> None:
    """Run `func(*args, **kwargs)` after the current transaction commits (now if none is open).

    Robust: a failing callback is logged and does not stop the others (the transaction has
    already committed; what must not be lost goes through an outbox row instead).
    """
    callback = partial(func, *args, **kwargs)
    callback.__qualname__ = getattr(func, "__qualname__", repr(func))  # type: ignore[attr-defined]
    transaction.on_commit(callback, robust=True)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def sql_file(app: str, name: str) -> str:
    """The text of `<app>/sql/<name>`: an app's database functions live in its own `.sql` files,
    which its migrations load (docs/architecture.md, "Database functions")."""
    package = importlib.import_module(app)
    assert package.__file__ is not None
    return (Path(package.__file__).parent / "sql" / name).read_text(encoding="utf-8")
