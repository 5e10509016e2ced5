"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

No browser is downloaded; CHROMIUM_PATH (default /usr/bin/chromium) names the binary.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


class _SharedSqliteGate:
    """Between tests the live server must leave the shared connection alone: the test's teardown
    flushes the database on that same connection, and a late request from the page just closed (a
    background poll, a socket reconnecting) running beside the flush breaks it ("couldn't be
    flushed"), leaving the next test on this worker with the last one's rows. Requests run one at
    a time under `lock`; while the gate is shut they get a 503 without touching the database."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepting = False

    def open(self) -> None:
        with self.lock:
            self.accepting = True

    def shut(self) -> None:
        # Taking the lock waits for the request in flight to finish.
        with self.lock:
            self.accepting = False


_GATE = _SharedSqliteGate()


class _OneRequestAtATimeOnSharedSqlite(ThreadedWSGIServer):
    """The live server's threads all use the test's single in-memory SQLite connection; two
    requests at once (a page's background poll while another browser signs in) interleave their
    savepoints on it and fail with "no such savepoint". With a shared connection each request runs
    to the end of its body under one lock; keep-alive sockets still get threads of their own."""

    def set_app(self, application: Any) -> None:
        if not self.connections_override:
            super().set_app(application)
            return

        def one_at_a_time(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            with _GATE.lock:
                if not _GATE.accepting:
                    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                    return [b"between tests"]
                response = application(environ, start_response)
                try:
                    return [b"".join(response)]
                finally:
                    if hasattr(response, "close"):
                        response.close()

        super().set_app(one_at_a_time)


@pytest.fixture(autouse=True)
def _live_server_only_during_the_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Opens the gate once the test's database is ready and shuts it before the flush (this
    fixture is set up after `transactional_db`, so it is torn down before it)."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    request.getfixturevalue("live_server")
    _GATE.open()
    try:
        yield
    finally:
        _GATE.shut()


LiveServerThread.server_class = _OneRequestAtATimeOnSharedSqlite


def _chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail(
            "Chromium is not installed. Run `bash scripts/ensure-chromium.sh` "
            "(or set CHROMIUM_PATH), then run the tests again."
        )
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        profile = tempfile.mkdtemp(prefix="walletdesk-chromium-")
        browser = playwright.chromium.launch(
            executable_path=_chromium_path(),
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            yield browser
        finally:
            browser.close()
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser_context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", device_scale_factor=1
    )
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(browser_context: BrowserContext) -> Page:
    page = browser_context.new_page()
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def login_in_browser(live_server: Any) -> Any:
    """Log a user in through the real login form."""

    def login(page: Page, login_name: str, password: str = "correct horse battery") -> None:
        page.goto(f"{live_server.url}/account/login/")
        page.fill("input[name=username]", login_name)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")

    return login


@pytest.fixture
def asgi_live_server(transactional_db: None) -> Iterator[str]:
    """The real ASGI application (HTTP and the WebSocket routes) served by uvicorn in a thread of
    this process, for pages that use the event socket: it shares the test database and the
    channel layer with the test. Static files are served from the finders, as by live_server.
    Yields the base URL.

    PostgreSQL only: on SQLite the test database is one shared in-memory database, whose tables
    lock when the server's threads and the test touch them at once ("database table is locked"
    failed four different pages in turn, one in three CI runs). These pages run in the
    PostgreSQL + Redis pass, which is also the layout they serve in production."""
    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("the ASGI pages run in the PostgreSQL + Redis pass (see asgi_live_server)")
    import uvicorn
    from channels.layers import channel_layers
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from config.asgi import application

    # A fresh channel layer for this server's event loop: the Redis layer lets one event loop at a
    # time receive, and an earlier test's server still closing its sockets holds the old one
    # ("Two event loops are trying to receive() on one channel layer at once!").
    channel_layers.backends.clear()

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            ASGIStaticFilesHandler(application),
            lifespan="off",
            log_level="warning",
            ws="websockets",
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the ASGI test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        if thread.is_alive():
            # Sockets the page left open keep a graceful shutdown waiting: close them.
            server.force_exit = True
            thread.join(timeout=5)
        listener.close()
        channel_layers.backends.clear()
