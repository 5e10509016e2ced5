"""Per-transaction and daily limits by identity-verification level (security guide MON-6)."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta, tzinfo
from datetime import time as datetime_time
from typing import Literal, NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from walletdesk.core.money import Money, format_amount
from walletdesk.payments.errors import LimitExceededError, WithdrawalRateLimitedError
from walletdesk.payments.models import LimitRule, UsageCounter, Withdrawal

LIMIT_CACHE_SECONDS = 30.0
_cache: dict[tuple[str, int, str], LimitRule | None] = {}
_loaded_at = 0.0


def rule_for(operation: str, kyc_level: int, currency: str) -> LimitRule | None:
    global _loaded_at
    if time.monotonic() - _loaded_at > LIMIT_CACHE_SECONDS:
        _cache.clear()
        for rule in LimitRule.objects.all():
            _cache[(rule.operation, rule.kyc_level, rule.currency)] = rule
        _loaded_at = time.monotonic()
    return _cache.get((operation, kyc_level, currency))


def invalidate_limit_cache() -> None:
    global _loaded_at
    _loaded_at = 0.0


class _Day(NamedTuple):
    zone: tzinfo
    start: datetime
    end: datetime
    date: date


# The day last asked for, with its bounds: most calls fall inside them and need no time-zone
# conversion (a few microseconds of every transfer).
_day: _Day | None = None


def local_today(now: datetime | None = None) -> date:
    """The date of `now` (default: the current time) in the service's time zone
    (settings.TIME_ZONE), where daily limits reset."""
    global _day
    now = now or timezone.now()
    zone = timezone.get_default_timezone()
    known = _day
    if known is not None and known.zone is zone and known.start <= now < known.end:
        return known.date
    today = timezone.localtime(now, zone).date()
    _day = _Day(
        zone,
        datetime.combine(today, datetime_time.min, tzinfo=zone),
        datetime.combine(today + timedelta(days=1), datetime_time.min, tzinfo=zone),
        today,
    )
    return today


def _hint(kyc_level: int) -> str:
    if kyc_level < 2:
        return _("Complete identity verification to raise your limits.")
    return _("Limits reset at midnight (Beijing time).")


def limit_exceeded(
    period: Literal["single", "daily"], rule: LimitRule, currency: str, kyc_level: int
) -> LimitExceededError:
    """The refusal for breaking `rule`'s "single" (per-transaction) or "daily" limit."""
    if period == "single":
        return LimitExceededError(
            period=_("single-transaction"),
            limit=format_amount(Money(rule.per_transaction, currency)),
            hint=_hint(kyc_level),
        )
    return LimitExceededError(
        period=_("daily"),
        limit=format_amount(Money(rule.per_day, currency)),
        hint=_hint(kyc_level),
    )


def check_and_record_usage(
    *, user_id: int, operation: str, money: Money, kyc_level: int, at: datetime | None = None
) -> None:
    """Refuse the operation if it breaks a limit; otherwise count it. Call inside the
    operation's transaction so a rolled-back operation is not counted. `at`: when the operation
    happens (default now): it counts towards that day."""
    rule = rule_for(operation, kyc_level, money.currency)
    if rule is None:
        return
    if money.minor > rule.per_transaction:
        raise limit_exceeded("single", rule, money.currency, kyc_level)
    if operation == "withdrawal" and rule.per_hour_count:
        recent = Withdrawal.objects.filter(
            user_id=user_id, created_at__gte=(at or timezone.now()) - timedelta(hours=1)
        ).count()
        if recent >= rule.per_hour_count:
            raise WithdrawalRateLimitedError(count=recent)
    today = local_today(at)
    counter = _lock_counter(user_id, operation, money.currency, today)
    if counter.total + money.minor > rule.per_day:
        raise limit_exceeded("daily", rule, money.currency, kyc_level)
    UsageCounter.objects.filter(pk=counter.pk).update(
        total=F("total") + money.minor, count=F("count") + 1
    )


def limit_refusal(
    *, user_id: int, operation: str, money: Money, kyc_level: int
) -> LimitExceededError | None:
    """The refusal `check_and_record_usage` would raise now, read without locking or counting."""
    rule = rule_for(operation, kyc_level, money.currency)
    if rule is None:
        return None
    if money.minor > rule.per_transaction:
        return limit_exceeded("single", rule, money.currency, kyc_level)
    used = (
        UsageCounter.objects.filter(
            user_id=user_id, operation=operation, currency=money.currency, day=local_today()
        )
        .values_list("total", flat=True)
        .first()
    )
    if (used or 0) + money.minor > rule.per_day:
        return limit_exceeded("daily", rule, money.currency, kyc_level)
    return None


def _lock_counter(user_id: int, operation: str, currency: str, day: date) -> UsageCounter:
    lookup = {"user_id": user_id, "operation": operation, "currency": currency, "day": day}
    counter = UsageCounter.objects.select_for_update().filter(**lookup).first()
    if counter is not None:
        return counter
    try:
        with transaction.atomic():
            return UsageCounter.objects.create(**lookup)
    except IntegrityError:
        return UsageCounter.objects.select_for_update().get(**lookup)


def release_usage(*, user_id: int, operation: str, money: Money, day: date) -> None:
    """Give back what a failed operation had counted (a withdrawal the bank returned)."""
    UsageCounter.objects.filter(
        user_id=user_id, operation=operation, currency=money.currency, day=day
    ).update(total=F("total") - money.minor, count=F("count") - 1)
