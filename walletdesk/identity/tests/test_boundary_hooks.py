"""Identity talks to the apps around it without either side importing the other back
(docs/architecture.md, "Import boundaries"): payments registers the wallet's freeze and closure
hooks with identity; identity registers its user directory with notifications and its session
check with realtime. What each registry does when nothing is registered is part of the contract.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from typing import Any

import pytest
from django.core.cache import cache, caches
from django.core.exceptions import ImproperlyConfigured

from walletdesk.core.actors import Actor
from walletdesk.identity import sessions, wallet_hooks
from walletdesk.identity.actions import emergency_freeze, user_from_freeze_link
from walletdesk.identity.models import User, UserSession
from walletdesk.notifications import directory
from walletdesk.notifications import facade as notifications
from walletdesk.payments.models import Wallet
from walletdesk.realtime import facade as realtime

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def no_wallet_hooks() -> Iterator[None]:
    saved = list(wallet_hooks._hooks)
    wallet_hooks._hooks.clear()
    yield
    wallet_hooks._hooks[:] = saved


def test_the_wallet_registers_its_freeze_hooks_and_a_freeze_reaches_it(customer: Any) -> None:
    emergency_freeze(customer, source="app", actor=Actor.customer(customer.pk))
    assert Wallet.objects.get(user_id=customer.pk).status == "frozen"


def test_a_freeze_with_no_wallet_registered_refuses_and_changes_nothing(
    customer: Any, no_wallet_hooks: None
) -> None:
    with pytest.raises(ImproperlyConfigured):
        emergency_freeze(customer, source="app", actor=Actor.customer(customer.pk))
    assert User.objects.get(pk=customer.pk).frozen_at is None


def test_notifications_find_people_through_the_directory_identity_registered(
    customer: Any,
) -> None:
    found = directory.directory().contact(customer.pk)
    assert (found.phone, found.email) == (customer.phone, customer.email)
    link = directory.directory().freeze_link(str(customer.public_id))
    assert link.startswith("http") and "/account/freeze/link/" in link
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert user_from_freeze_link(token) == customer


def test_notifications_with_no_directory_refuse_to_send(customer: Any) -> None:
    saved = list(directory._directory)
    directory._directory.clear()
    try:
        with pytest.raises(ImproperlyConfigured):
            notifications.notify(customer.pk, "frozen", {"time": "", "available_at": ""})
    finally:
        directory._directory[:] = saved


def test_the_socket_asks_identity_whether_a_session_is_live() -> None:
    assert realtime._session_checks == [sessions.session_is_live]


def test_with_no_session_check_registered_every_socket_is_refused(customer: Any) -> None:
    saved = list(realtime._session_checks)
    realtime._session_checks.clear()
    try:
        assert realtime.session_is_live(object(), customer) is False
    finally:
        realtime._session_checks[:] = saved


@pytest.fixture
def socket_states(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """This process's copies of socket session states start empty, on a clock the test moves
    (set to the start of a window; it returns the list holding the time)."""
    monkeypatch.setattr(sessions, "_socket_states", {})
    monkeypatch.setattr(sessions, "_asked", set())
    monkeypatch.setattr(sessions, "_batch_window", None)
    clock = [1000.0]
    assert clock[0] % sessions.SOCKET_STATE_SECONDS == 0
    monkeypatch.setattr(sessions, "monotonic", lambda: clock[0])
    return clock


@pytest.fixture
def cache_calls() -> Iterator[list[tuple[str, Any]]]:
    """The cache round trips made from here on, as (method, keys): only the outermost call, as the
    in-memory backend's get_many and set_many call its own get and set once a key."""
    backend = caches["default"]  # the object `cache` stands for in this thread
    calls: list[tuple[str, Any]] = []
    depth = [0]

    def counting(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kw: Any) -> Any:
            if depth[0] == 0:
                keys = args[0] if args else None
                calls.append((name, sorted(keys) if isinstance(keys, list | dict) else keys))
            depth[0] += 1
            try:
                return real(*args, **kw)
            finally:
                depth[0] -= 1

        return counted

    names = ("get", "get_many", "set", "set_many", "delete_many")
    for name in names:
        setattr(backend, name, counting(name, getattr(backend, name)))
    yield calls
    for name in names:
        delattr(backend, name)


@pytest.fixture
def sockets(user_factory: Callable[..., Any]) -> Callable[[int], list[tuple[dict[str, str], Any]]]:
    """`n` signed-in customers' sockets: (the Django session a socket holds, its user)."""

    def make(n: int) -> list[tuple[dict[str, str], Any]]:
        made = []
        for _ in range(n):
            user = user_factory()
            row = UserSession.objects.create(user=user)
            sessions._cache_state(row)  # as signing in does
            made.append(({sessions.SID_KEY: str(row.public_id)}, user))
        return made

    return make


def _key(socket: tuple[dict[str, str], Any]) -> str:
    return sessions._state_key(socket[0][sessions.SID_KEY])


def _all_live(sockets: list[tuple[dict[str, str], Any]]) -> list[bool]:
    return [sessions.session_is_live(session, user) for session, user in sockets]


def test_a_socket_reads_its_sessions_state_once_a_window_and_sees_a_revocation_here_at_once(
    customer: Any,
    customer_client: Any,
    socket_states: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session = customer_client.session
    assert session.get(sessions.SID_KEY)
    window_start = socket_states[0]
    reads: list[list[str]] = []
    real_read = sessions._read_states

    def counted(sids: Collection[str]) -> Any:
        reads.append(list(sids))
        return real_read(sids)

    monkeypatch.setattr(sessions, "_read_states", counted)
    assert sessions.session_is_live(session, customer)
    socket_states[0] = window_start + sessions.SOCKET_STATE_SECONDS - 0.1
    assert sessions.session_is_live(session, customer)
    assert len(reads) == 1  # the second frame used this process's copy
    socket_states[0] = window_start + sessions.SOCKET_STATE_SECONDS
    assert sessions.session_is_live(session, customer)
    assert len(reads) == 2  # aged out: read again
    sessions.revoke_sessions(customer, reason="test")
    assert not sessions.session_is_live(session, customer)  # no waiting for the window


def test_a_state_read_late_in_a_window_is_read_again_when_the_next_window_starts(
    sockets: Callable[[int], list[Any]],
    socket_states: list[float],
    cache_calls: list[tuple[str, Any]],
) -> None:
    (socket,) = sockets(1)
    cache_calls.clear()
    socket_states[0] += sessions.SOCKET_STATE_SECONDS - 0.5
    assert _all_live([socket])
    socket_states[0] += 0.5  # the copy is half a second old, but of the window before
    assert _all_live([socket])
    assert [name for name, _ in cache_calls] == ["get_many", "get_many"]


def test_the_first_check_of_a_window_rereads_every_socket_in_use_in_one_cache_round_trip(
    sockets: Callable[[int], list[Any]],
    socket_states: list[float],
    cache_calls: list[tuple[str, Any]],
    django_assert_num_queries: Any,
) -> None:
    open_sockets = sockets(6)
    cache_calls.clear()
    assert _all_live(open_sockets)  # the first read alone, the others as they connect
    assert len(cache_calls) == 6
    cache_calls.clear()
    socket_states[0] += sessions.SOCKET_STATE_SECONDS
    with django_assert_num_queries(0):
        assert _all_live(open_sockets)
        assert cache_calls == [("get_many", sorted(_key(s) for s in open_sockets))]
        socket_states[0] += sessions.SOCKET_STATE_SECONDS - 0.1  # the same window
        assert _all_live(open_sockets) and _all_live(open_sockets)
    assert len(cache_calls) == 1


def test_a_socket_unused_for_a_whole_window_is_dropped_and_one_that_connects_joins_the_next_batch(
    sockets: Callable[[int], list[Any]],
    socket_states: list[float],
    cache_calls: list[tuple[str, Any]],
) -> None:
    kept, closed, joining = sockets(3)
    assert _all_live([kept, closed])
    socket_states[0] += sessions.SOCKET_STATE_SECONDS
    assert _all_live([kept])  # `closed` was used in the window before: still read
    assert cache_calls[-1] == ("get_many", sorted([_key(kept), _key(closed)]))
    assert _all_live([joining])  # connected after this window's batch: read alone, now
    assert cache_calls[-1] == ("get_many", [_key(joining)])
    socket_states[0] += sessions.SOCKET_STATE_SECONDS
    cache_calls.clear()
    assert _all_live([kept, joining])
    assert cache_calls == [("get_many", sorted([_key(kept), _key(joining)]))]
    assert closed[0][sessions.SID_KEY] not in sessions._socket_states
    assert set(sessions._socket_states) == {kept[0][sessions.SID_KEY], joining[0][sessions.SID_KEY]}


def test_a_quiet_window_drops_every_copy_but_the_socket_that_speaks_next(
    sockets: Callable[[int], list[Any]],
    socket_states: list[float],
    cache_calls: list[tuple[str, Any]],
) -> None:
    first, second = sockets(2)
    assert _all_live([first, second])
    socket_states[0] += 2 * sessions.SOCKET_STATE_SECONDS  # nobody spoke in the window between
    cache_calls.clear()
    assert _all_live([second])
    assert cache_calls == [("get_many", [_key(second)])]
    assert set(sessions._socket_states) == {second[0][sessions.SID_KEY]}


def test_states_the_cache_no_longer_holds_are_read_back_in_one_query_for_the_batch(
    sockets: Callable[[int], list[Any]],
    socket_states: list[float],
    cache_calls: list[tuple[str, Any]],
    django_assert_num_queries: Any,
) -> None:
    open_sockets = sockets(5)
    assert _all_live(open_sockets)
    expired, gone = open_sockets[:3], open_sockets[3]
    cache.delete_many([_key(s) for s in [*expired, gone]])
    UserSession.objects.filter(public_id=gone[0][sessions.SID_KEY]).delete()
    socket_states[0] += sessions.SOCKET_STATE_SECONDS
    cache_calls.clear()
    with django_assert_num_queries(1):
        assert _all_live(open_sockets) == [True, True, True, False, True]
    assert cache_calls == [
        ("get_many", sorted(_key(s) for s in open_sockets)),
        ("set_many", sorted(_key(s) for s in expired)),
    ]
    assert set(cache.get_many([_key(s) for s in open_sockets])) == {
        _key(s) for s in open_sockets if s is not gone
    }


def test_a_revocation_here_is_seen_at_once_by_a_socket_whose_state_came_in_a_batch(
    sockets: Callable[[int], list[Any]],
    socket_states: list[float],
    cache_calls: list[tuple[str, Any]],
) -> None:
    revoked, other = sockets(2)
    assert _all_live([revoked, other])
    socket_states[0] += sessions.SOCKET_STATE_SECONDS
    assert _all_live([revoked, other])
    sessions.revoke_sessions(revoked[1], reason="test")
    cache_calls.clear()
    assert _all_live([revoked, other]) == [False, True]  # in the same window
    # The revoked one alone: its state was dropped from the cache too, so read from the database.
    assert [name for name, _ in cache_calls] == ["get_many", "set_many"]
    socket_states[0] += sessions.SOCKET_STATE_SECONDS
    assert _all_live([revoked, other]) == [False, True]
