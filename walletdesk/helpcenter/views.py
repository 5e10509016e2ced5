"""Public help-center pages (thin: parse, call a selector or action, render)."""

from __future__ import annotations

import mimetypes
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from walletdesk.helpcenter import actions, selectors
from walletdesk.helpcenter.enums import ArticleStatus
from walletdesk.helpcenter.errors import ArticleNotFoundError
from walletdesk.helpcenter.forms import FeedbackForm, SearchForm
from walletdesk.helpcenter.models import Article
from walletdesk.helpcenter.search import service


def _language() -> str:
    return selectors.normalize_language(get_language())


def _is_staff(request: HttpRequest) -> bool:
    return bool(request.user.is_authenticated and request.user.is_staff)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    language = _language()
    categories = selectors.category_cards(language)
    return render(
        request,
        "helpcenter/home.html",
        {
            "topics": [c for c in categories if c.section == "topic"],
            "security": [c for c in categories if c.section == "security"],
            "popular": selectors.popular_articles(language),
            "form": SearchForm(),
        },
    )


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    language = _language()
    form = SearchForm(request.GET)
    raw = form.query()
    results = service.search(raw, language, limit=10 if request.htmx else 20)  # type: ignore[attr-defined]
    context: dict[str, Any] = {"form": form, "q": raw, "results": results, "query_id": None}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "helpcenter/includes/results.html", context)
    if raw.strip():
        context["query_id"] = actions.log_search(
            raw, results.query.text, language, len(results.hits)
        )
    return render(request, "helpcenter/search.html", context)


@require_GET
def category(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        page = selectors.category_page(slug, _language())
    except ArticleNotFoundError as exc:
        raise Http404 from exc
    return render(request, "helpcenter/category.html", {"page": page})


def _record_click(request: HttpRequest, article_id: int) -> None:
    query_id, position = request.GET.get("qid", ""), request.GET.get("pos", "0")
    # ASCII digits with a bounded length: int() of a 4,301-digit or "²" string raises.
    if (
        query_id.isascii()
        and query_id.isdigit()
        and len(query_id) < 19
        and position.isascii()
        and position.isdigit()
        and len(position) < 4
    ):
        actions.log_click(int(query_id), article_id, int(position))


@require_GET
def article(request: HttpRequest, slug: str) -> HttpResponse:
    preview = _is_staff(request) and request.GET.get("preview") == "1"
    try:
        page = selectors.article_page(slug, _language(), include_unpublished=preview)
    except ArticleNotFoundError as exc:
        raise Http404 from exc
    if page.article.status == ArticleStatus.PUBLISHED:
        actions.record_view(page.article.pk)
        _record_click(request, page.article.pk)
    return render(
        request,
        "helpcenter/article.html",
        {
            "page": page,
            "article": page.article,
            "translation": page.translation,
            "feedback_form": FeedbackForm(),
            "video_link": _allowed_video_link(page.article.video_url),
            "preview": preview,
        },
    )


def _allowed_video_link(url: str) -> dict[str, str] | None:
    """Video links are shown only for allow-listed hosts, as a link (the CSP allows no frames)."""
    if not url:
        return None
    parts = urlsplit(url)
    hosts = set(getattr(settings, "HELPCENTER_VIDEO_HOSTS", ()))
    if parts.scheme != "https" or (parts.hostname or "") not in hosts:
        return None
    return {"url": url, "host": parts.hostname or ""}


@require_GET
def article_video(request: HttpRequest, slug: str) -> FileResponse:
    video = (
        Article.objects.filter(slug=slug, status=ArticleStatus.PUBLISHED)
        .values_list("video_file", flat=True)
        .first()
    )
    if not video:
        raise Http404
    storage = Article._meta.get_field("video_file").storage
    if not storage.exists(video):
        raise Http404
    content_type = mimetypes.guess_type(video)[0] or "application/octet-stream"
    response = FileResponse(storage.open(video, "rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def feedback(request: HttpRequest, slug: str) -> HttpResponse:
    target = Article.objects.filter(slug=slug, status=ArticleStatus.PUBLISHED).first()
    if target is None:
        raise Http404
    form = FeedbackForm(request.POST)
    if form.is_valid():
        already = request.session.get("hc_feedback", [])
        if target.pk not in already:
            actions.record_feedback(
                target,
                language=_language(),
                helpful=form.cleaned_data["helpful"],
                reason=form.cleaned_data["reason"] if not form.cleaned_data["helpful"] else "",
                comment=form.cleaned_data["comment"],
            )
            request.session["hc_feedback"] = [*already[-50:], target.pk]
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "helpcenter/includes/feedback_thanks.html", {"form": form})
    return HttpResponseRedirect(reverse("helpcenter:article", args=[target.slug]) + "#feedback")


@require_GET
def status(request: HttpRequest) -> HttpResponse:
    active = list(selectors.active_incidents())
    active_ids = {incident.pk for incident in active}
    return render(
        request,
        "helpcenter/status.html",
        {
            "components": selectors.component_statuses(active),
            "active": active,
            "upcoming": list(selectors.upcoming_maintenance()),
            "history": [i for i in selectors.incident_history() if i.pk not in active_ids],
        },
    )


@require_GET
def announcements(request: HttpRequest) -> HttpResponse:
    language = _language()
    items = list(selectors.recent_announcements(language, is_staff=_is_staff(request)))
    return render(request, "helpcenter/announcements.html", {"items": items})
