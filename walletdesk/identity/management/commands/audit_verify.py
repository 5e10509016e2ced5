from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from walletdesk.identity.audit import verify_chain


class Command(BaseCommand):
    help = "Recompute the audit log's hash chain; exit 1 if any row was changed or removed."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        self.stdout.write(
            json.dumps(
                {
                    "ok": report.ok,
                    "checked": report.checked,
                    "first_bad_id": report.first_bad_id,
                    "reason": report.reason,
                }
            )
        )
        if not report.ok:
            raise CommandError(f"audit chain broken: {report.reason}")
