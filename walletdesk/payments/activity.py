"""The customer's records (账单), written in the same transaction as the operation."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.utils import timezone

from walletdesk.payments.enums import ActivityStatus, ActivityType
from walletdesk.payments.models import Activity


def activity(
    *,
    user_id: int,
    type: ActivityType,
    status: ActivityStatus,
    currency: str,
    amount: int,
    title: str,
    object_public_id: uuid.UUID,
    counterparty: str = "",
    fee: int = 0,
    created_at: datetime | None = None,
) -> Activity:
    return Activity(
        user_id=user_id,
        type=type,
        status=status,
        currency=currency,
        amount=amount,
        fee=fee,
        title=title[:120],
        counterparty=counterparty[:120],
        object_public_id=object_public_id,
        created_at=created_at or timezone.now(),
    )


def record(*rows: Activity) -> None:
    Activity.objects.bulk_create(list(rows))


def set_status(type: ActivityType, object_public_id: uuid.UUID, status: ActivityStatus) -> None:
    Activity.objects.filter(type=type, object_public_id=object_public_id).update(status=status)


def redate(type: ActivityType, object_public_id: uuid.UUID, created_at: datetime) -> None:
    Activity.objects.filter(type=type, object_public_id=object_public_id).update(
        created_at=created_at
    )
