from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from walletdesk.core.money import CURRENCY_EXPONENTS
from walletdesk.payments.enums import ActivityStatus, ActivityType, RefundRequestReason


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class MoneyFormMixin(forms.Form):
    """Every money form carries a key generated when the form was rendered: a double submit or a
    retry after a timeout replays the first result instead of moving money twice."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


def payment_password_field() -> forms.CharField:
    return forms.CharField(
        label=_("Payment password"),
        max_length=6,
        min_length=6,
        required=False,
        strip=False,
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*"}
        ),
    )


class TransferForm(MoneyFormMixin):
    recipient = forms.CharField(
        label=_("Recipient's phone number or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "email"}),
    )
    amount = forms.CharField(
        label=_("Amount (CNY)"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "class": "amount-input", "placeholder": "0.00"}
        ),
    )
    memo = forms.CharField(label=_("Note (optional)"), max_length=60, required=False)
    # Asked on the confirm step, once the recipient is shown.
    payment_password = payment_password_field()


class PayForm(MoneyFormMixin):
    merchant = forms.ChoiceField(label=_("Merchant"))
    amount = forms.CharField(
        label=_("Amount"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "class": "amount-input", "placeholder": "0.00"}
        ),
    )
    payment_password = forms.CharField(
        label=_("Payment password"),
        max_length=6,
        min_length=6,
        required=False,
        strip=False,
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*"}
        ),
    )
    fx_quote_id = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: object, merchants: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["merchant"].choices = merchants  # type: ignore[attr-defined]


class RefundRequestForm(MoneyFormMixin):
    """Ask the merchant for a refund of a payment (moves no money)."""

    amount = forms.CharField(
        label=_("Amount to refund"),
        max_length=16,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0.00"}),
    )
    reason = forms.ChoiceField(label=_("Why"), choices=RefundRequestReason.choices)
    note = forms.CharField(
        label=_("Message to the merchant (optional)"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RecordFilterForm(forms.Form):
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *ActivityType.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *ActivityStatus.choices],
    )
    date_from = forms.DateField(
        label=pgettext_lazy("record filter date", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=pgettext_lazy("record filter date", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    min_amount = forms.CharField(
        label=_("Min amount"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    max_amount = forms.CharField(
        label=_("Max amount"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


CURRENCIES = sorted(CURRENCY_EXPONENTS)
