from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from walletdesk.helpcenter.enums import (
    AnnouncementKind,
    AnnouncementLanguage,
    ArticleStatus,
    Audience,
    Component,
    ComponentState,
    FeedbackReason,
    IncidentStatus,
    Language,
)
from walletdesk.helpcenter.models import Category
from walletdesk.helpcenter.search.analysis import MAX_QUERY_LENGTH


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=500, strip=True)

    def query(self) -> str:
        if not self.is_valid():
            return ""
        value: str = self.cleaned_data.get("q") or ""
        return value[:MAX_QUERY_LENGTH]


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", _("Yes, it helped")), ("no", _("No, it did not"))],
        coerce=lambda v: v == "yes",
    )
    reason = forms.ChoiceField(
        choices=FeedbackReason.choices, required=False, label=_("What was wrong?")
    )
    comment = forms.CharField(
        required=False, max_length=500, label=_("Anything else? (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip


class ArticleEditForm(forms.Form):
    slug = forms.SlugField(label=_("Slug"), max_length=96)
    category = forms.ModelChoiceField(queryset=Category.objects.all(), label=_("Category"))
    intents = forms.CharField(
        label=_("Assistant intents (comma separated)"), required=False, max_length=300
    )
    related = forms.CharField(
        label=_("Related articles (slugs, comma separated)"), required=False, max_length=500
    )
    note = forms.CharField(label=_("Change note"), required=False, max_length=200)
    zh_title = forms.CharField(label=_("Title (Chinese)"), max_length=160)
    zh_summary = forms.CharField(label=_("Summary (Chinese)"), max_length=300, required=False)
    zh_synonyms = forms.CharField(
        label=_("Search synonyms (Chinese)"), max_length=500, required=False
    )
    zh_body = forms.CharField(
        label=_("Body in Markdown (Chinese)"), widget=forms.Textarea(attrs={"rows": 14})
    )
    en_title = forms.CharField(label=_("Title (English)"), max_length=160, required=False)
    en_summary = forms.CharField(label=_("Summary (English)"), max_length=300, required=False)
    en_synonyms = forms.CharField(
        label=_("Search synonyms (English)"), max_length=500, required=False
    )
    en_body = forms.CharField(
        label=_("Body in Markdown (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
    )
    video_url = forms.URLField(
        label=_("Video link (allow-listed hosts only)"), required=False, assume_scheme="https"
    )
    video_file = forms.FileField(label=_("Video file (MP4 or WebM)"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("en_title") and not data.get("en_body"):
            self.add_error("en_body", _("Add the English text, or leave the English title empty."))
        return data


class TransitionForm(forms.Form):
    target = forms.ChoiceField(choices=ArticleStatus.choices)
    note = forms.CharField(required=False, max_length=200)


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(
        label=_("Publish at"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )  # fmt: skip


class SynonymForm(forms.Form):
    language = forms.ChoiceField(choices=Language.choices, label=_("Language"))
    term = forms.CharField(label=_("When people search for"), max_length=40)
    canonical = forms.CharField(label=_("Also search for"), max_length=40)


class AnnouncementForm(forms.Form):
    kind = forms.ChoiceField(choices=AnnouncementKind.choices, label=_("Kind"))
    language = forms.ChoiceField(
        choices=AnnouncementLanguage.choices, required=False, label=_("Language")
    )
    audience = forms.ChoiceField(choices=Audience.choices, label=_("Audience"))
    title = forms.CharField(max_length=160, label=_("Title"))
    body = forms.CharField(
        max_length=2000, label=_("Text"), widget=forms.Textarea(attrs={"rows": 4})
    )
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )  # fmt: skip
    link = forms.CharField(
        label=_("Link (a page of this site, or https://…)"), max_length=200, required=False
    )
    show_banner = forms.BooleanField(label=_("Show as banner"), required=False, initial=True)

    def clean_link(self) -> str:
        link: str = self.cleaned_data.get("link", "").strip()
        if link and not (
            link.startswith("https://") or (link.startswith("/") and not link.startswith("//"))
        ):
            raise forms.ValidationError(
                _("Use a path such as /help/status/ or an https:// address.")
            )
        return link


class IncidentForm(forms.Form):
    title = forms.CharField(max_length=160, label=_("Title (Chinese)"))
    title_en = forms.CharField(max_length=160, label=_("Title (English)"))
    components = forms.MultipleChoiceField(
        choices=Component.choices, widget=forms.CheckboxSelectMultiple, label=_("Affected services")
    )
    impact = forms.ChoiceField(
        choices=[c for c in ComponentState.choices if c[0] != ComponentState.OPERATIONAL],
        label=_("Impact"),
    )
    status = forms.ChoiceField(
        choices=[c for c in IncidentStatus.choices if c[0] != IncidentStatus.RESOLVED],
        label=_("Status"),
    )
    starts_at = forms.DateTimeField(
        label=_("Starts at"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )  # fmt: skip
    ends_at = forms.DateTimeField(
        label=_("Planned end"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )  # fmt: skip
    message = forms.CharField(
        max_length=2000, label=_("Update (Chinese)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    message_en = forms.CharField(
        max_length=2000, label=_("Update (English)"), widget=forms.Textarea(attrs={"rows": 3})
    )


class IncidentUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=IncidentStatus.choices, label=_("Status"))
    impact = forms.ChoiceField(
        choices=[c for c in ComponentState.choices if c[0] != ComponentState.OPERATIONAL],
        label=_("Impact"),
    )
    message = forms.CharField(
        max_length=2000, label=_("Update (Chinese)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    message_en = forms.CharField(
        max_length=2000, label=_("Update (English)"), widget=forms.Textarea(attrs={"rows": 3})
    )
