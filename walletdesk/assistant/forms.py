from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from walletdesk.assistant.facade import MAX_TEXT_LENGTH


class TryForm(forms.Form):
    text = forms.CharField(
        label=_("Customer message"),
        max_length=MAX_TEXT_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}),
    )
    lang = forms.ChoiceField(
        label=_("Reply language"),
        required=False,
        choices=[
            ("", _("Detect")),
            ("zh", _("Chinese")),
            ("en", pgettext_lazy("language of a message", "English")),
        ],
    )
