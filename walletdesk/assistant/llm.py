"""The optional LLM provider: one OpenAI-compatible chat-completions endpoint (vLLM, Ollama,
OpenAI, or anything that speaks `POST /v1/chat/completions`), off unless ASSISTANT_LLM_URL is set.

It only phrases: the caller passes the messages, gets text back or `LlmUnavailableError`, and
keeps its own built-in answer when anything goes wrong. Nothing here touches the database or any
state; the model has no tools. The call has a hard deadline (ASSISTANT_LLM_TIMEOUT_SECONDS): the
caller gets control back when it passes, whatever the server does.

    if llm.is_enabled():
        try:
            text = llm.complete([{"role": "system", "content": "…"}, {"role": "user", …}])
        except llm.LlmUnavailableError as why:
            llm.record_fallback(why.reason, purpose="reply")
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger("walletdesk.assistant.llm")

MAX_RESPONSE_BYTES = 256 * 1024
MAX_TOKENS = 800
TEMPERATURE = 0.2

_counts: Counter[str] = Counter()
_counts_lock = threading.Lock()


class LlmUnavailableError(Exception):
    """No usable answer; `reason` is a short stable word (timeout, http_error, invalid…)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class LlmConfig:
    url: str
    model: str
    api_key: str
    timeout: float

    @property
    def endpoint(self) -> str:
        """`…/v1/chat/completions` below the configured base (which may already end in /v1)."""
        base = self.url.rstrip("/")
        if base.endswith("/chat/completions"):
            return base
        if base.endswith("/v1"):
            return base + "/chat/completions"
        return base + "/v1/chat/completions"


def config() -> LlmConfig | None:
    """The provider's settings, or None when it is off (no URL)."""
    url = str(getattr(settings, "ASSISTANT_LLM_URL", "") or "").strip()
    if not url:
        return None
    return LlmConfig(
        url=url,
        model=str(getattr(settings, "ASSISTANT_LLM_MODEL", "") or ""),
        api_key=str(getattr(settings, "ASSISTANT_LLM_API_KEY", "") or ""),
        timeout=float(getattr(settings, "ASSISTANT_LLM_TIMEOUT_SECONDS", 5.0)),
    )


def is_enabled() -> bool:
    return config() is not None


def counters() -> dict[str, int]:
    """What this process's calls came to: `requests`, `used`, and `fallback.<reason>` per reason."""
    with _counts_lock:
        return dict(_counts)


def count(name: str) -> None:
    with _counts_lock:
        _counts[name] += 1


def record_fallback(reason: str, *, purpose: str, detail: str = "") -> None:
    """Log and count a built-in answer used instead of the model's (never an error to the user)."""
    count(f"fallback.{reason}")
    logger.warning("assistant.llm fallback purpose=%s reason=%s %s", purpose, reason, detail[:200])


def record_used(purpose: str) -> None:
    count("used")
    logger.debug("assistant.llm used purpose=%s", purpose)


def complete(messages: list[dict[str, str]]) -> str:
    """The model's answer to `messages` (the first choice's content). Raises LlmUnavailableError
    (reason `off`, `timeout`, `http_error`, `connection`, `invalid`) and returns within the
    configured timeout."""
    current = config()
    if current is None:
        raise LlmUnavailableError("off")
    count("requests")
    body = json.dumps(
        {
            "model": current.model,
            "messages": messages,
            "temperature": TEMPERATURE,
            "max_tokens": MAX_TOKENS,
            "stream": False,
        },
        ensure_ascii=False,
    ).encode("utf-8")
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if current.api_key:
        headers["Authorization"] = f"Bearer {current.api_key}"
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["answer"] = _post(current.endpoint, body, headers, current.timeout)
        except LlmUnavailableError as error:
            outcome["error"] = error
        except Exception as error:  # the worker must never die silently
            outcome["error"] = LlmUnavailableError("connection", f"{type(error).__name__}: {error}")

    worker = threading.Thread(target=run, name="assistant-llm", daemon=True)
    worker.start()
    # The worker's own socket timeouts end it soon after; the caller never waits longer.
    worker.join(current.timeout)
    if worker.is_alive():
        raise LlmUnavailableError("timeout", f"no answer within {current.timeout:g} s")
    if "error" in outcome:
        raise outcome["error"]
    if "answer" not in outcome:
        raise LlmUnavailableError("connection", "the call ended without an answer")
    status, raw = outcome["answer"]
    if status != 200:
        raise LlmUnavailableError("http_error", f"status {status}")
    return _content(raw)


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LlmUnavailableError("connection", "ASSISTANT_LLM_URL is not an http(s) address")
    deadline = time.monotonic() + timeout
    path = parts.path or "/"
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout)
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.connect()
        assert connection.sock is not None
        # Each read waits at most what is left of the budget at the start; the loop stops between
        # reads once it is spent, and `complete` stops waiting for this worker at the deadline.
        connection.sock.settimeout(max(0.05, deadline - time.monotonic()))
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        chunks: list[bytes] = []
        received = 0
        while True:
            if time.monotonic() > deadline:
                raise LlmUnavailableError("timeout", "the answer took longer than the time allowed")
            chunk = response.read(8192)
            if not chunk:
                break
            received += len(chunk)
            if received > MAX_RESPONSE_BYTES:
                raise LlmUnavailableError("invalid", "the answer is too large")
            chunks.append(chunk)
        return response.status, b"".join(chunks)
    except TimeoutError as error:
        raise LlmUnavailableError("timeout", str(error)) from error
    except (OSError, http.client.HTTPException) as error:
        raise LlmUnavailableError("connection", f"{type(error).__name__}: {error}"[:300]) from error
    finally:
        connection.close()


def _content(raw: bytes) -> str:
    try:
        data = json.loads(raw)
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise LlmUnavailableError("invalid", "not a chat-completions answer") from error
    if not isinstance(content, str) or not content.strip():
        raise LlmUnavailableError("invalid", "an empty answer")
    return content.strip()
