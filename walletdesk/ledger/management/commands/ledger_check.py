from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from walletdesk.core.money import Money, format_amount
from walletdesk.ledger.invariants import check_ledger


class Command(BaseCommand):
    help = (
        "Recompute every balance from the postings and check that every entry and every currency "
        "sums to zero. Exits non-zero on any violation."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = check_ledger()
        self.stdout.write(
            f"accounts: {report.accounts}  entries: {report.entries}  postings: {report.postings}"
        )
        for currency, total in sorted(report.totals_by_currency.items()):
            self.stdout.write(
                f"  {currency} total of all postings: {format_amount(Money(total, currency))}"
            )
        if report.ok:
            self.stdout.write(self.style.SUCCESS("ledger OK: every invariant holds"))
            return
        for violation in report.violations:
            self.stderr.write(self.style.ERROR(f"VIOLATION {violation}"))
        raise CommandError(
            f"{len(report.violations)} ledger violation(s) found (first 20 of each kind listed). "
            "Do not post corrections by hand: see docs/ledger.md, 'When ledger_check fails'."
        )
