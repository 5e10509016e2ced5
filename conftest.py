"""Fixtures shared by every app's tests. App-specific factories live in <app>/tests/conftest.py."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _isolated_cache(settings: Any) -> None:
    """Give each xdist worker its own cache key space (rate limits, throttles) on shared Redis."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    # Assign a new dict (not an in-place edit) so setting_changed rebuilds the cache objects
    # with the new prefix; otherwise every worker keeps writing under the same prefix.
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"test:{worker}"}
        for alias, config in settings.CACHES.items()
    }
    from django.core.cache import cache

    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        # cache.clear() is FLUSHDB on Redis and would wipe the other workers' keys mid-test
        # (rate-limit and session state); delete only this worker's key space.
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        keys = list(client.scan_iter(match=f"test:{worker}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(scope="session")
def live_server(django_db_setup: None, live_server: Any) -> Any:
    """pytest-django's live server, started only once the test database exists. Started first
    (it is session-scoped and does not ask for the database), it saw the development database's
    settings: on SQLite its threads then opened connections of their own to the shared in-memory
    test database instead of sharing the test's, and a request still running when the test ended
    broke the flush ("database table is locked", "couldn't be flushed")."""
    return live_server


@pytest.fixture(autouse=True)
def _forget_cached_ledger_accounts() -> None:
    """Account ids are cached per process; tests that flush tables must not see stale ids."""
    from walletdesk.payments.accounts import forget_cached_accounts
    from walletdesk.payments.fees import invalidate_fee_cache
    from walletdesk.payments.limits import invalidate_limit_cache

    forget_cached_accounts()
    invalidate_fee_cache()
    invalidate_limit_cache()


@pytest.fixture(autouse=True)
def _shipped_rows(request: pytest.FixtureRequest) -> None:
    """Rows that data migrations ship (desk calendars, categories, SLA policies) are there in
    every database test, also after a transactional test in the same worker flushed them."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not names & {"db", "transactional_db", "live_server"}:
        return
    transactional = bool(
        names & {"transactional_db", "live_server"}
        or (marker is not None and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)))
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from walletdesk.tickets.tests.shipped import restore_shipped_rows

    restore_shipped_rows()


@pytest.fixture
def user_factory(db: None) -> Callable[..., Any]:
    from walletdesk.identity.enums import Role
    from walletdesk.identity.models import User

    counter = {"n": 0}

    def make(
        role: str = Role.CUSTOMER, password: str = "correct horse battery", **extra: Any
    ) -> User:
        counter["n"] += 1
        n = counter["n"]
        extra.setdefault("display_name", f"测试用户{n}")
        phone = extra.pop("phone", f"+861380013{n:04d}")
        return User.objects.create_user(phone, password, phone=phone, role=role, **extra)

    return make


@pytest.fixture
def customer(user_factory: Callable[..., Any]) -> Any:
    return user_factory()


@pytest.fixture
def customer_client(customer: Any) -> Client:
    client = Client()
    client.force_login(customer)
    return client


@pytest.fixture(autouse=True)
def _live_chat_assistant_off() -> Any:
    """The live chat's assistant (connected when Django starts) stays out of tests that do not ask
    for it with `live_chat_assistant`: they see the chat's own "talk to a person" answer whatever
    model another test left active."""
    from walletdesk.chat import facade as chat

    previous = chat.connect_assistant(None)
    yield
    chat.connect_assistant(previous)


@pytest.fixture
def live_chat_assistant(_live_chat_assistant_off: None) -> Any:
    """The assistant answers first in the live chat, with the session's small trained model."""
    from walletdesk.assistant.actions import answer_chat_message
    from walletdesk.assistant.nlu import store
    from walletdesk.assistant.tests.conftest import train_fast_pipeline
    from walletdesk.chat import facade as chat

    store.activate(train_fast_pipeline())
    chat.connect_assistant(answer_chat_message)
    yield
    chat.connect_assistant(None)
