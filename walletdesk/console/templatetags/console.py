from __future__ import annotations

from datetime import timedelta

from django import template

from walletdesk.core.money import Money, format_amount

register = template.Library()


@register.filter
def money(value: Money) -> str:
    return format_amount(value)


@register.filter
def get_item(mapping: dict[str, object], key: str) -> object:
    return mapping.get(key)


@register.filter
def timedelta_minutes(value: timedelta) -> int:
    """Whole minutes of a wait (0 for less than a minute)."""
    return max(int(value.total_seconds() // 60), 0)
