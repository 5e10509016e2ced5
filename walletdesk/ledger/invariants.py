"""Recompute the ledger from its postings and compare with what is cached.

Used by `manage.py ledger_check`, the property-based tests and the benchmarks. Every check is one
aggregate query, so it stays fast on large ledgers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from walletdesk.ledger.enums import HoldStatus
from walletdesk.ledger.models import Hold, JournalEntry, LedgerAccount, Posting


@dataclass
class LedgerReport:
    accounts: int = 0
    entries: int = 0
    postings: int = 0
    totals_by_currency: dict[str, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


def check_ledger(limit: int = 20) -> LedgerReport:
    report = LedgerReport(
        accounts=LedgerAccount.objects.count(),
        entries=JournalEntry.objects.count(),
        postings=Posting.objects.count(),
    )

    unbalanced_rows = (
        Posting.objects.values("entry_id", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .order_by("entry_id")[:limit]
    )
    for row in unbalanced_rows:
        report.violations.append(
            f"entry {row['entry_id']} does not sum to zero in {row['currency']}: {row['total']}"
        )

    thin = JournalEntry.objects.annotate(n=Count("postings")).filter(n__lt=2).order_by("pk")[:limit]
    for entry in thin:
        report.violations.append(f"entry {entry.pk} has {entry.n} posting(s); it needs at least 2")

    for total in (
        Posting.objects.values("currency").annotate(total=Sum("amount")).order_by("currency")
    ):
        report.totals_by_currency[total["currency"]] = total["total"]
        if total["total"] != 0:
            report.violations.append(
                f"{total['currency']} postings sum to {total['total']}, not zero"
            )

    wrong_currency = Posting.objects.exclude(currency=F("account__currency")).order_by("pk")[:limit]
    for posting in wrong_currency:
        report.violations.append(f"posting {posting.pk} currency differs from its account's")

    posting_sum = (
        Posting.objects.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    held_sum = (
        Hold.objects.filter(account=OuterRef("pk"), status=HoldStatus.ACTIVE)
        .order_by()
        .values("account")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    drifted = (
        LedgerAccount.objects.annotate(
            posting_total=Coalesce(Subquery(posting_sum), Value(0)),
            held_total=Coalesce(Subquery(held_sum), Value(0)),
        )
        .filter(~Q(posted=F("posting_total")) | ~Q(held=F("held_total")))
        .order_by("pk")[:limit]
    )
    for account in drifted:
        report.violations.append(
            f"account {account.code}: cached posted={account.posted} held={account.held}, "
            f"recomputed posted={account.posting_total} held={account.held_total}"
        )

    negative = LedgerAccount.objects.filter(allow_negative=False, posted__lt=F("held")).order_by(
        "pk"
    )
    for below in negative[:limit]:
        report.violations.append(
            f"account {below.code} is below zero: posted={below.posted} held={below.held}"
        )
    return report
