"""Database work from a WebSocket consumer: `db_hop`, Channels' `database_sync_to_async` without a
health-check query on every hop of a busy socket.

`database_sync_to_async` runs `close_old_connections()` before and after every hop. With
`CONN_HEALTH_CHECKS` (on for PostgreSQL, config/settings/base.py) that makes the first query of
every hop a `SELECT 1` round trip first: on a live chat socket, where one message costs a hop or
two, a query per hop that tests nothing new (the connection answered a few milliseconds ago).

`db_hop` keeps the health check where it matters and skips it where it cannot tell anything:

- A connection that finished a hop without error less than `TRUSTED_SECONDS` ago is not tested
  again; a connection idle for longer (the case the check exists for: the server or a proxy
  dropped it while nobody used it) is tested as before.
- If a skipped check would have caught a dead connection (the database restarted within those
  seconds), the hop's first query fails on it. `db_hop` then does what the health check would
  have done: closes the dead connection and runs the hop once more on a new one. That is safe
  because nothing was done on a dead connection (its transaction never reached the database)
  and every hop of the chat is a read or a write deduplicated by the client's message id.
- Events the hop commits (`publish_on_commit`) are not sent from the hop's thread: they are
  handed to the event loop when the hop ends, which sends them in commit order without the
  thread waiting. Every socket of a process shares that one thread (Channels runs database work
  thread-sensitively), so each send it waited for (a hand-over to the busy event loop, then
  Redis) delayed every other socket's work.
- Everything else is `database_sync_to_async`'s: the same thread, `close_old_connections()`
  before and after (errors, `CONN_MAX_AGE`), so HTTP requests and other code keep Django's
  behaviour and settings unchanged.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from channels.db import database_sync_to_async
from django.db import InterfaceError, OperationalError, connections

from walletdesk.realtime import publish

P = ParamSpec("P")
R = TypeVar("R")

#: How long after a successful hop its connection is trusted without a `SELECT 1`.
TRUSTED_SECONDS = 5.0

#: Read through this name so that tests can move the clock.
monotonic: Callable[[], float] = time.monotonic

_USED_AT = "_walletdesk_used_at"


def _trust_recent() -> list[Any]:
    """Mark as checked every open connection of this thread that a hop used successfully within
    `TRUSTED_SECONDS`; returns those connections."""
    now = monotonic()
    trusted = []
    conn: Any
    for conn in connections.all(initialized_only=True):
        used = getattr(conn, _USED_AT, None)
        if (
            conn.connection is not None
            and getattr(conn, "health_check_enabled", False)
            and not getattr(conn, "health_check_done", False)
            and not conn.errors_occurred
            and used is not None
            and now - used < TRUSTED_SECONDS
        ):
            conn.health_check_done = True
            trusted.append(conn)
    return trusted


def _mark_used() -> None:
    now = monotonic()
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and not conn.errors_occurred:
            setattr(conn, _USED_AT, now)


def _dropped(trusted: list[Any]) -> bool:
    """Whether one of the trusted connections turned out dead; closes those that did."""
    dead = False
    for conn in trusted:
        if conn.connection is None or not conn.is_usable():
            setattr(conn, _USED_AT, None)
            conn.close()
            dead = True
    return dead


def _guarded(func: Callable[P, R]) -> Callable[..., R]:
    @functools.wraps(func)
    def run(loop: asyncio.AbstractEventLoop, /, *args: P.args, **kwargs: P.kwargs) -> R:
        pending = publish.collect_in_this_thread()
        trusted = _trust_recent()
        try:
            try:
                return func(*args, **kwargs)
            except (OperationalError, InterfaceError):
                if not trusted or not _dropped(trusted):
                    raise
            # What the skipped health check would have done: a new connection, then the work.
            return func(*args, **kwargs)
        finally:
            # Also after a refusal (a WalletDeskError): the connection answered.
            _mark_used()
            publish.stop_collecting()
            publish.send_soon(loop, pending)

    return run


@functools.cache
def db_hop(func: Callable[P, R]) -> Callable[P, Coroutine[Any, Any, R]]:
    """`database_sync_to_async(func)` that trusts a connection used within `TRUSTED_SECONDS`
    instead of testing it with a query first, and whose committed events (`publish_on_commit`)
    are sent by the event loop after the hop instead of by the hop's thread (module docstring).
    One wrapper per function, made once."""
    in_thread = database_sync_to_async(_guarded(func))

    @functools.wraps(func)
    async def hop(*args: P.args, **kwargs: P.kwargs) -> R:
        result: R = await in_thread(asyncio.get_running_loop(), *args, **kwargs)
        return result

    return hop
