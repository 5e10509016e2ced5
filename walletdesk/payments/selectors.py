"""Reads for wallet pages and the API, always scoped to the customer who asks."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from walletdesk.core.money import Money, format_amount, parse_amount
from walletdesk.payments.enums import ActivityStatus, ActivityType
from walletdesk.payments.models import Activity, RefusedAttempt

MAX_FILTER_DAYS = 366


@dataclass(frozen=True, slots=True)
class ActivityFilters:
    type: str | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    min_amount: int | None = None
    max_amount: int | None = None
    currency: str | None = None


def parse_filters(params: dict[str, str]) -> tuple[ActivityFilters, dict[str, str]]:
    """Parse query parameters; returns the filters and per-field error messages (never raises)."""
    from django.utils.translation import gettext as _

    errors: dict[str, str] = {}
    kind = params.get("type") or None
    if kind is not None and kind not in ActivityType.values:
        errors["type"] = _("Unknown record type.")
        kind = None
    status = params.get("status") or None
    if status is not None and status not in ActivityStatus.values:
        errors["status"] = _("Unknown status.")
        status = None
    dates: dict[str, date | None] = {}
    for name in ("date_from", "date_to"):
        raw = params.get(name) or ""
        dates[name] = None
        if raw:
            try:
                dates[name] = date.fromisoformat(raw)
            except ValueError:
                errors[name] = _("Use a date such as 2026-05-01.")
    currency = params.get("currency") or "CNY"
    amounts: dict[str, int | None] = {}
    for name in ("min_amount", "max_amount"):
        raw = params.get(name) or ""
        amounts[name] = None
        if raw:
            try:
                amounts[name] = parse_amount(raw, currency, allow_zero=True).minor
            except Exception:
                errors[name] = _("Enter an amount such as 100 or 100.50.")
    return (
        ActivityFilters(
            type=kind,
            status=status,
            date_from=dates["date_from"],
            date_to=dates["date_to"],
            min_amount=amounts["min_amount"],
            max_amount=amounts["max_amount"],
            currency=params.get("currency") or None,
        ),
        errors,
    )


def customer_activities(user_id: int, filters: ActivityFilters | None = None) -> QuerySet[Activity]:
    filters = filters or ActivityFilters()
    qs = Activity.objects.filter(user_id=user_id)
    if filters.type:
        qs = qs.filter(type=filters.type)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.currency:
        qs = qs.filter(currency=filters.currency)
    tz = timezone.get_current_timezone()
    if filters.date_from:
        qs = qs.filter(created_at__gte=datetime.combine(filters.date_from, time.min, tzinfo=tz))
    if filters.date_to:
        qs = qs.filter(created_at__lte=datetime.combine(filters.date_to, time.max, tzinfo=tz))
    if filters.min_amount is not None:
        qs = qs.filter(Q(amount__gte=filters.min_amount) | Q(amount__lte=-filters.min_amount))
    if filters.max_amount is not None:
        qs = qs.filter(amount__lte=filters.max_amount, amount__gte=-filters.max_amount)
    return qs.order_by("-created_at", "-id")


def customer_activity(user_id: int, kind: str, public_id: str) -> Activity | None:
    try:
        object_id = uuid.UUID(public_id)
    except ValueError:
        return None
    return Activity.objects.filter(user_id=user_id, type=kind, object_public_id=object_id).first()


CSV_HEADER = ["time", "type", "status", "title", "counterparty", "amount", "fee", "currency", "id"]


def statement_csv_rows(activities: Iterable[Activity]) -> Iterator[str]:
    """Stream a CSV statement (UTF-8 with BOM so spreadsheet apps read Chinese correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    writer.writerow(CSV_HEADER)
    for row in activities:
        writer.writerow(
            [
                timezone.localtime(row.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                row.get_type_display(),
                row.get_status_display(),
                _csv_safe(row.title),
                _csv_safe(row.counterparty),
                Money(row.amount, row.currency).to_decimal_string(),
                Money(row.fee, row.currency).to_decimal_string(),
                row.currency,
                str(row.object_public_id),
            ]
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)


def _csv_safe(text: str) -> str:
    """Neutralise spreadsheet formulas in free text (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def record_heading(row: Activity) -> str:
    """A record's line title in the active language. Titles are stored in the language active
    when the record was made, so the ones we write (top-up, withdrawal, transfers) are drawn from
    the kind and the counterparty each time; a payment's title is the merchant's name (data)."""
    kind = row.type
    if kind == ActivityType.TRANSFER_OUT and row.counterparty:
        return _("Transfer to %(name)s") % {"name": row.counterparty}
    if kind in (ActivityType.TOP_UP, ActivityType.WITHDRAWAL, ActivityType.TRANSFER_IN):
        return str(ActivityType(kind).label)
    return row.title


def display_amount(row: Activity) -> str:
    money = Money(row.amount, row.currency)
    sign = "+" if row.amount > 0 else ""
    return sign + format_amount(money)


def refused_attempt(user_id: int, public_id: str) -> RefusedAttempt | None:
    try:
        object_id = uuid.UUID(str(public_id))
    except ValueError:
        return None
    return (
        RefusedAttempt.objects.select_related("merchant")
        .filter(user_id=user_id, public_id=object_id)
        .first()
    )


def refusal_details(user_id: int, rows: Iterable[Activity]) -> dict[uuid.UUID, dict[str, str]]:
    """The next-step values (e.g. until when the payment password is locked) of the refused
    attempts among `rows`, in one query, and none when there is none."""
    wanted = [row.object_public_id for row in rows if row.failure_reason]
    if not wanted:
        return {}
    return dict(
        RefusedAttempt.objects.filter(user_id=user_id, public_id__in=wanted).values_list(
            "public_id", "details"
        )
    )


def recent_refused_attempts(
    user_id: int, *, since: datetime | None = None, limit: int = 10
) -> list[RefusedAttempt]:
    qs = RefusedAttempt.objects.select_related("merchant").filter(user_id=user_id)
    if since is not None:
        qs = qs.filter(last_refused_at__gte=since)
    return list(qs.order_by("-created_at", "-id")[: max(0, limit)])
