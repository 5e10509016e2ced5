from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PreferenceForm(forms.Form):
    debit_alert_amount = forms.CharField(
        label=_("Alert me about payments from (CNY)"),
        max_length=12,
        help_text=_("0 means every payment."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    transaction_inbox = forms.BooleanField(label=_("Payment alerts in the app"), required=False)
    transaction_sms = forms.BooleanField(label=_("Payment alerts by SMS"), required=False)
    transaction_email = forms.BooleanField(label=_("Payment alerts by email"), required=False)
    security_sms = forms.BooleanField(label=_("Security alerts by SMS"), required=False)
    security_email = forms.BooleanField(label=_("Security alerts by email"), required=False)
