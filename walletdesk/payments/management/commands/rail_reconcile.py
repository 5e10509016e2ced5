"""python manage.py rail_reconcile [--older-than-minutes N] [--expire]

Queries the rail for every top-up and withdrawal still open after N minutes (default:
WALLETDESK["RECONCILE_AFTER"]), applies what it says exactly like a callback would, and prints one
line per operation and a summary.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from walletdesk.payments.reconciliation import (
    expire_stale_top_ups,
    reconcile_pending_operations,
)
from walletdesk.payments.topups import operation_kind


class Command(BaseCommand):
    help = "Query payment rails about open top-ups and withdrawals and apply the results."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=None,
            help="Only operations open for at least this many minutes (default: RECONCILE_AFTER).",
        )
        parser.add_argument(
            "--expire",
            action="store_true",
            help="Also expire top-ups open past TOPUP_EXPIRES_AFTER that the rail does not know.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        minutes = options["older_than_minutes"]
        older_than = timedelta(minutes=minutes) if minutes is not None else None
        seen = {"n": 0}

        def progress(operation: Any, outcome: str) -> None:
            seen["n"] += 1
            self.stdout.write(
                f"[{seen['n']}] {operation_kind(operation)} {operation.public_id} "
                f"({operation.method}, {operation.status} before) → rail: {outcome}"
            )

        summary = reconcile_pending_operations(older_than=older_than, progress=progress)
        result: dict[str, int] = summary.as_dict()
        if options["expire"]:
            result["expired"] = expire_stale_top_ups()
        self.stdout.write(self.style.SUCCESS(f"Reconciled: {summary}"))
        self.stdout.write(json.dumps(result, sort_keys=True))
