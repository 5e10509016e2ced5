"""Help-center storage: categories and articles (per-language translation rows), editorial
history and versions, feedback, synonyms, search analytics, announcements and incidents."""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from walletdesk.core.models import PublicIdModel
from walletdesk.helpcenter.enums import (
    DEFAULT_LANGUAGE,
    AnnouncementKind,
    AnnouncementLanguage,
    ArticleStatus,
    Audience,
    CategorySection,
    Component,
    ComponentState,
    FeedbackReason,
    IncidentStatus,
    Language,
)


def new_index_token() -> str:
    return uuid.uuid4().hex


def video_upload_path(instance: Any, filename: str) -> str:
    """Server-generated name; the original name is never used on disk (UPL-4)."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in {".mp4", ".webm"}:
        suffix = ".bin"
    return f"helpcenter/video/{uuid.uuid4().hex}{suffix}"


class Category(models.Model):
    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    section = models.CharField(
        _("section"), max_length=16, choices=CategorySection.choices, default=CategorySection.TOPIC
    )
    icon = models.CharField(_("icon"), max_length=8, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ("position", "id")
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        indexes = [models.Index(fields=["section", "position"], name="hc_category_section_pos")]

    def __str__(self) -> str:
        return self.slug


class CategoryTranslation(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=240, blank=True)

    class Meta:
        verbose_name = _("category translation")
        verbose_name_plural = _("category translations")
        constraints = [
            models.UniqueConstraint(fields=["category", "language"], name="hc_category_tr_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Article(PublicIdModel):
    slug = models.SlugField(_("slug"), max_length=96, unique=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="articles", verbose_name=_("category")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    intents = models.JSONField(_("intents"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    related = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="+", verbose_name=_("related articles")
    )
    video_file = models.FileField(
        _("video file"), upload_to=video_upload_path, blank=True, max_length=200
    )
    video_url = models.URLField(_("video link"), blank=True, max_length=300)
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    helpful_yes = models.PositiveIntegerField(default=0)
    helpful_no = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("position", "id")
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(fields=["category", "status", "position"], name="hc_article_cat_status"),
            models.Index(fields=["status", "-view_count"], name="hc_article_popular"),
            models.Index(fields=["status", "publish_at"], name="hc_article_due"),
        ]

    def __str__(self) -> str:
        return self.slug

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED


class ArticleTranslation(models.Model):
    """The current text of one article in one language. `body_html` is the sanitised rendering
    and `search_document` the analysed tokens (used by the PostgreSQL search backend)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    title = models.CharField(_("title"), max_length=160)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(_("body (Markdown)"))
    synonyms = models.CharField(_("search synonyms"), max_length=500, blank=True)
    body_html = models.TextField(editable=False, default="")
    plain_text = models.TextField(editable=False, default="")
    search_document = models.TextField(editable=False, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("article translation")
        verbose_name_plural = _("article translations")
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="hc_article_tr_unique")
        ]

    def __str__(self) -> str:
        return self.title


class ArticleVersion(models.Model):
    """Append-only snapshots of a translation; rollback copies one back as a new version."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    language = models.CharField(max_length=8, choices=Language.choices)
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=160)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    synonyms = models.CharField(max_length=500, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-number",)
        constraints = [
            models.UniqueConstraint(
                fields=["article", "language", "number"], name="hc_article_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_id}/{self.language}/v{self.number}"


class ArticleStatusChange(models.Model):
    """Append-only history of workflow transitions: who, when, old → new."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="status_changes")
    old_status = models.CharField(max_length=16, choices=ArticleStatus.choices, blank=True)
    new_status = models.CharField(max_length=16, choices=ArticleStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["article", "-created_at"], name="hc_status_change_article")]

    def __str__(self) -> str:
        return f"{self.article_id}: {self.old_status} → {self.new_status}"


class ArticleFeedback(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    language = models.CharField(max_length=8, choices=Language.choices, default=DEFAULT_LANGUAGE)
    helpful = models.BooleanField()
    reason = models.CharField(max_length=20, choices=FeedbackReason.choices, blank=True)
    comment = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["article", "-created_at"], name="hc_feedback_article")]

    def __str__(self) -> str:
        return f"{self.article_id}: {'yes' if self.helpful else 'no'}"


class Synonym(models.Model):
    """A search synonym edited by staff: searching for `term` also finds `canonical`."""

    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    term = models.CharField(_("term"), max_length=40)
    canonical = models.CharField(_("means"), max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("language", "term")
        verbose_name = _("search synonym")
        verbose_name_plural = _("search synonyms")
        constraints = [
            models.UniqueConstraint(fields=["language", "term", "canonical"], name="hc_synonym_uq")
        ]

    def __str__(self) -> str:
        return f"{self.term} = {self.canonical}"


class SearchIndexState(models.Model):
    """One row; `generation` is bumped (and `token` replaced) whenever searchable content
    changes, so every process knows when its in-memory index is stale. The random token also
    tells apart two databases (or a restored backup) that happen to share a generation number."""

    generation = models.PositiveBigIntegerField(default=0)
    token = models.CharField(max_length=32, default=new_index_token)

    def __str__(self) -> str:
        return str(self.generation)


class SearchQueryLog(models.Model):
    query = models.CharField(max_length=100)
    normalized = models.CharField(max_length=100)
    language = models.CharField(max_length=8, choices=Language.choices)
    results_count = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], name="hc_query_created"),
            models.Index(fields=["results_count", "created_at"], name="hc_query_gaps"),
        ]

    def __str__(self) -> str:
        return self.query


class SearchClick(models.Model):
    query_log = models.ForeignKey(SearchQueryLog, on_delete=models.CASCADE, related_name="clicks")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.query_log_id} → {self.article_id}"


class Announcement(PublicIdModel):
    kind = models.CharField(
        _("kind"), max_length=16, choices=AnnouncementKind.choices, default=AnnouncementKind.NOTICE
    )
    language = models.CharField(
        _("language"), max_length=8, choices=AnnouncementLanguage.choices, blank=True
    )
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.EVERYONE
    )
    title = models.CharField(_("title"), max_length=160)
    body = models.TextField(_("text"), max_length=2000)
    link = models.CharField(_("link"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    show_banner = models.BooleanField(_("show as banner"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-starts_at", "-id")
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="hc_announcement_window")]

    def __str__(self) -> str:
        return self.title


class Incident(PublicIdModel):
    title = models.CharField(_("title (Chinese)"), max_length=160)
    title_en = models.CharField(_("title (English)"), max_length=160)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=IncidentStatus.choices,
        default=IncidentStatus.INVESTIGATING,
    )
    impact = models.CharField(
        _("impact"), max_length=16, choices=ComponentState.choices, default=ComponentState.DEGRADED
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("planned end"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-starts_at", "-id")
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [
            models.Index(fields=["status", "starts_at"], name="hc_incident_status"),
            models.Index(fields=["-starts_at"], name="hc_incident_recent"),
        ]

    def __str__(self) -> str:
        return self.title


class IncidentComponent(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="components")
    component = models.CharField(max_length=24, choices=Component.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "component"], name="hc_incident_comp_uq")
        ]
        indexes = [models.Index(fields=["component", "incident"], name="hc_incident_comp")]

    def __str__(self) -> str:
        return self.component


class IncidentUpdate(models.Model):
    """Append-only timeline entry of an incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=16, choices=IncidentStatus.choices)
    message = models.TextField(max_length=2000)
    message_en = models.TextField(max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["incident", "-created_at"], name="hc_incident_update")]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.status}"
