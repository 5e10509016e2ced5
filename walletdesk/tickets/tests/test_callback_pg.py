"""Two call-back requests from one customer at the same moment (PostgreSQL, separate connections):
both pass the "one open request" check, and the database's `ticket_one_open_callback` constraint
lets only one of them in; the other gets the usual "you already asked" error."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from walletdesk.core.actors import Actor
from walletdesk.tickets import intake
from walletdesk.tickets.enums import TicketKind
from walletdesk.tickets.errors import CallbackAlreadyRequestedError
from walletdesk.tickets.models import Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs concurrent writers"),
]

WAIT_SECONDS = 60


def tomorrow_at_ten() -> Any:
    local = timezone.localtime() + timedelta(days=1)
    return local.replace(hour=10, minute=0, second=0, microsecond=0)


def someone_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def test_two_requests_at_once_open_one_callback(user_factory: Callable[..., Any]) -> None:
    customer = user_factory()
    me = Actor.customer(customer.pk)
    first_inserted = threading.Event()
    may_commit = threading.Event()
    outcomes: dict[str, Any] = {}

    def request(name: str, *, hold_until_the_other_waits: bool) -> None:
        try:
            with transaction.atomic():
                if not hold_until_the_other_waits:
                    # Start only once the first request has written its (uncommitted) ticket:
                    # this one's check sees no open request, as a second tap at the same moment.
                    assert first_inserted.wait(WAIT_SECONDS)
                ticket = intake.request_callback(
                    me, phone=customer.phone, preferred_at=tomorrow_at_ten(), topic="topup_failed"
                )
                outcomes[name] = ticket.number
                if hold_until_the_other_waits:
                    first_inserted.set()
                    assert may_commit.wait(WAIT_SECONDS)
        except BaseException as error:
            outcomes[name] = error
        finally:
            first_inserted.set()
            connections.close_all()

    first = threading.Thread(
        target=request, args=("first",), kwargs={"hold_until_the_other_waits": True}
    )
    second = threading.Thread(
        target=request, args=("second",), kwargs={"hold_until_the_other_waits": False}
    )
    first.start()
    assert first_inserted.wait(WAIT_SECONDS)
    second.start()
    # The second insert waits on the first one's unique index entry; then the first commits.
    deadline = timezone.now() + timedelta(seconds=WAIT_SECONDS)
    while not someone_waits_on_a_lock() and timezone.now() < deadline and second.is_alive():
        threading.Event().wait(0.05)
    may_commit.set()
    first.join(WAIT_SECONDS)
    second.join(WAIT_SECONDS)

    number = outcomes["first"]
    assert isinstance(number, str), number
    refused = outcomes["second"]
    assert isinstance(refused, CallbackAlreadyRequestedError), refused
    assert refused.details["number"] == number
    assert list(
        Ticket.objects.filter(customer=customer, kind=TicketKind.CALLBACK).values_list(
            "number", flat=True
        )
    ) == [number]
