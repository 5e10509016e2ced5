"""Ticket numbers people can read aloud: WD-YYMM-NNNNNN.

YYMM is the month of creation in Beijing time; NNNNNN is one counter that never resets (so a
number is unique on its own, and a month's first ticket does not restart at 1), with more digits
once it passes 999,999. The counter is one row updated in the creating transaction: no gaps, and
two creators never get the same value (the row lock serialises them until commit).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import connection

from walletdesk.tickets.models import TicketNumberCounter

NUMBER_ZONE = ZoneInfo("Asia/Shanghai")

#: What a ticket number can be (`format_number`).
NUMBER_PATTERN = r"WD-[0-9]{4}-[0-9]{6,}"


class NumberConverter:
    """`<ticket_number:number>` in URLs: only what a ticket number can be, so that a path such
    as `tickets/categories` is never read as a ticket's number (the API schema gets the pattern
    too, so clients and the contract test know it)."""

    regex = NUMBER_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def format_number(sequence: int, created_at: datetime) -> str:
    return f"WD-{created_at.astimezone(NUMBER_ZONE):%y%m}-{sequence:06d}"


def next_sequence() -> int:
    """Take the next value of the counter (call inside the transaction that creates the ticket)."""
    table = TicketNumberCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE id = 1 RETURNING value")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        # The migration creates the row; a database flushed by a test lacks it.
        TicketNumberCounter.objects.get_or_create(pk=1)
        return next_sequence()
    return int(row[0])
