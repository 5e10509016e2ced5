"""Factories and helpers for identity tests."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client, TestCase

from walletdesk.notifications.providers import dev_outbox

PASSWORD = "correct horse battery"
_CODE = re.compile(r"(?<![0-9])([0-9]{6})(?![0-9])")


class CommitClient(Client):
    """A test client whose requests "commit": on-commit callbacks (deliveries, socket closes) run
    right after each request, as they would in production."""

    def request(self, **request: Any) -> Any:
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture
def web() -> Callable[..., CommitClient]:
    def make(
        ip: str = "127.0.0.1", user_agent: str = "Mozilla/5.0 (iPhone) Safari/604.1", **kw: Any
    ) -> CommitClient:
        return CommitClient(REMOTE_ADDR=ip, HTTP_USER_AGENT=user_agent, **kw)

    return make


def last_code(destination: str) -> str:
    """The newest 6-digit code sent to `destination` (SMS dev outbox or test email outbox)."""
    for item in dev_outbox():
        if item["to"] == destination:
            found = _CODE.search(item["body"])
            if found:
                return found.group(1)
    for message in reversed(mail.outbox):
        if destination in message.to:
            found = _CODE.search(str(message.body))
            if found:
                return found.group(1)
    raise AssertionError(f"no code sent to {destination}")


def sent_to(destination: str) -> list[str]:
    bodies = [item["body"] for item in dev_outbox() if item["to"] == destination]
    bodies += [str(m.body) for m in mail.outbox if destination in m.to]
    return bodies


def log_in(client: Client, login_name: str, password: str = PASSWORD) -> Any:
    return client.post("/account/login/", {"username": login_name, "password": password})


@pytest.fixture
def signed_in(web: Callable[..., CommitClient]) -> Callable[..., CommitClient]:
    def make(user: Any, **kw: Any) -> CommitClient:
        client = web(**kw)
        response = log_in(client, user.login_name)
        assert response.status_code == 302, response.content[:500]
        return client

    return make


@pytest.fixture
def step_up() -> Callable[[Client, Any], None]:
    def do(client: Client, user: Any) -> None:
        assert client.post("/account/security/verify/send/").status_code == 200
        code = last_code(user.phone or user.email)
        response = client.post(
            "/account/security/verify/", {"password": PASSWORD, "method": "code", "code": code}
        )
        assert response.status_code == 302, response.content[:800]

    return do


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks: Any) -> Any:
    return lambda: django_capture_on_commit_callbacks(execute=True)
