"""A real OpenAI-compatible chat-completions server on loopback for the LLM provider's tests: it
records every request and answers with the scripted contents (or what `responder` computes from
the request), after `delay` seconds when told to."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def data(self) -> Any:
        """The JSON object the user message carries (the grounded data)."""
        return json.loads(self.json()["messages"][1]["content"])


@dataclass
class LlmStub:
    port: int
    requests: list[Received] = field(default_factory=list)
    # The assistant message contents to answer with, in order (then the last one again).
    contents: list[str] = field(default_factory=lambda: ["ok"])
    responder: Callable[[Received], str] | None = None
    status: int = 200
    delay: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def completion(content: str) -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-stub",
            "object": "chat.completion",
            "model": "stub",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
        },
        ensure_ascii=False,
    ).encode("utf-8")


@contextmanager
def llm_stub() -> Iterator[LlmStub]:
    stub = LlmStub(port=0)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            received = Received(
                self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)
            )
            with lock:
                stub.requests.append(received)
                if stub.responder is not None:
                    content = stub.responder(received)
                else:
                    content = stub.contents.pop(0) if len(stub.contents) > 1 else stub.contents[0]
            if stub.delay:
                time.sleep(stub.delay)
            body = completion(content)
            try:
                self.send_response(stub.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                return  # the client gave up (the timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
