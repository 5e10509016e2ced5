"""Forms of the customer's support pages (validation and translated errors; actions decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from walletdesk.tickets.actions import BODY_MAX, DEMAND_MAX, RATING_COMMENT_MAX, SUBJECT_MAX
from walletdesk.tickets.enums import TicketKind


class NewTicketForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What would you like to do?"),
        choices=[
            (TicketKind.QUESTION, pgettext_lazy("new ticket kind", "Ask for help")),
            (TicketKind.COMPLAINT, pgettext_lazy("new ticket kind", "Make a complaint")),
            (TicketKind.FEEDBACK, pgettext_lazy("new ticket kind", "Suggest an improvement")),
        ],
        initial=TicketKind.QUESTION,
        widget=forms.RadioSelect,
    )
    category = forms.ChoiceField(label=_("Topic"))
    subject = forms.CharField(
        label=_("In a few words"),
        max_length=SUBJECT_MAX,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. My top-up of 2,000 has not arrived")}),
    )
    body = forms.CharField(
        label=_("What happened?"),
        max_length=BODY_MAX,
        widget=forms.Textarea(
            attrs={
                "rows": 5,
                "placeholder": _(
                    "When it happened, the amount, what you saw. Never write passwords or codes."
                ),
            }
        ),
    )
    demand = forms.CharField(
        label=_("For a complaint: what would you like us to do? (optional)"),
        required=False,
        max_length=DEMAND_MAX,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("e.g. Refund the 59.90 charged twice")}
        ),
    )
    record = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, categories: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose a topic"))] + [
            (group["name"], [(topic["code"], topic["name"]) for topic in group["topics"]])
            for group in categories
        ]


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How did we do?"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything to add? (optional)"),
        required=False,
        max_length=RATING_COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
