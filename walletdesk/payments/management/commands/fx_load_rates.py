from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from walletdesk.payments import fx


class Command(BaseCommand):
    help = (
        "Load mid-market exchange rates from a JSON file "
        '({"rates": [{"base": "USD", "quote": "CNY", "rate": "7.1050"}, ...]}). '
        "The newest rate per pair applies; older ones stay as history."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=fx.DEFAULT_RATES_FILE)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"{path} does not exist. Pass --file with a rates JSON file.")
        try:
            loaded = fx.load_rates(fx.FileRateProvider(path))
        except (ValueError, KeyError) as exc:
            raise CommandError(f"{path} is not a valid rates file: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"loaded {loaded} exchange rates from {path}"))
