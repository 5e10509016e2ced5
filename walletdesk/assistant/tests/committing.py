"""After-commit work inside a test's transaction (the seeded demo world lives in one)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connections


@contextlib.contextmanager
def commits_at_this_level() -> Iterator[None]:
    """Inside the test's transaction, run after-commit work when it would run outside one: a
    block opened at this level "commits" when it exits, and work registered at this level runs at
    once (the seed pays with the money its top-ups' callbacks settle; a turn's events go out)."""
    connection = connections["default"]
    base = len(connection.savepoint_ids)
    kept = len(connection.run_on_commit)
    release, register = connection.savepoint_commit, connection.on_commit

    def call(func: Callable[[], Any], robust: bool) -> None:
        if not robust:
            func()
            return
        try:
            func()
        except Exception:  # as Django's robust callbacks: logged, the others still run
            logging.getLogger("django.db.backends.base").exception("on_commit callback failed")

    def run_queued() -> None:
        while len(connection.run_on_commit) > kept:
            entry: Any = connection.run_on_commit.pop(kept)  # (savepoint ids, func, robust)
            _savepoints, func, robust = entry
            call(func, robust)

    def savepoint_commit(sid: str) -> None:
        release(sid)
        if len(connection.savepoint_ids) == base:
            run_queued()

    def on_commit(func: Callable[[], Any], robust: bool = False) -> None:
        if len(connection.savepoint_ids) == base:
            call(func, robust)
        else:
            register(func, robust)

    connection.savepoint_commit = savepoint_commit  # type: ignore[method-assign]
    connection.on_commit = on_commit  # type: ignore[method-assign]
    try:
        yield
    finally:
        del connection.savepoint_commit
        del connection.on_commit
