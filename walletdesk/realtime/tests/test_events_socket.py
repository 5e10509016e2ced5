"""`/ws/events/` against the real ASGI application (config.asgi) and the settings' channel layer
(in-memory, or Redis when REDIS_URL is set). RT-1, RT-2, AUTH-12."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlparse

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections, transaction
from django.test import Client

from config.asgi import application
from walletdesk.realtime.origin import origin_allowed
from walletdesk.realtime.publish import publish_on_commit, user_group

# Only the tests that sign in need the database (committed, as on_commit needs).
DB = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery"
SITE = b"http://127.0.0.1"


@pytest.fixture(autouse=True)
def _private_channel_layer(settings: Any) -> None:
    """The same backend as the settings, under a key prefix of its own: on a shared Redis other
    test processes have users with the same ids (and so the same group names)."""
    layer = settings.CHANNEL_LAYERS["default"]
    if "CONFIG" in layer and "prefix" in layer["CONFIG"]:
        settings.CHANNEL_LAYERS = {
            "default": {
                **layer,
                "CONFIG": {**layer["CONFIG"], "prefix": f"wdtest:{uuid.uuid4().hex[:12]}"},
            }
        }
    else:
        settings.CHANNEL_LAYERS = {"default": dict(layer)}


def run(scenario: Coroutine[Any, Any, None]) -> None:
    """Run an async scenario on an event loop of its own, in a thread of its own: Playwright's
    sync API (browser tests in the same worker) leaves an event loop running in the main thread,
    so pytest-asyncio tests and `asyncio.run` cannot use it."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, scenario).result()


async def _close_connections() -> None:
    await sync_to_async(connections.close_all)()


@pytest.fixture(autouse=True)
def _close_worker_connections() -> Iterator[None]:
    """sync_to_async runs ORM code in a worker thread; close its connection after each test so
    the test database can be dropped at the end (PostgreSQL)."""
    yield
    run(_close_connections())


def _sign_in(login_name: str) -> Client:
    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Safari/604.1")
    response = client.post("/account/login/", {"username": login_name, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def _cookie(client: Client) -> bytes:
    from django.conf import settings

    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


async def _socket(cookie: bytes | None = None, origin: bytes | None = SITE) -> Any:
    headers = [(b"host", b"127.0.0.1")]
    if origin is not None:
        headers.append((b"origin", origin))
    if cookie is not None:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, "/ws/events/", headers=headers)


async def _connected(customer: Any) -> tuple[Any, Client]:
    client = await sync_to_async(_sign_in)(customer.login_name)
    socket = await _socket(_cookie(client))
    connected, _ = await socket.connect(timeout=5)
    assert connected
    # The socket is in the user's group once a ping is answered (connect() returns at accept).
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
    return socket, client


async def _expect_close(socket: Any, within: float = 5.0) -> list[Any]:
    """Frames until the close frame; asserts the close code is 4401 and came within `within` s."""
    started = time.monotonic()
    frames: list[Any] = []
    while True:
        remaining = within - (time.monotonic() - started)
        assert remaining > 0, f"no close frame within {within} s: {frames}"
        output = await socket.receive_output(timeout=remaining)
        if output["type"] == "websocket.close":
            assert output["code"] == 4401
            return frames
        frames.append(output)


@DB
def test_a_customer_receives_their_events_only_after_commit(customer, user_factory):
    run(_a_customer_receives_their_events_only_after_commit(customer, user_factory))


async def _a_customer_receives_their_events_only_after_commit(
    customer: Any, user_factory: Any
) -> None:
    other = await sync_to_async(user_factory)()
    socket, _client = await _connected(customer)

    def rolled_back() -> None:
        try:
            with transaction.atomic():
                publish_on_commit(
                    user_group(customer.pk),
                    "wallet.balance",
                    "updated",
                    {"currency": "CNY", "available": "1.00"},
                )
                raise RuntimeError("roll back")
        except RuntimeError:
            pass

    def committed() -> None:
        with transaction.atomic():
            publish_on_commit(
                user_group(other.pk),
                "wallet.balance",
                "updated",
                {"currency": "CNY", "available": "2.00"},
            )
            publish_on_commit(
                user_group(customer.pk),
                "wallet.balance",
                "updated",
                {"currency": "CNY", "available": "12.30"},
            )

    await sync_to_async(rolled_back)()
    assert await socket.receive_nothing(timeout=0.3)
    await sync_to_async(committed)()
    event = await socket.receive_json_from(timeout=5)
    assert event == {
        "type": "wallet.balance",
        "op": "updated",
        "currency": "CNY",
        "available": "12.30",
    }
    assert await socket.receive_nothing(timeout=0.3)  # nothing of the other customer's
    await socket.disconnect()


@DB
def test_emergency_freeze_closes_the_open_socket_within_five_seconds(customer):
    run(_emergency_freeze_closes_the_open_socket_within_five_seconds(customer))


async def _emergency_freeze_closes_the_open_socket_within_five_seconds(customer: Any) -> None:
    socket, client = await _connected(customer)
    response = await sync_to_async(client.post)("/account/freeze/")
    assert response.status_code == 200
    frames = await _expect_close(socket, within=5.0)
    assert frames and frames[-1]["type"] == "websocket.send"
    assert '"reason": "freeze"' in frames[-1]["text"]
    await socket.disconnect()

    # The dead session cannot open a new socket.
    again = await _socket(_cookie(client))
    assert (await again.connect(timeout=5))[0]
    await _expect_close(again)


@DB
def test_logout_closes_the_open_socket(customer):
    run(_logout_closes_the_open_socket(customer))


async def _logout_closes_the_open_socket(customer: Any) -> None:
    socket, client = await _connected(customer)
    await sync_to_async(client.post)("/account/logout/")
    await _expect_close(socket)


@DB
def test_anonymous_connections_are_closed_with_4401():
    run(_anonymous_connections_are_closed_with_4401())


async def _anonymous_connections_are_closed_with_4401() -> None:
    socket = await _socket(cookie=None)
    assert (await socket.connect(timeout=5))[0]
    assert await _expect_close(socket) == []
    forged = await _socket(cookie=b"sessionid=not-a-session")
    assert (await forged.connect(timeout=5))[0]
    await _expect_close(forged)


@DB
def test_a_revoked_session_is_refused_on_connect_and_on_the_next_message(customer):
    run(_a_revoked_session_is_refused_on_connect_and_on_the_next_message(customer))


async def _a_revoked_session_is_refused_on_connect_and_on_the_next_message(customer: Any) -> None:
    from walletdesk.identity import sessions
    from walletdesk.identity.models import UserSession

    socket, client = await _connected(customer)
    # Revoked in the database by another process whose force_close never arrived: the next
    # message after this process's copy of the session's state has aged out is refused.
    await sync_to_async(
        lambda: UserSession.objects.filter(user=customer).update(revoked_at="2026-01-01T00:00Z")
    )()
    from walletdesk.core.cache_keys import clear_own_cache

    # Only this worker's keys: a FLUSHDB would also drop the channel layer's groups that tests
    # on the other worker are listening on.
    await sync_to_async(clear_own_cache)()
    real_clock = sessions.monotonic
    sessions.monotonic = lambda: real_clock() + sessions.SOCKET_STATE_SECONDS
    try:
        await socket.send_json_to({"type": "ping"})
        await _expect_close(socket)
    finally:
        sessions.monotonic = real_clock
    again = await _socket(_cookie(client))
    assert (await again.connect(timeout=5))[0]
    await _expect_close(again)


@pytest.mark.parametrize(
    "origin",
    [
        b"http://evil.example",
        b"http://127.0.0.1.evil.com",
        b"https://evil.example",
        b"null",
        # Passes config.asgi's host-only check, so the session is loaded before ours refuses it.
        pytest.param(b"ftp://127.0.0.1", marks=DB),
        b"",
        None,
    ],
)
@pytest.mark.django_db  # no commits needed; channels closes stale connections per message
def test_foreign_null_or_missing_origins_are_refused(origin):
    run(_foreign_null_or_missing_origins_are_refused(origin))


async def _foreign_null_or_missing_origins_are_refused(origin: Any) -> None:
    # Refused at the handshake, before the session is even looked at.
    socket = await _socket(b"sessionid=whatever", origin=origin)
    connected, _ = await socket.connect(timeout=5)
    assert not connected
    await socket.disconnect()


@pytest.mark.django_db
def test_two_origin_headers_are_refused():
    run(_two_origin_headers_are_refused())


async def _two_origin_headers_are_refused() -> None:
    socket = WebsocketCommunicator(
        application,
        "/ws/events/",
        headers=[
            (b"origin", SITE),
            (b"origin", b"http://evil.example"),
        ],
    )
    assert not (await socket.connect(timeout=5))[0]
    await socket.disconnect()


@DB
def test_on_a_tls_site_only_https_origins_are_accepted(customer, settings):
    run(_on_a_tls_site_only_https_origins_are_accepted(customer, settings))


async def _on_a_tls_site_only_https_origins_are_accepted(customer: Any, settings: Any) -> None:
    settings.SESSION_COOKIE_SECURE = True
    client = await sync_to_async(_sign_in)(customer.login_name)
    plain = await _socket(_cookie(client), origin=b"http://127.0.0.1")
    assert not (await plain.connect(timeout=5))[0]
    secure = await _socket(_cookie(client), origin=b"https://127.0.0.1")
    assert (await secure.connect(timeout=5))[0]
    await secure.send_json_to({"type": "ping"})
    assert await secure.receive_json_from(timeout=5) == {"type": "pong"}
    await secure.disconnect()


def test_the_origin_rules(settings):
    settings.ALLOWED_HOSTS = ["wallet.example", ".pay.example"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.partner.example", "https://console.example:8443"]
    settings.SESSION_COOKIE_SECURE = True

    def ok(origin: str, scheme: str = "wss") -> bool:
        return origin_allowed(urlparse(origin), scheme)

    assert ok("https://wallet.example") and ok("https://m.pay.example")
    assert not ok("http://wallet.example")  # downgraded scheme on a TLS site
    assert not ok("https://wallet.example.evil.com") and not ok("https://evilwallet.example")
    assert ok("https://a.partner.example") and ok("https://console.example:8443")
    assert not ok("https://console.example") and not ok("http://a.partner.example")
    settings.SESSION_COOKIE_SECURE = False
    assert ok("http://wallet.example", "ws") and not ok("http://wallet.example", "wss")
    settings.ALLOWED_HOSTS = ["*"]
    assert not ok("https://anything.example")  # "*" is never honoured for sockets
