"""Write docs/demo.md from the demo's case table (`walletdesk.demo.cases`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from walletdesk.demo.guide import GUIDE_PATH, guide_markdown


class Command(BaseCommand):
    help = "Write docs/demo.md (the demo guide) from walletdesk/demo/cases.py."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="only check that docs/demo.md is up to date"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        text = guide_markdown()
        current = GUIDE_PATH.read_text(encoding="utf-8") if GUIDE_PATH.exists() else ""
        if options["check"]:
            if current != text:
                raise CommandError(f"{GUIDE_PATH} is out of date: run manage.py demo_guide")
            self.stdout.write(f"{GUIDE_PATH} is up to date")
            return
        GUIDE_PATH.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {GUIDE_PATH}")
