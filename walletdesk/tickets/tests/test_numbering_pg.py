"""Ticket numbers under concurrency (PostgreSQL; SQLite serialises writers anyway)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections  # noqa: F401 - `connection` is read by skipif

from walletdesk.core.actors import Actor
from walletdesk.tickets import actions

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs concurrent writers"),
]


def test_concurrent_openings_get_distinct_consecutive_numbers(
    user_factory: Callable[..., Any],
) -> None:
    customers = [Actor.customer(user_factory().pk) for _ in range(8)]
    numbers: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(customers), timeout=30)

    def open_one(actor: Actor) -> None:
        try:
            barrier.wait()
            ticket = actions.open_ticket(
                actor,
                customer_id=actor.user_id,
                subject="提现没到账",
                body="三天了还没到",
                category="withdraw_not_arrived",
            )
            numbers.append(ticket.number)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=open_one, args=(actor,)) for actor in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    sequences = sorted(int(number.rsplit("-", 1)[1]) for number in numbers)
    assert len(set(numbers)) == 8
    assert sequences == list(range(sequences[0], sequences[0] + 8))
