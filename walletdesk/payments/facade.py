"""What other apps may use from payments (identity's emergency freeze and closure, the console)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.urls import reverse

from walletdesk.ledger.facade import AccountBalance, wallet_balances
from walletdesk.payments.enums import ActivityStatus, ActivityType
from walletdesk.payments.models import Activity, Wallet
from walletdesk.payments.selectors import display_amount
from walletdesk.payments.wallets import (
    ClosureBlocker,
    close_wallet,
    closure_blockers,
    freeze_wallet,
    open_wallet,
    unfreeze_wallet,
)


@dataclass(frozen=True, slots=True)
class WalletSummary:
    user_id: int
    status: str
    frozen_by: str
    frozen_reason: str
    balances: tuple[AccountBalance, ...]


def wallet_summary(user_id: int) -> WalletSummary | None:
    wallet = Wallet.objects.filter(user_id=user_id).first()
    if wallet is None:
        return None
    return WalletSummary(
        user_id=user_id,
        status=wallet.status,
        frozen_by=wallet.frozen_by,
        frozen_reason=wallet.frozen_reason,
        balances=tuple(wallet_balances(user_id)),
    )


def ensure_wallet(user_id: int) -> None:
    """Open the customer's wallet (idempotent): called when a customer account is created."""
    open_wallet(user_id)


@dataclass(frozen=True, slots=True)
class RecordSummary:
    """One of the customer's records (a top-up, withdrawal, payment, transfer or refund) as the
    records page shows it, for support tickets and the console."""

    kind: str
    public_id: str
    title: str
    status: str
    status_label: str
    amount: str
    currency: str
    created_at: datetime
    url: str


RECORD_KINDS = frozenset(ActivityType.values)


def customer_records(
    user_id: int, refs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], RecordSummary]:
    """The customer's own records among `refs` ((kind, public id) pairs), in one query; another
    customer's record, an unknown kind or a malformed id is simply absent from the result."""
    wanted = Q(pk__in=[])
    for kind, public_id in refs:
        try:
            object_id = uuid.UUID(str(public_id))
        except ValueError:
            continue
        if kind in RECORD_KINDS:
            wanted |= Q(type=kind, object_public_id=object_id)
    rows = Activity.objects.filter(wanted, user_id=user_id)
    return {
        (row.type, str(row.object_public_id)): RecordSummary(
            kind=row.type,
            public_id=str(row.object_public_id),
            title=row.title,
            status=row.status,
            status_label=str(ActivityStatus(row.status).label),
            amount=display_amount(row),
            currency=row.currency,
            created_at=row.created_at,
            url=reverse("payments:record-detail", args=[row.type, row.object_public_id]),
        )
        for row in rows
    }


__all__ = [
    "RECORD_KINDS",
    "ClosureBlocker",
    "RecordSummary",
    "WalletSummary",
    "close_wallet",
    "closure_blockers",
    "customer_records",
    "ensure_wallet",
    "freeze_wallet",
    "unfreeze_wallet",
    "wallet_summary",
]
