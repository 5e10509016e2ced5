from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from walletdesk.core.money import Money, format_amount

register = template.Library()

_BADGES = {
    "succeeded": "badge-ok",
    "pending": "badge-wait",
    "created": "badge-wait",
    "failed": "badge-bad",
    "expired": "badge-bad",
    "refunded": "badge-info",
}


@register.filter
def money(value: Money) -> str:
    return format_amount(value)


@register.filter
def record_heading(row: Any) -> str:
    from walletdesk.payments.selectors import record_heading as heading

    return heading(row)


@register.filter
def signed_amount(row: Any) -> str:
    text = format_amount(Money(row.amount, row.currency))
    return f"+{text}" if row.amount > 0 else text


@register.simple_tag
def status_badge(status: str) -> SafeString:
    from walletdesk.payments.enums import ActivityStatus, RailOperationStatus

    labels = {**dict(RailOperationStatus.choices), **dict(ActivityStatus.choices)}
    return format_html(
        '<span class="badge {}">{}</span>',
        _BADGES.get(status, "badge-info"),
        labels.get(status, status),
    )


@register.filter
def quote_total(quote: Any) -> str:
    return format_amount(Money(quote.sell_amount + quote.fee, quote.sell_currency))


@register.filter
def quote_fee(quote: Any) -> str:
    return format_amount(Money(quote.fee, quote.sell_currency))


@register.filter
def payment_price(payment: Any) -> str:
    return format_amount(Money(payment.amount, payment.currency))


@register.filter
def payment_fee(payment: Any) -> str:
    return format_amount(Money(payment.fee, payment.debit_currency))


@register.filter
def payment_refunded(payment: Any) -> str:
    return format_amount(Money(payment.refunded_amount, payment.currency))


@register.filter
def transfer_fee(transfer: Any) -> str:
    return format_amount(Money(transfer.fee, transfer.currency))


@register.filter
def refund_amount(refund: Any) -> str:
    return format_amount(Money(refund.amount, refund.payment.currency))


@register.filter
def refusal_label(reason: str) -> str:
    """A refused attempt's reason in plain words (never the code)."""
    from walletdesk.payments.refusals import reason_label

    return reason_label(reason)


@register.filter
def masked_recipient(contact: str) -> str:
    from walletdesk.payments.refusals import masked_recipient

    return masked_recipient(contact)
