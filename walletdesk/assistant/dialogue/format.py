"""Amounts and times as the wallet app shows them."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from walletdesk.core.money import Money, format_amount


def money(value: Money) -> str:
    return format_amount(value)


def when(value: datetime | None) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def clock(value: datetime | None) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%H:%M")
