"""`db_hop`: a consumer's database work without a health-check query on every hop of a busy
socket, and with the health check's outcome when it matters (walletdesk/realtime/db.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import OperationalError, connection

from walletdesk.realtime import db

pytestmark = pytest.mark.django_db(transaction=True)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Health checks on (as on PostgreSQL), counted; a clock the test moves."""
    state: dict[str, Any] = {"checks": 0, "usable": True, "clock": Clock()}
    connection.ensure_connection()

    def is_usable() -> bool:
        state["checks"] += 1
        return bool(state["usable"])

    saved = {
        name: getattr(connection, name, None)
        for name in ("health_check_enabled", "health_check_done", "close_at")
    }
    monkeypatch.setattr(connection, "is_usable", is_usable)
    monkeypatch.setattr(db, "monotonic", state["clock"])
    setattr(connection, "health_check_enabled", True)  # noqa: B010 (not in the stubs)
    # Persistent connections, as in the ASGI processes (CONN_MAX_AGE).
    connection.close_at = None
    setattr(connection, db._USED_AT, None)
    yield state
    for name, value in saved.items():
        setattr(connection, name, value)
    setattr(connection, db._USED_AT, None)


def _count() -> int:
    from walletdesk.identity.models import User

    return User.objects.count()


def test_a_connection_used_moments_ago_is_not_checked_again(checks: dict[str, Any]) -> None:
    hop = db.db_hop(_count)
    async_to_sync(hop)()
    assert checks["checks"] == 1  # not used by a hop yet: checked, as before
    for _ in range(3):
        checks["clock"].now += 1
        async_to_sync(hop)()
    assert checks["checks"] == 1
    # Idle for longer than TRUSTED_SECONDS: checked again.
    checks["clock"].now += db.TRUSTED_SECONDS + 1
    async_to_sync(hop)()
    assert checks["checks"] == 2


def test_a_trusted_connection_found_dead_is_replaced_and_the_work_runs_once_more(
    checks: dict[str, Any],
) -> None:
    runs: list[int] = []

    def work() -> int:
        runs.append(1)
        if len(runs) == 1:
            # The database went away since the last hop: the first query fails.
            checks["usable"] = False
            raise OperationalError("server closed the connection unexpectedly")
        checks["usable"] = True
        return _count()

    async_to_sync(db.db_hop(_count))()
    assert async_to_sync(db.db_hop(work))() == _count()
    assert len(runs) == 2


def test_other_database_errors_are_not_retried(checks: dict[str, Any]) -> None:
    runs: list[int] = []

    def work() -> None:
        runs.append(1)
        raise OperationalError("deadlock detected")

    # On a connection that was checked, and on a trusted one that is still alive.
    for _ in range(2):
        with pytest.raises(OperationalError):
            async_to_sync(db.db_hop(work))()
        async_to_sync(db.db_hop(_count))()
    assert len(runs) == 2
