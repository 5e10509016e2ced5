"""Telling customers about changes to their records that they did not make in front of them.

Called inside the action's transaction: the inbox rows are written with the change (nothing is
announced for a rollback), the socket event leaves after commit, to the record owner's group only.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.urls import reverse

from walletdesk.core.money import Money
from walletdesk.payments.enums import FailureReason, RailOperationStatus
from walletdesk.payments.models import TopUp, Withdrawal
from walletdesk.realtime.publish import publish_on_commit, user_group

RECORD_EVENT = "payments.record"
# The record page's path (urls.py "payments:record-detail"), formatted here rather than reversed:
# a transfer is the hot path, and the first reverse() in a process loads every app's URLs and
# views. A test holds the two equal.
RECORD_DETAIL_PATH = "/records/{kind}/{public_id}/"


def record_changed(user_id: int, kind: str, public_id: uuid.UUID | str, status: str) -> None:
    """The owner's open pages (record detail, wallet home) re-read what they show."""
    publish_on_commit(
        user_group(user_id),
        RECORD_EVENT,
        "updated",
        {"kind": kind, "id": str(public_id), "status": str(status)},
    )


def _reason_label(code: str) -> object:
    return (
        FailureReason(code).label
        if code in FailureReason.values
        else FailureReason.RAIL_ERROR.label
    )


def rail_operation_changed(operation: TopUp | Withdrawal) -> None:
    """A top-up or withdrawal moved to a new status (rail callback, re-query, reconciliation,
    expiry): event for the pages; an inbox notice when it reached an end the customer must
    know about. A paid-out withdrawal already gets the debit alert (withdrawals.py)."""
    from walletdesk.notifications.facade import notify_money_event

    incoming = isinstance(operation, TopUp)
    kind = "top_up" if incoming else "withdrawal"
    record_changed(operation.user_id, kind, operation.public_id, operation.status)
    url_name = "payments:topup-detail" if incoming else "payments:withdrawal-detail"
    link = reverse(url_name, kwargs={"public_id": operation.public_id})
    status = operation.status
    if incoming and status == RailOperationStatus.SUCCEEDED:
        notify_money_event(
            operation.user_id,
            "top_up_credited",
            Money(operation.amount - operation.fee, operation.currency),
            link=link,
        )
    elif status in (RailOperationStatus.FAILED, RailOperationStatus.EXPIRED):
        notify_money_event(
            operation.user_id,
            "top_up_failed" if incoming else "withdrawal_failed",
            Money(operation.amount + (0 if incoming else operation.fee), operation.currency),
            link=link,
            reason=_reason_label(operation.failure_reason),  # type: ignore[arg-type]
        )


def money_received(
    *,
    recipient_id: int,
    transfer_id: uuid.UUID | str,
    money: Money,
    sender: str,
    at: datetime | None = None,
) -> None:
    """Another customer's transfer arrived (`at`: when, default now)."""
    from walletdesk.notifications.facade import notify_money_event

    record_changed(recipient_id, "transfer_in", transfer_id, "succeeded")
    notify_money_event(
        recipient_id,
        "money_received",
        money,
        link=RECORD_DETAIL_PATH.format(kind="transfer_in", public_id=transfer_id),
        sender=sender,
        at=at,
    )
