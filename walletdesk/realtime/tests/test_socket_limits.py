"""RT-3 and bad frames on `/ws/events/`, and unknown WebSocket paths, against config.asgi.

Each refusal has a defined close code (docs/realtime.md) and is logged without a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from config.asgi import application
from walletdesk.realtime import limits
from walletdesk.realtime.consumers import CLOSE_UNKNOWN_PATH
from walletdesk.realtime.tests.test_events_socket import (  # noqa: F401  (autouse fixtures)
    DB,
    SITE,
    _close_worker_connections,
    _connected,
    _private_channel_layer,
    run,
)


async def _refused_with(socket: Any, error_code: str, close_code: int) -> None:
    assert await socket.receive_json_from(timeout=5) == {"type": "error", "code": error_code}
    output = await socket.receive_output(timeout=5)
    assert output == {"type": "websocket.close", "code": close_code}


def _no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@DB
@pytest.mark.parametrize(
    ("frame", "error_code", "close_code"),
    [
        ('{"type": "ping", "pad": "' + "x" * (1024 * 1024) + '"}', "frame_too_large", 1009),
        ('{"type": "ping", "pad": "' + "x" * 4096 + '"}', "frame_too_large", 1009),
        ('{"type": "ping", "pad": "' + "钱" * 1400 + '"}', "frame_too_large", 1009),
        ("not json", "malformed_json", 1007),
        ('{"type": "ping"', "malformed_json", 1007),
        ('{"type": "ping", "type": "x"}', "duplicate_json_key", 1007),
        ('{"type": "\\ud800"}', "invalid_text", 1007),
        ("[" * 2000 + "]" * 2000, "json_too_deep", 1007),
        (b"\x00\x01binary", "binary_frame", 1003),
    ],
    ids=["1MiB", "4KiB+", "cjk-bytes", "text", "truncated", "dup-key", "surrogate", "deep", "bin"],
)
def test_a_bad_frame_closes_with_its_code_and_no_traceback(
    customer: Any,
    caplog: pytest.LogCaptureFixture,
    frame: str | bytes,
    error_code: str,
    close_code: int,
) -> None:
    async def scenario() -> None:
        socket, _client = await _connected(customer)
        if isinstance(frame, bytes):
            await socket.send_to(bytes_data=frame)
        else:
            await socket.send_to(text_data=frame)
        await _refused_with(socket, error_code, close_code)

    with caplog.at_level(logging.INFO):
        run(scenario())
    _no_tracebacks(caplog)


@DB
def test_a_frame_within_the_size_limit_is_answered(customer: Any) -> None:
    async def scenario() -> None:
        socket, _client = await _connected(customer)
        padding = "x" * (4096 - len('{"type": "ping", "pad": ""}'))
        await socket.send_to(text_data='{"type": "ping", "pad": "' + padding + '"}')
        assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
        await socket.disconnect()

    run(scenario())


@DB
def test_more_than_ten_messages_in_ten_seconds_close_the_socket(
    customer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clock stands still, so the bucket cannot refill while the test sends."""
    monkeypatch.setattr(limits, "monotonic", lambda: 1_000.0)

    async def scenario() -> None:
        socket, _client = await _connected(customer)  # one ping answered: 9 left
        for _ in range(100):
            await socket.send_json_to({"type": "ping"})
        for _ in range(9):
            assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
        await _refused_with(socket, "rate_limited", 1008)

    run(scenario())


@DB
def test_the_bucket_refills_over_the_window(customer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    now = {"t": 1_000.0}
    monkeypatch.setattr(limits, "monotonic", lambda: now["t"])

    async def scenario() -> None:
        socket, _client = await _connected(customer)
        for _ in range(9):
            await socket.send_json_to({"type": "ping"})
            assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
        now["t"] += 1.0  # 10 per 10 s: one message more
        await socket.send_json_to({"type": "ping"})
        assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
        await socket.send_json_to({"type": "ping"})
        await _refused_with(socket, "rate_limited", 1008)

    run(scenario())


@pytest.mark.parametrize("path", ["/ws/nope/", "/", "/ws/events/extra/", "/ws/../admin/"])
def test_an_unknown_websocket_path_is_refused_at_the_handshake(
    path: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        socket = WebsocketCommunicator(
            application, path, headers=[(b"host", b"127.0.0.1"), (b"origin", SITE)]
        )
        connected, code = await socket.connect(timeout=5)
        assert (connected, code) == (False, CLOSE_UNKNOWN_PATH)

    with caplog.at_level(logging.INFO):
        run(scenario())
    _no_tracebacks(caplog)
