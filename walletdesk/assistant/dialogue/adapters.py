"""Data the dialogue needs from other apps, in the shape the flows use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from walletdesk.payments import facade as payments


@dataclass(frozen=True, slots=True)
class RefusedAttempt:
    """A payment or transfer the wallet refused (nothing moved)."""

    kind: str
    reason: str  # a payments RefusalReason code
    reason_label: str  # the payments app's own words for it, in the active language
    next_step: str
    amount: str  # as the app shows it ("¥19.90")
    counterparty: str
    created_at: datetime
    url: str


def recent_refused_attempts(user_id: int, limit: int = 5) -> list[RefusedAttempt]:
    """The customer's recently refused payments and transfers, newest first."""
    return [
        RefusedAttempt(
            kind=row.kind,
            reason=row.reason,
            reason_label=row.reason_label,
            next_step=row.next_step,
            amount=row.amount.lstrip("+-"),
            counterparty=row.merchant or row.recipient,
            created_at=row.last_refused_at or row.created_at,
            url=row.url,
        )
        for row in payments.recent_refused_attempts(user_id, limit=limit)
    ]
