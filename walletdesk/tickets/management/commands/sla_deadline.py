"""Print when N business minutes after a moment end, on a business calendar (stable interface)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from walletdesk.core.errors import WalletDeskError
from walletdesk.tickets.calendars import add_business_minutes, load_schedule
from walletdesk.tickets.models import BusinessCalendar

# A start without an offset is read as Beijing time, whatever the calendar's zone.
DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")
# Roughly 38 years of 9-hour working days: far beyond any SLA, small enough to stay fast.
MAX_MINUTES = 5_000_000


class Command(BaseCommand):
    help = (
        "Print the deadline N business minutes after --start on a business calendar "
        "(default cn-mainland: 09:00-18:00 Monday-Friday, Asia/Shanghai, with mainland public "
        "holidays and make-up working days; 24x7 counts every minute). With --json the last line "
        'is {"due": ISO8601}. Exit 2 on bad input or a date beyond the calendar\'s holiday data.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--start",
            required=True,
            help="ISO 8601 moment, e.g. 2026-09-30T17:00 (no offset: Asia/Shanghai) or "
            "2026-09-30T09:00:00Z.",
        )
        parser.add_argument(
            "--business-minutes",
            required=True,
            type=int,
            help="Business minutes to add (0 gives the next business moment).",
        )
        parser.add_argument("--calendar", default="cn-mainland", help="Calendar name.")
        parser.add_argument("--json", action="store_true", help="End with one JSON line.")

    def handle(self, *args: Any, **options: Any) -> None:
        # English on the command line, without leaving it active for whoever runs next in this
        # process (call_command in tests, a worker).
        with translation.override("en"):
            self._handle(**options)

    def _handle(self, **options: Any) -> None:
        start = self._parse_start(options["start"])
        minutes: int = options["business_minutes"]
        if not 0 <= minutes <= MAX_MINUTES:
            raise CommandError(
                f"--business-minutes must be between 0 and {MAX_MINUTES}, not {minutes}.",
                returncode=2,
            )
        name: str = options["calendar"]
        try:
            schedule = load_schedule(name)
            due = add_business_minutes(schedule, start, minutes)
        except WalletDeskError as exc:
            hint = ""
            if exc.code == "calendar_not_found":
                known = ", ".join(
                    BusinessCalendar.objects.order_by("name").values_list("name", flat=True)
                )
                hint = f" Known calendars: {known or 'none (run manage.py migrate)'}."
            raise CommandError(f"{exc.user_message}{hint}", returncode=2) from exc

        self.stdout.write(
            f"{minutes} business minutes after {start.isoformat()} on {name} "
            f"({schedule.zone.key}): due {due.isoformat()}"
        )
        if options["json"]:
            self.stdout.write(json.dumps({"due": due.isoformat()}))

    def _parse_start(self, raw: str) -> datetime:
        text = raw.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as exc:
            raise CommandError(
                f"--start {raw!r} is not an ISO 8601 date and time (e.g. 2026-09-30T17:00+08:00).",
                returncode=2,
            ) from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=DEFAULT_ZONE)
        return moment
