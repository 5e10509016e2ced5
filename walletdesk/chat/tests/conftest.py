"""Live chat tests run against the real ASGI application served by uvicorn on loopback (DESIGN:
tests needing WebSockets use a real ASGI server), with real WebSocket clients (`websockets`)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

PASSWORD = "correct horse battery"


class AsgiServer:
    """uvicorn in a thread of this process (sharing the test database and channel layer), on a
    fixed port so that it can be stopped and started again like a restarted server process."""

    def __init__(self) -> None:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.server: Any = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/chat/"

    def start(self) -> None:
        import uvicorn
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

        from config.asgi import application

        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        self.server = uvicorn.Server(
            uvicorn.Config(
                ASGIStaticFilesHandler(application),
                lifespan="off",
                log_level="warning",
                ws="websockets",
                timeout_graceful_shutdown=2,
            )
        )
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [listener]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the ASGI test server did not start")
            time.sleep(0.02)
        self._listener = listener

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)
        self._listener.close()
        self.server = None


@pytest.fixture
def asgi_server(transactional_db: None) -> Iterator[AsgiServer]:
    server = AsgiServer()
    server.start()
    try:
        yield server
    finally:
        if server.server is not None:
            server.stop()
        connections.close_all()


def run(scenario: Coroutine[Any, Any, Any]) -> Any:
    """An async scenario on an event loop of its own, in a thread of its own (Playwright's sync
    API may have left a loop running in this thread)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, scenario).result()


def sign_in(login_name: str, totp_secret: str | None = None) -> str:
    """Sign in through the real login form (and the authenticator step for staff); returns the
    Cookie header value."""
    from django.conf import settings

    from walletdesk.identity import totp

    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Safari/604.1")
    response = client.post("/account/login/", {"username": login_name, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    if totp_secret is not None:
        response = client.post(
            "/account/login/verify/",
            {"method": "totp", "code": totp.code_at(totp_secret, totp.current_step())},
        )
        assert response.status_code == 302, response.content[:300]
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


@pytest.fixture
def agent_factory(user_factory: Callable[..., Any]) -> Callable[..., tuple[Any, str]]:
    """An agent with an enrolled authenticator, signed in: (user, cookie)."""
    from walletdesk.identity import totp
    from walletdesk.identity.enums import Role
    from walletdesk.identity.models import TotpDevice

    def make() -> tuple[Any, str]:
        agent = user_factory(role=Role.AGENT)
        secret = totp.new_secret()
        TotpDevice.objects.create(user=agent, secret=secret, confirmed_at=timezone.now())
        return agent, sign_in(agent.login_name, secret)

    return make


@dataclass
class Peer:
    """One WebSocket client speaking the chat protocol, keeping every frame it received."""

    url: str
    cookie: str | None
    origin: str | None = "http://127.0.0.1"
    frames: list[dict[str, Any]] = field(default_factory=list)
    taken: set[int] = field(default_factory=set)
    ws: Any = None
    close_code: int | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    async def open(self) -> Peer:
        from websockets.asyncio.client import connect
        from websockets.typing import Origin

        headers = dict(self.extra_headers)
        if self.cookie:
            headers["Cookie"] = self.cookie
        self.ws = await connect(
            self.url,
            origin=Origin(self.origin) if self.origin else None,
            additional_headers=headers,
            open_timeout=5,
        )
        return self

    async def send(self, **frame: Any) -> None:
        await self.ws.send(json.dumps(frame))

    async def next(self, timeout: float = 5.0, **match: Any) -> dict[str, Any]:
        """The first frame not yet taken that matches every key of `match` (from those already
        received, else waiting for more); every frame is kept in `frames`."""
        for index, frame in enumerate(self.frames):
            if index not in self.taken and all(frame.get(k) == v for k, v in match.items()):
                self.taken.add(index)
                return frame
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no frame like {match}; got {self.frames[-10:]}")
            try:
                received: dict[str, Any] = json.loads(
                    await asyncio.wait_for(self.ws.recv(), remaining)
                )
            except TimeoutError:
                raise AssertionError(f"no frame like {match}; got {self.frames[-10:]}") from None
            self.frames.append(received)
            if all(received.get(k) == v for k, v in match.items()):
                self.taken.add(len(self.frames) - 1)
                return received

    async def closed(self, timeout: float = 5.0) -> int:
        """Read until the server closes; return the close code."""
        from websockets.exceptions import ConnectionClosed

        try:
            while True:
                frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
                self.frames.append(frame)
        except ConnectionClosed as exc:
            self.close_code = exc.rcvd.code if exc.rcvd else None
            return self.close_code or 0

    def messages(self, conversation: str) -> list[dict[str, Any]]:
        return [
            f
            for f in self.frames
            if f.get("type") == "message" and f.get("conversation") == conversation
        ]

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
