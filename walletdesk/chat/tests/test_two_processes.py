"""The production layout: two separate ASGI server processes (uvicorn subprocesses) sharing the
Redis channel layer and PostgreSQL. The customer is connected to one, the agent to the other;
the offer, the agent's reply and the customer's answer cross between the processes.

Runs in the PostgreSQL + Redis pass (DESIGN.md); skipped in the embedded pass."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections

from walletdesk.chat.tests.conftest import Peer, run
from walletdesk.chat.tests.test_queue import make_team
from walletdesk.tickets.models import TeamMembership

ROOT = Path(__file__).resolve().parents[3]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "connection.vendor != 'postgresql' or not settings.REDIS_URL",
        reason="needs PostgreSQL and Redis (the PostgreSQL + Redis pass of .ci/run)",
    ),
]


def _free_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    return port


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"server on {port} exited: {process.stderr and process.stderr.read()}"
            )
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on {port} did not start")


@pytest.fixture
def two_servers(transactional_db: None) -> Iterator[tuple[str, str]]:
    """Two uvicorn processes on the test database and the same Redis."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "REDIS_URL": str(settings.REDIS_URL),
        "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
    }
    ports = [_free_port(), _free_port()]
    command = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1"]
    options = ["--ws", "websockets", "--lifespan", "off", "--log-level", "warning"]
    processes = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            [*command, "--port", str(port), *options],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            _wait_for(port, process)
        yield tuple(f"ws://127.0.0.1:{port}/ws/chat/" for port in ports)  # type: ignore[misc]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        connections.close_all()


def test_a_customer_on_one_process_and_an_agent_on_another_chat_both_ways(
    two_servers: tuple[str, str],
    customer: Any,
    agent_factory: Callable[..., tuple[Any, str]],
) -> None:
    from walletdesk.chat.tests.conftest import sign_in

    team = make_team()
    agent, agent_cookie = agent_factory()
    TeamMembership.objects.create(team=team, agent=agent)
    customer_cookie = sign_in(customer.login_name)
    customer_url, agent_url = two_servers

    async def scenario() -> None:
        desk = await Peer(agent_url, agent_cookie).open()
        await desk.next(type="presence")
        await desk.send(type="presence", status="online", max_chats=2)
        await desk.next(type="presence", status="online")

        phone = await Peer(customer_url, customer_cookie).open()
        await phone.send(type="join", conversation=None, after=0)
        conversation = (await phone.next(type="joined"))["conversation"]
        await phone.send(type="send", conversation=conversation, client_id="c1", text="提现没到账")
        await phone.next(type="ack")
        await phone.send(type="handoff", conversation=conversation)

        # Routed on the customer's process; the offer reaches the agent's process over Redis.
        offer = await desk.next(timeout=15, type="offer", conversation=conversation)
        await desk.send(type="accept", conversation=offer["conversation"])
        await desk.next(type="assigned", conversation=conversation)
        await desk.send(type="join", conversation=conversation, after=0)
        await desk.next(type="joined", conversation=conversation)
        first = await desk.next(type="message", author="customer")
        assert first["text"] == "提现没到账"

        await desk.send(type="send", conversation=conversation, client_id="a1", text="我来查")
        reply = await phone.next(timeout=15, type="message", author="agent")
        assert reply["text"] == "我来查"
        await phone.send(type="send", conversation=conversation, client_id="c2", text="谢谢")
        back = await desk.next(timeout=15, type="message", author="customer", client_id="c2")
        assert back["text"] == "谢谢"

        # Nothing doubled on either side, in order.
        for peer in (phone, desk):
            seqs = [f["seq"] for f in peer.messages(conversation)]
            assert seqs == sorted(set(seqs))
            await peer.close()

    run(scenario())
