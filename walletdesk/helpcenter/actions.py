"""Every write of the help center: validate, lock, write, history row."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from walletdesk.core.statemachine import check_transition
from walletdesk.helpcenter.enums import (
    ARTICLE_TRANSITIONS,
    INCIDENT_TRANSITIONS,
    LANGUAGES,
    AnnouncementKind,
    ArticleStatus,
    Audience,
    ComponentState,
    IncidentStatus,
)
from walletdesk.helpcenter.errors import (
    InvalidVideoError,
    ScheduleNotAllowedError,
    VersionNotFoundError,
)
from walletdesk.helpcenter.models import (
    Announcement,
    Article,
    ArticleFeedback,
    ArticleStatusChange,
    ArticleTranslation,
    ArticleVersion,
    Category,
    CategoryTranslation,
    Incident,
    IncidentComponent,
    IncidentUpdate,
    SearchClick,
    SearchIndexState,
    SearchQueryLog,
    Synonym,
    new_index_token,
)
from walletdesk.helpcenter.rendering import html_to_text, render_markdown
from walletdesk.helpcenter.search.backends import SearchDocument, search_document_text

MAX_VIDEO_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class ArticleContent:
    title: str
    summary: str
    body: str
    synonyms: str = ""


def bump_search_generation() -> None:
    """Tell every process that searchable content changed (their indexes rebuild lazily)."""
    token = new_index_token()
    updated = SearchIndexState.objects.filter(pk=1).update(
        generation=F("generation") + 1, token=token
    )
    if not updated:
        SearchIndexState.objects.get_or_create(pk=1, defaults={"generation": 1, "token": token})


# --- categories -------------------------------------------------------------------------------


def upsert_category(
    *, slug: str, section: str, icon: str, position: int, names: Mapping[str, tuple[str, str]]
) -> tuple[Category, bool]:
    """Create or update a category and its names; returns (category, changed)."""
    category, created = Category.objects.get_or_create(
        slug=slug, defaults={"section": section, "icon": icon, "position": position}
    )
    changed = created
    if not created and (category.section, category.icon, category.position) != (
        section,
        icon,
        position,
    ):
        category.section, category.icon, category.position = section, icon, position
        category.save(update_fields=["section", "icon", "position"])
        changed = True
    for language, (name, description) in names.items():
        _, tr_created = CategoryTranslation.objects.update_or_create(
            category=category,
            language=language,
            defaults={"name": name, "description": description},
        )
        changed = changed or tr_created
    return category, changed


# --- articles ---------------------------------------------------------------------------------


def _fill_rendered(translation: ArticleTranslation) -> None:
    translation.body_html = render_markdown(translation.body)
    translation.plain_text = html_to_text(translation.body_html)
    translation.search_document = search_document_text(
        SearchDocument(
            translation.article_id,
            translation.language,
            translation.title,
            translation.summary,
            translation.synonyms,
            translation.plain_text,
        )
    )


def _same_content(translation: ArticleTranslation, content: ArticleContent) -> bool:
    return (translation.title, translation.summary, translation.body, translation.synonyms) == (
        content.title,
        content.summary,
        content.body,
        content.synonyms,
    )


def _write_translation(
    article: Article, language: str, content: ArticleContent, actor: Any, note: str
) -> bool:
    """Store the text of one language and append a version; False when nothing changed."""
    translation = (
        ArticleTranslation.objects.select_for_update()
        .filter(article=article, language=language)
        .first()
    )
    if translation is not None and _same_content(translation, content):
        return False
    if translation is None:
        translation = ArticleTranslation(article=article, language=language)
    translation.title = content.title
    translation.summary = content.summary
    translation.body = content.body
    translation.synonyms = content.synonyms
    _fill_rendered(translation)
    translation.save()
    last = (
        ArticleVersion.objects.filter(article=article, language=language)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    ArticleVersion.objects.create(
        article=article,
        language=language,
        number=(last or 0) + 1,
        title=content.title,
        summary=content.summary,
        body=content.body,
        synonyms=content.synonyms,
        note=note[:200],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    return True


def _create_article(
    *,
    slug: str,
    category: Category,
    intents: Iterable[str] | None,
    position: int | None,
    owner: Any,
    actor: Any,
    note: str,
    initial_status: str,
) -> Article:
    article = Article.objects.create(
        slug=slug,
        category=category,
        intents=list(intents or []),
        position=position or 0,
        owner=owner if getattr(owner, "pk", None) else None,
    )
    _record_status(article, "", ArticleStatus.DRAFT, actor, note or "created")
    if initial_status != ArticleStatus.DRAFT:
        article.status = initial_status
        if initial_status == ArticleStatus.PUBLISHED:
            article.published_at = timezone.now()
        article.save(update_fields=["status", "published_at", "updated_at"])
        _record_status(article, ArticleStatus.DRAFT, initial_status, actor, note)
    return article


def _update_article_fields(
    article: Article,
    *,
    category: Category,
    intents: Iterable[str] | None,
    position: int | None,
    owner: Any,
) -> bool:
    fields: list[str] = []
    if article.category_id != category.pk:
        article.category = category
        fields.append("category")
    if intents is not None and list(intents) != article.intents:
        article.intents = list(intents)
        fields.append("intents")
    if position is not None and position != article.position:
        article.position = position
        fields.append("position")
    if owner is not None and article.owner_id != getattr(owner, "pk", None):
        article.owner = owner
        fields.append("owner")
    if fields:
        article.save(update_fields=[*fields, "updated_at"])
    return bool(fields)


@transaction.atomic
def save_article(
    *,
    slug: str,
    category: Category,
    contents: Mapping[str, ArticleContent],
    actor: Any = None,
    note: str = "",
    intents: Iterable[str] | None = None,
    position: int | None = None,
    owner: Any = None,
    initial_status: str = ArticleStatus.DRAFT,
) -> tuple[Article, bool]:
    """Create or update an article's texts (a new version per changed language).

    Returns (article, changed). Changing a published article refreshes the search index."""
    article = Article.objects.select_for_update().filter(slug=slug).first()
    if article is None:
        article = _create_article(
            slug=slug, category=category, intents=intents, position=position, owner=owner,
            actor=actor, note=note, initial_status=initial_status,
        )  # fmt: skip
        changed = True
    else:
        changed = _update_article_fields(
            article, category=category, intents=intents, position=position, owner=owner
        )
    for language, content in contents.items():
        if language in LANGUAGES and _write_translation(article, language, content, actor, note):
            changed = True
    if changed and article.status == ArticleStatus.PUBLISHED:
        bump_search_generation()
    return article, changed


def _record_status(article: Article, old: str, new: str, actor: Any, note: str) -> None:
    ArticleStatusChange.objects.create(
        article=article,
        old_status=old,
        new_status=new,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note[:200],
    )


@transaction.atomic
def transition_article(article: Article, target: str, *, actor: Any, note: str = "") -> Article:
    locked = Article.objects.select_for_update().get(pk=article.pk)
    current = ArticleStatus(locked.status)
    check_transition(ARTICLE_TRANSITIONS, current, ArticleStatus(target))
    locked.status = target
    fields = ["status", "updated_at"]
    if target == ArticleStatus.PUBLISHED:
        locked.published_at = timezone.now()
        locked.publish_at = None
        fields += ["published_at", "publish_at"]
    elif current == ArticleStatus.REVIEW and locked.publish_at is not None:
        locked.publish_at = None
        fields.append("publish_at")
    locked.save(update_fields=fields)
    _record_status(locked, current, target, actor, note)
    if ArticleStatus.PUBLISHED in (current, target):
        bump_search_generation()
    return locked


@transaction.atomic
def schedule_article(article: Article, publish_at: datetime | None, *, actor: Any) -> Article:
    """Publish an approved (in-review) article automatically at `publish_at`; None cancels."""
    locked = Article.objects.select_for_update().get(pk=article.pk)
    if publish_at is not None and (
        locked.status != ArticleStatus.REVIEW or publish_at <= timezone.now()
    ):
        raise ScheduleNotAllowedError()
    locked.publish_at = publish_at
    locked.save(update_fields=["publish_at", "updated_at"])
    return locked


def publish_due_articles(now: datetime | None = None) -> list[str]:
    """Publish every in-review article whose scheduled time has come. Idempotent."""
    now = now or timezone.now()
    published = []
    due = Article.objects.filter(status=ArticleStatus.REVIEW, publish_at__lte=now).values_list(
        "pk", flat=True
    )
    for pk in list(due):
        with transaction.atomic():
            article = Article.objects.select_for_update().get(pk=pk)
            if article.status != ArticleStatus.REVIEW or not article.publish_at:
                continue
            if article.publish_at > now:
                continue
            transition_article(
                article, ArticleStatus.PUBLISHED, actor=None, note="scheduled publication"
            )
            published.append(article.slug)
    return published


@transaction.atomic
def rollback_article(article: Article, language: str, number: int, *, actor: Any) -> bool:
    version = ArticleVersion.objects.filter(
        article=article, language=language, number=number
    ).first()
    if version is None:
        raise VersionNotFoundError()
    content = ArticleContent(version.title, version.summary, version.body, version.synonyms)
    changed = _write_translation(article, language, content, actor, f"rollback to v{number}")
    if changed and article.status == ArticleStatus.PUBLISHED:
        bump_search_generation()
    return changed


def version_diff(older: ArticleVersion, newer: ArticleVersion) -> list[str]:
    def lines(version: ArticleVersion) -> list[str]:
        return [
            f"# {version.title}",
            f"> {version.summary}",
            f"synonyms: {version.synonyms}",
            "",
            *version.body.splitlines(),
        ]

    return list(
        difflib.unified_diff(
            lines(older),
            lines(newer),
            fromfile=f"v{older.number}",
            tofile=f"v{newer.number}",
            lineterm="",
        )
    )


def assign_owner(article: Article, owner: Any) -> Article:
    """Make `owner` (a staff user) responsible for keeping the article up to date."""
    Article.objects.filter(pk=article.pk).update(owner=owner, updated_at=timezone.now())
    article.owner = owner
    return article


def set_related(article: Article, slugs: Iterable[str]) -> None:
    wanted = set(Article.objects.filter(slug__in=list(slugs)).exclude(pk=article.pk))
    current = set(article.related.all())
    if wanted != current:
        article.related.set(wanted)


def _check_video(upload: UploadedFile[bytes]) -> None:
    name = (upload.name or "").lower()
    if upload.size is None or upload.size > MAX_VIDEO_BYTES:
        raise InvalidVideoError(limit_mb=MAX_VIDEO_BYTES // (1024 * 1024))
    head = upload.read(16)
    upload.seek(0)
    is_mp4 = name.endswith(".mp4") and head[4:8] == b"ftyp"
    is_webm = name.endswith(".webm") and head[:4] == b"\x1a\x45\xdf\xa3"
    if not (is_mp4 or is_webm):
        raise InvalidVideoError(limit_mb=MAX_VIDEO_BYTES // (1024 * 1024))


def set_article_video(
    article: Article, *, upload: UploadedFile[bytes] | None = None, url: str | None = None
) -> Article:
    if upload is not None:
        _check_video(upload)
        article.video_file.save(upload.name or "video.mp4", upload, save=False)
    if url is not None:
        article.video_url = url
    article.save(update_fields=["video_file", "video_url", "updated_at"])
    return article


def record_view(article_id: int) -> None:
    Article.objects.filter(pk=article_id).update(view_count=F("view_count") + 1)


def record_feedback(
    article: Article, *, language: str, helpful: bool, reason: str = "", comment: str = ""
) -> ArticleFeedback:
    with transaction.atomic():
        feedback = ArticleFeedback.objects.create(
            article=article,
            language=language,
            helpful=helpful,
            reason=reason,
            comment=comment[:500],
        )
        counter = "helpful_yes" if helpful else "helpful_no"
        Article.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
    return feedback


# --- synonyms ---------------------------------------------------------------------------------


def add_synonym(language: str, term: str, canonical: str) -> tuple[Synonym, bool]:
    term, canonical = term.strip().lower()[:40], canonical.strip().lower()[:40]
    with transaction.atomic():
        synonym, created = Synonym.objects.get_or_create(
            language=language, term=term, canonical=canonical
        )
        if created:
            bump_search_generation()
    return synonym, created


def delete_synonym(synonym_id: int) -> None:
    with transaction.atomic():
        deleted, _ = Synonym.objects.filter(pk=synonym_id).delete()
        if deleted:
            bump_search_generation()


# --- search analytics -------------------------------------------------------------------------


def log_search(query: str, normalized: str, language: str, results_count: int) -> int:
    row = SearchQueryLog.objects.create(
        query=query[:100], normalized=normalized[:100], language=language,
        results_count=results_count,
    )  # fmt: skip
    return row.pk


def log_click(query_log_id: int, article_id: int, position: int) -> bool:
    if not SearchQueryLog.objects.filter(pk=query_log_id).exists():
        return False
    SearchClick.objects.create(
        query_log_id=query_log_id, article_id=article_id, position=max(0, min(position, 999))
    )
    return True


# --- announcements ----------------------------------------------------------------------------


def create_announcement(
    *,
    title: str,
    body: str,
    starts_at: datetime,
    ends_at: datetime | None = None,
    kind: str = AnnouncementKind.NOTICE,
    audience: str = Audience.EVERYONE,
    language: str = "",
    link: str = "",
    show_banner: bool = True,
    actor: Any = None,
) -> Announcement:
    return Announcement.objects.create(
        title=title,
        body=body,
        starts_at=starts_at,
        ends_at=ends_at,
        kind=kind,
        audience=audience,
        language=language,
        link=link,
        show_banner=show_banner,
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def end_announcement(announcement: Announcement) -> None:
    Announcement.objects.filter(pk=announcement.pk).update(ends_at=timezone.now())


# --- incidents --------------------------------------------------------------------------------


@transaction.atomic
def create_incident(
    *,
    title: str,
    title_en: str,
    components: Iterable[str],
    impact: str = ComponentState.DEGRADED,
    message: str,
    message_en: str,
    status: str = IncidentStatus.INVESTIGATING,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    actor: Any = None,
) -> Incident:
    incident = Incident.objects.create(
        title=title,
        title_en=title_en,
        impact=impact,
        status=status,
        starts_at=starts_at or timezone.now(),
        ends_at=ends_at,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    IncidentComponent.objects.bulk_create(
        [IncidentComponent(incident=incident, component=c) for c in dict.fromkeys(components)]
    )
    IncidentUpdate.objects.create(
        incident=incident,
        status=status,
        message=message,
        message_en=message_en,
        created_by=incident.created_by,
    )
    return incident


@transaction.atomic
def update_incident(
    incident: Incident,
    *,
    status: str,
    message: str,
    message_en: str,
    impact: str | None = None,
    actor: Any = None,
) -> Incident:
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    check_transition(INCIDENT_TRANSITIONS, IncidentStatus(locked.status), IncidentStatus(status))
    locked.status = status
    if impact:
        locked.impact = impact
    locked.resolved_at = timezone.now() if status == IncidentStatus.RESOLVED else None
    locked.save(update_fields=["status", "impact", "resolved_at"])
    IncidentUpdate.objects.create(
        incident=locked,
        status=status,
        message=message,
        message_en=message_en,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    return locked
