"""The help center as other apps see it (assistant, console): search, one article, and
"is anything affecting component X right now?"."""

from __future__ import annotations

from django.urls import reverse

from walletdesk.helpcenter import selectors
from walletdesk.helpcenter.contracts import ArticleDetail, ArticleHit, IncidentSummary
from walletdesk.helpcenter.enums import Component
from walletdesk.helpcenter.errors import ArticleNotFoundError
from walletdesk.helpcenter.models import Incident
from walletdesk.helpcenter.search import service

__all__ = [
    "ArticleDetail",
    "ArticleHit",
    "Component",
    "IncidentSummary",
    "affecting_incidents",
    "article_for_intent",
    "get_article",
    "open_incident",
    "search_articles",
]


def search_articles(query: str, lang: str | None = None, limit: int = 5) -> list[ArticleHit]:
    """Published articles matching `query`, best first (typo- and synonym-tolerant)."""
    results = service.search(query, selectors.normalize_language(lang), limit)
    return [
        ArticleHit(
            slug=hit.slug,
            language=hit.language,
            title=hit.title,
            summary=hit.summary,
            snippet_html=str(hit.snippet_html),
            url=reverse("helpcenter:article", args=[hit.slug]),
            score=hit.score,
        )
        for hit in results.hits
    ]


def get_article(slug: str, lang: str | None = None) -> ArticleDetail | None:
    """A published article in `lang` (falling back to zh-hans), or None."""
    try:
        page = selectors.article_page(slug, selectors.normalize_language(lang))
    except ArticleNotFoundError:
        return None
    translation = page.translation
    return ArticleDetail(
        slug=page.article.slug,
        language=translation.language,
        title=translation.title,
        summary=translation.summary,
        body_markdown=translation.body,
        body_html=translation.body_html,
        plain_text=translation.plain_text,
        url=reverse("helpcenter:article", args=[page.article.slug]),
        category=page.article.category.slug,
        intents=tuple(page.article.intents),
        updated_at=translation.updated_at,
    )


def incident_summary(incident: Incident) -> IncidentSummary:
    updates = list(incident.updates.all())
    latest = updates[0] if updates else None
    return IncidentSummary(
        public_id=str(incident.public_id),
        title=incident.title,
        title_en=incident.title_en,
        status=incident.status,
        impact=incident.impact,
        components=tuple(sorted(link.component for link in incident.components.all())),
        starts_at=incident.starts_at,
        ends_at=incident.ends_at,
        latest_message=latest.message if latest else "",
        latest_message_en=latest.message_en if latest else "",
        url=reverse("helpcenter:status") + f"#incident-{incident.public_id}",
    )


def affecting_incidents(component: str | None = None) -> list[IncidentSummary]:
    """Open incidents and running maintenance affecting `component` (one of `Component`),
    or every component when None. Empty list means it is operating normally."""
    if component is not None and component not in Component.values:
        raise ValueError(f"unknown component {component!r}; use one of {Component.values}")
    return [incident_summary(incident) for incident in selectors.active_incidents(component)]


def open_incident(
    *,
    title: str,
    title_en: str,
    components: tuple[str, ...],
    message: str,
    message_en: str,
    impact: str = "degraded",
) -> IncidentSummary:
    """Open an incident on `components` (each one of `Component`), as staff would on the status
    page; one still open with the same English title is returned instead (demo seeding runs
    again and again)."""
    from django.db import transaction

    from walletdesk.helpcenter import actions
    from walletdesk.helpcenter.enums import OPEN_INCIDENT_STATUSES

    unknown = set(components) - set(Component.values)
    if unknown:
        raise ValueError(f"unknown components {sorted(unknown)}; use some of {Component.values}")
    existing = Incident.objects.filter(title_en=title_en, status__in=OPEN_INCIDENT_STATUSES).first()
    if existing is None:
        with transaction.atomic():
            existing = actions.create_incident(
                title=title,
                title_en=title_en,
                components=components,
                impact=impact,
                message=message,
                message_en=message_en,
            )
    return incident_summary(existing)


def article_for_intent(intent: str, lang: str | None = None) -> ArticleDetail | None:
    """The published article written for an assistant intent (the first by position), or None."""
    from walletdesk.helpcenter.enums import ArticleStatus
    from walletdesk.helpcenter.models import Article

    rows = Article.objects.filter(status=ArticleStatus.PUBLISHED).order_by("position", "pk")
    # Intents are a JSON list; a contains lookup is not portable to SQLite, and there are only a
    # few dozen published articles.
    for slug, intents in rows.values_list("slug", "intents"):
        if intent in (intents or []):
            return get_article(slug, lang)
    return None
