"""Bring a calendar's mainland holidays and make-up working days up to the installed package."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from walletdesk.tickets import actions
from walletdesk.tickets.errors import CalendarNotFoundError


class Command(BaseCommand):
    help = (
        "Add the mainland public holidays and make-up working days that the installed "
        "chinese-calendar package knows and the calendar lacks (days edited by hand are kept), "
        "and extend the calendar's holiday data range. Upgrade the package first for a new year."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--calendar", default="cn-mainland", help="Calendar name.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = actions.import_mainland_holidays(options["calendar"])
        except CalendarNotFoundError as exc:
            raise CommandError(exc.user_message, returncode=2) from exc
        self.stdout.write(
            f"{options['calendar']}: {result.added} days added, holiday data "
            f"{result.known_from:%Y}–{result.known_through:%Y}"
        )
