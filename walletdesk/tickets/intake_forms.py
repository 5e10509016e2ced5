"""Forms of the public contact form and the call-back request (validation and translated
errors; the intake actions decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from walletdesk.tickets.actions import BODY_MAX, SUBJECT_MAX
from walletdesk.tickets.intake import NAME_MAX


class ContactForm(forms.Form):
    """For people who cannot sign in: the reply goes to the email address, which they prove
    with a code."""

    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        help_text=_("We send a code there, and our replies."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("The phone number of your wallet (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    name = forms.CharField(label=_("Your name (optional)"), max_length=NAME_MAX, required=False)
    topic = forms.ChoiceField(label=_("Topic"))
    subject = forms.CharField(label=_("In a few words"), max_length=SUBJECT_MAX)
    body = forms.CharField(
        label=_("What happened?"),
        max_length=BODY_MAX,
        widget=forms.Textarea(
            attrs={
                "rows": 5,
                "placeholder": _(
                    "When it happened and what you see. Never write passwords or codes."
                ),
            }
        ),
    )

    def __init__(self, *args: Any, topics: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["topic"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose a topic")), *topics]


class ContactCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the email"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
    )


class CallbackForm(forms.Form):
    phone = forms.CharField(
        label=_("Number to call"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    preferred_at = forms.DateTimeField(
        label=_("When should we call? (Beijing time)"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    topic = forms.ChoiceField(label=_("Topic"))
    note = forms.CharField(
        label=_("Anything we should know before we call? (optional)"),
        required=False,
        max_length=1_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, categories: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["topic"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose a topic"))] + [
            (group["name"], [(topic["code"], topic["name"]) for topic in group["topics"]])
            for group in categories
        ]
