"""Reads. Every page needs a fixed, small number of queries (pinned in tests)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from walletdesk.helpcenter.enums import (
    DEFAULT_LANGUAGE,
    OPEN_INCIDENT_STATUSES,
    STATE_SEVERITY,
    ArticleStatus,
    Audience,
    Component,
    ComponentState,
    IncidentStatus,
)
from walletdesk.helpcenter.errors import ArticleNotFoundError
from walletdesk.helpcenter.models import (
    Announcement,
    Article,
    ArticleTranslation,
    Category,
    CategoryTranslation,
    Incident,
    IncidentUpdate,
    SearchClick,
    SearchIndexState,
    SearchQueryLog,
    Synonym,
)
from walletdesk.helpcenter.search.backends import SearchDocument


def normalize_language(language: str | None) -> str:
    if language and language.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def _languages(language: str) -> list[str]:
    return list(dict.fromkeys([language, DEFAULT_LANGUAGE]))


def pick_translation(translations: Iterable[Any], language: str) -> Any:
    """The translation in `language`, else in the default language, else any."""
    by_language = {t.language: t for t in translations}
    return (
        by_language.get(language)
        or by_language.get(DEFAULT_LANGUAGE)
        or next(iter(by_language.values()), None)
    )


# --- search support ---------------------------------------------------------------------------


def search_generation() -> str:
    """The current content version ("" when nothing was ever indexed); one indexed query."""
    value = SearchIndexState.objects.values_list("token", flat=True).first()
    return value or ""


def published_search_documents() -> list[SearchDocument]:
    rows = ArticleTranslation.objects.filter(article__status=ArticleStatus.PUBLISHED).values_list(
        "article_id", "language", "title", "summary", "synonyms", "plain_text"
    )
    return [SearchDocument(*row) for row in rows]


_synonym_cache: dict[str, Any] = {"generation": None, "pairs": {}}


def synonym_pairs(language: str, generation: str) -> list[tuple[str, str]]:
    """Staff-edited synonyms for the query language (cached per content generation)."""
    if not generation or _synonym_cache["generation"] != generation:
        pairs: dict[str, list[tuple[str, str]]] = {}
        for lang, term, canonical in Synonym.objects.values_list("language", "term", "canonical"):
            pairs.setdefault(lang, []).append((term.lower(), canonical.lower()))
        _synonym_cache["generation"] = generation
        _synonym_cache["pairs"] = pairs
    all_pairs: dict[str, list[tuple[str, str]]] = _synonym_cache["pairs"]
    # Users mix languages (「app 闪退」), so both lists apply; the query language first.
    other = "en" if language == DEFAULT_LANGUAGE else DEFAULT_LANGUAGE
    return [*all_pairs.get(language, []), *all_pairs.get(other, [])]


def translations_for_hits(hits: Sequence[tuple[int, str]]) -> dict[tuple[int, str], Any]:
    if not hits:
        return {}
    query = Q()
    for article_id, language in hits:
        query |= Q(article_id=article_id, language=language)
    rows = ArticleTranslation.objects.filter(query).select_related("article")
    return {(row.article_id, row.language): row for row in rows}


# --- pages ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryCard:
    slug: str
    name: str
    description: str
    icon: str
    section: str
    article_count: int


@dataclass(frozen=True)
class ArticleCard:
    id: int
    slug: str
    title: str
    summary: str
    language: str


def _translation_prefetch(language: str, to_attr: str = "tr") -> Prefetch[Any]:
    return Prefetch(
        "translations",
        queryset=ArticleTranslation.objects.filter(language__in=_languages(language)).only(
            "id", "article_id", "language", "title", "summary"
        ),
        to_attr=to_attr,
    )


def _card(article: Article, language: str) -> ArticleCard | None:
    translation = pick_translation(article.tr, language)  # type: ignore[attr-defined]
    if translation is None:
        return None
    return ArticleCard(
        article.pk, article.slug, translation.title, translation.summary, translation.language
    )


def _cards(articles: Iterable[Article], language: str) -> list[ArticleCard]:
    return [card for article in articles if (card := _card(article, language))]


def category_cards(language: str) -> list[CategoryCard]:
    categories = (
        Category.objects.annotate(
            article_count=Count("articles", filter=Q(articles__status=ArticleStatus.PUBLISHED))
        )
        .prefetch_related(
            Prefetch(
                "translations",
                queryset=CategoryTranslation.objects.filter(language__in=_languages(language)),
                to_attr="tr",
            )
        )
        .order_by("position", "id")
    )
    cards = []
    for category in categories:
        translation = pick_translation(category.tr, language)
        cards.append(
            CategoryCard(
                category.slug,
                translation.name if translation else category.slug,
                translation.description if translation else "",
                category.icon,
                category.section,
                category.article_count,
            )
        )
    return cards


def popular_articles(language: str, limit: int = 6) -> list[ArticleCard]:
    articles = (
        Article.objects.filter(status=ArticleStatus.PUBLISHED)
        .order_by("-view_count", "position", "id")
        .only("id", "slug")
        .prefetch_related(_translation_prefetch(language))[:limit]
    )
    return _cards(articles, language)


@dataclass(frozen=True)
class CategoryPage:
    card: CategoryCard
    articles: list[ArticleCard]


def category_page(slug: str, language: str) -> CategoryPage:
    category = (
        Category.objects.filter(slug=slug)
        .prefetch_related(
            Prefetch(
                "translations",
                queryset=CategoryTranslation.objects.filter(language__in=_languages(language)),
                to_attr="tr",
            ),
            Prefetch(
                "articles",
                queryset=Article.objects.filter(status=ArticleStatus.PUBLISHED)
                .order_by("position", "id")
                .only("id", "slug", "category_id")
                .prefetch_related(_translation_prefetch(language)),
                to_attr="published",
            ),
        )
        .first()
    )
    if category is None:
        raise ArticleNotFoundError()
    translation = pick_translation(category.tr, language)
    articles = _cards(category.published, language)
    card = CategoryCard(
        category.slug,
        translation.name if translation else category.slug,
        translation.description if translation else "",
        category.icon,
        category.section,
        len(articles),
    )
    return CategoryPage(card, articles)


@dataclass(frozen=True)
class ArticlePage:
    article: Article
    translation: ArticleTranslation
    category_name: str
    related: list[ArticleCard] = field(default_factory=list)


def article_page(slug: str, language: str, *, include_unpublished: bool = False) -> ArticlePage:
    articles = Article.objects.filter(slug=slug)
    if not include_unpublished:
        articles = articles.filter(status=ArticleStatus.PUBLISHED)
    article = (
        articles.select_related("category")
        .prefetch_related(
            Prefetch(
                "translations",
                queryset=ArticleTranslation.objects.filter(language__in=_languages(language)),
                to_attr="full",
            ),
            Prefetch(
                "category__translations",
                queryset=CategoryTranslation.objects.filter(language__in=_languages(language)),
                to_attr="tr",
            ),
            Prefetch(
                "related",
                queryset=Article.objects.filter(status=ArticleStatus.PUBLISHED)
                .only("id", "slug")
                .prefetch_related(_translation_prefetch(language)),
                to_attr="published_related",
            ),
        )
        .first()
    )
    if article is None:
        raise ArticleNotFoundError()
    translation = pick_translation(article.full, language)
    if translation is None:
        raise ArticleNotFoundError()
    category_translation = pick_translation(article.category.tr, language)  # type: ignore[attr-defined]
    return ArticlePage(
        article=article,
        translation=translation,
        category_name=category_translation.name if category_translation else article.category.slug,
        related=_cards(article.published_related, language),
    )


# --- announcements ----------------------------------------------------------------------------


def _audiences(is_staff: bool) -> list[str]:
    return [Audience.EVERYONE, Audience.STAFF if is_staff else Audience.CUSTOMERS]


def active_announcements(
    language: str, *, is_staff: bool = False, now: datetime | None = None, banner_only: bool = False
) -> QuerySet[Announcement]:
    now = now or timezone.now()
    qs = Announcement.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        starts_at__lte=now,
        language__in=["", language],
        audience__in=_audiences(is_staff),
    )
    if banner_only:
        qs = qs.filter(show_banner=True)
    return qs.order_by("-starts_at", "-id")


def recent_announcements(
    language: str, *, is_staff: bool = False, limit: int = 50
) -> QuerySet[Announcement]:
    """Current and past announcements (newest first), for the list page and the feed."""
    return Announcement.objects.filter(
        starts_at__lte=timezone.now(),
        language__in=["", language],
        audience__in=_audiences(is_staff),
    ).order_by("-starts_at", "-id")[:limit]


# --- status page ------------------------------------------------------------------------------


def _active_incident_filter(now: datetime) -> Q:
    in_window = Q(status=IncidentStatus.SCHEDULED, starts_at__lte=now) & (
        Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )
    return Q(status__in=OPEN_INCIDENT_STATUSES, starts_at__lte=now) | in_window


def active_incidents(
    component: str | None = None, now: datetime | None = None
) -> QuerySet[Incident]:
    now = now or timezone.now()
    qs = Incident.objects.filter(_active_incident_filter(now))
    if component is not None:
        qs = qs.filter(components__component=component)
    return qs.prefetch_related(
        "components",
        Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-created_at", "-id")),
    ).order_by("-starts_at", "-id")


@dataclass(frozen=True)
class ComponentStatus:
    code: str
    label: str
    state: str
    state_label: str
    severity: int


def component_statuses(incidents: Iterable[Incident]) -> list[ComponentStatus]:
    worst: dict[str, str] = {}
    for incident in incidents:
        for link in incident.components.all():
            current = worst.get(link.component, ComponentState.OPERATIONAL)
            if STATE_SEVERITY[incident.impact] > STATE_SEVERITY[current]:
                worst[link.component] = incident.impact
    statuses = []
    for component in Component:
        state = ComponentState(worst.get(component.value, ComponentState.OPERATIONAL))
        statuses.append(
            ComponentStatus(
                component.value, str(component.label), state.value, str(state.label),
                STATE_SEVERITY[state.value],
            )
        )  # fmt: skip
    return statuses


def incident_history(days: int = 30, limit: int = 30) -> QuerySet[Incident]:
    since = timezone.now() - timedelta(days=days)
    return (
        Incident.objects.filter(starts_at__gte=since)
        .prefetch_related(
            "components",
            Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-created_at", "-id")),
        )
        .order_by("-starts_at", "-id")[:limit]
    )


def upcoming_maintenance(now: datetime | None = None) -> QuerySet[Incident]:
    now = now or timezone.now()
    return (
        Incident.objects.filter(status=IncidentStatus.SCHEDULED, starts_at__gt=now)
        .prefetch_related("components")
        .order_by("starts_at", "id")[:10]
    )


# --- analytics --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryStat:
    normalized: str
    searches: int
    clicks: int
    zero_results: int


def search_analytics(days: int = 30, limit: int = 50) -> dict[str, Any]:
    since = timezone.now() - timedelta(days=days)
    logs = SearchQueryLog.objects.filter(created_at__gte=since)
    top = (
        logs.values("normalized")
        .annotate(
            searches=Count("id", distinct=True),
            click_count=Count("clicks", distinct=True),
            zero=Count("id", filter=Q(results_count=0), distinct=True),
        )
        .order_by("-searches", "normalized")[:limit]
    )
    gaps = (
        logs.filter(results_count=0)
        .values("normalized")
        .annotate(searches=Count("id"))
        .order_by("-searches", "normalized")[:limit]
    )
    no_click = (
        logs.filter(results_count__gt=0, clicks__isnull=True)
        .values("normalized")
        .annotate(searches=Count("id"))
        .order_by("-searches", "normalized")[:limit]
    )
    totals = logs.aggregate(
        searches=Count("id", distinct=True),
        zero=Count("id", filter=Q(results_count=0), distinct=True),
    )
    clicks = SearchClick.objects.filter(created_at__gte=since).count()
    return {
        "top": [
            QueryStat(row["normalized"], row["searches"], row["click_count"], row["zero"])
            for row in top
        ],
        "gaps": list(gaps),
        "no_click": list(no_click),
        "searches": totals["searches"] or 0,
        "zero": totals["zero"] or 0,
        "clicks": clicks,
        "days": days,
    }
