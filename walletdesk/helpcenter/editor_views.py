"""Editor pages for staff (agents, supervisors, admins): articles and their workflow,
versions, synonyms, search analytics, announcements and incidents."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from walletdesk.core.errors import WalletDeskError
from walletdesk.helpcenter import actions, selectors
from walletdesk.helpcenter.enums import ARTICLE_TRANSITIONS, ArticleStatus
from walletdesk.helpcenter.forms import (
    AnnouncementForm,
    ArticleEditForm,
    IncidentForm,
    IncidentUpdateForm,
    ScheduleForm,
    SynonymForm,
    TransitionForm,
)
from walletdesk.helpcenter.models import (
    Announcement,
    Article,
    ArticleStatusChange,
    ArticleTranslation,
    ArticleVersion,
    Incident,
    Synonym,
)

ViewT = TypeVar("ViewT", bound=Callable[..., HttpResponse])


def staff_required(view: ViewT) -> ViewT:
    """Anonymous → login page; logged-in customers → 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return cast(ViewT, wrapper)


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.replace("，", ",").split(",") if item.strip()]


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    articles = (
        Article.objects.select_related("category", "owner")
        .prefetch_related(
            Prefetch(
                "translations",
                queryset=ArticleTranslation.objects.only("id", "article_id", "language", "title"),
                to_attr="tr",
            )
        )
        .order_by("category__position", "position", "id")
    )
    if status in ArticleStatus.values:
        articles = articles.filter(status=status)
    rows = [
        {"article": a, "translation": selectors.pick_translation(a.tr, "zh-hans")} for a in articles
    ]
    return render(
        request,
        "helpcenter/editor/dashboard.html",
        {"rows": rows, "statuses": ArticleStatus.choices, "status": status},
    )


def _initial(article: Article) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "slug": article.slug,
        "category": article.category_id,
        "intents": ", ".join(article.intents),
        "related": ", ".join(article.related.values_list("slug", flat=True)),
        "video_url": article.video_url,
    }
    for translation in article.translations.all():
        prefix = "zh" if translation.language == "zh-hans" else "en"
        initial.update(
            {
                f"{prefix}_title": translation.title,
                f"{prefix}_summary": translation.summary,
                f"{prefix}_synonyms": translation.synonyms,
                f"{prefix}_body": translation.body,
            }
        )
    return initial


def _save(request: HttpRequest, form: ArticleEditForm, article: Article | None) -> Article:
    data = form.cleaned_data
    contents = {
        "zh-hans": actions.ArticleContent(
            data["zh_title"], data["zh_summary"], data["zh_body"], data["zh_synonyms"]
        )
    }
    if data.get("en_title"):
        contents["en"] = actions.ArticleContent(
            data["en_title"], data["en_summary"], data["en_body"], data["en_synonyms"]
        )
    saved, _changed = actions.save_article(
        slug=article.slug if article else data["slug"],
        category=data["category"],
        contents=contents,
        actor=request.user,
        note=data["note"],
        intents=_split(data["intents"]),
        owner=request.user if article is None else None,
    )
    actions.set_related(saved, _split(data["related"]))
    upload = request.FILES.get("video_file")
    if upload is not None or data["video_url"] != saved.video_url:
        actions.set_article_video(saved, upload=upload, url=data["video_url"])
    return saved


@staff_required
@require_http_methods(["GET", "POST"])
def edit_article(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug) if slug else None
    if request.method == "POST":
        form = ArticleEditForm(request.POST, request.FILES)
        if article is not None:
            form.fields["slug"].required = False  # the slug of an existing article is fixed
        is_new_slug = article is None and form.is_valid()
        if is_new_slug and Article.objects.filter(slug=form.cleaned_data["slug"]).exists():
            form.add_error("slug", _("An article with this slug already exists."))
        if form.is_valid():
            try:
                saved = _save(request, form, article)
            except WalletDeskError as exc:
                form.add_error(None, exc.user_message)
            else:
                messages.success(request, _("Saved."))
                return redirect("helpcenter:editor-article", slug=saved.slug)
    else:
        form = ArticleEditForm(initial=_initial(article) if article else {})
    context: dict[str, Any] = {"form": form, "article": article}
    if article is not None:
        context.update(
            {
                "history": ArticleStatusChange.objects.filter(article=article)
                .select_related("actor")
                .order_by("-created_at", "-id")[:20],
                "targets": [
                    (s.value, s.label)
                    for s in ArticleStatus
                    if s in ARTICLE_TRANSITIONS[ArticleStatus(article.status)]
                ],
                "schedule_form": ScheduleForm(initial={"publish_at": article.publish_at}),
            }
        )
    return render(request, "helpcenter/editor/article_form.html", context)


@staff_required
@require_POST
def transition(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            actions.transition_article(
                article, form.cleaned_data["target"], actor=request.user,
                note=form.cleaned_data["note"],
            )  # fmt: skip
            messages.success(request, _("Status changed."))
        except WalletDeskError as exc:
            messages.error(request, exc.user_message)
    return redirect("helpcenter:editor-article", slug=slug)


@staff_required
@require_POST
def take_ownership(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    actions.assign_owner(article, request.user)
    messages.success(request, _("You are now the owner of this article."))
    return redirect("helpcenter:editor-article", slug=slug)


@staff_required
@require_POST
def schedule(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            actions.schedule_article(article, form.cleaned_data["publish_at"], actor=request.user)
            messages.success(request, _("Schedule saved."))
        except WalletDeskError as exc:
            messages.error(request, exc.user_message)
    return redirect("helpcenter:editor-article", slug=slug)


@staff_required
def versions(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    language = "en" if request.GET.get("lang") == "en" else "zh-hans"
    all_versions = list(
        ArticleVersion.objects.filter(article=article, language=language)
        .select_related("created_by")
        .order_by("-number")
    )
    diff: list[str] = []
    by_number = {v.number: v for v in all_versions}
    a, b = request.GET.get("a", ""), request.GET.get("b", "")
    if a.isdigit() and b.isdigit() and int(a) in by_number and int(b) in by_number:
        diff = actions.version_diff(by_number[int(a)], by_number[int(b)])
    elif len(all_versions) >= 2:
        diff = actions.version_diff(all_versions[1], all_versions[0])
    return render(
        request,
        "helpcenter/editor/versions.html",
        {"article": article, "versions": all_versions, "diff": diff, "language": language},
    )


@staff_required
@require_POST
def rollback(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    language = "en" if request.POST.get("lang") == "en" else "zh-hans"
    number = request.POST.get("number", "")
    if not number.isdigit():
        raise Http404
    try:
        actions.rollback_article(article, language, int(number), actor=request.user)
        messages.success(request, _("Rolled back to version %(number)s.") % {"number": number})
    except WalletDeskError as exc:
        messages.error(request, exc.user_message)
    return redirect(reverse("helpcenter:editor-versions", args=[slug]) + f"?lang={language}")


@staff_required
@require_http_methods(["GET", "POST"])
def synonyms(request: HttpRequest) -> HttpResponse:
    form = SynonymForm(request.POST or None)
    if request.method == "POST":
        delete_id = request.POST.get("delete", "")
        if delete_id.isdigit():
            actions.delete_synonym(int(delete_id))
            messages.success(request, _("Synonym removed."))
            return redirect("helpcenter:editor-synonyms")
        if form.is_valid():
            actions.add_synonym(
                form.cleaned_data["language"], form.cleaned_data["term"],
                form.cleaned_data["canonical"],
            )  # fmt: skip
            messages.success(request, _("Synonym added."))
            return redirect("helpcenter:editor-synonyms")
    return render(
        request,
        "helpcenter/editor/synonyms.html",
        {"form": form, "synonyms": Synonym.objects.order_by("language", "term", "canonical")},
    )


@staff_required
def analytics(request: HttpRequest) -> HttpResponse:
    days = request.GET.get("days", "30")
    stats = selectors.search_analytics(days=int(days) if days in {"7", "30", "90"} else 30)
    return render(request, "helpcenter/editor/analytics.html", {"stats": stats})


@staff_required
@require_http_methods(["GET", "POST"])
def announcements(request: HttpRequest) -> HttpResponse:
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST":
        end_id = request.POST.get("end", "")
        if end_id:
            announcement = get_object_or_404(Announcement, public_id=end_id)
            actions.end_announcement(announcement)
            return redirect("helpcenter:editor-announcements")
        if form.is_valid():
            actions.create_announcement(**form.cleaned_data, actor=request.user)
            messages.success(request, _("Announcement published."))
            return redirect("helpcenter:editor-announcements")
    return render(
        request,
        "helpcenter/editor/announcements.html",
        {"form": form, "items": Announcement.objects.order_by("-starts_at", "-id")[:50]},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def incidents(request: HttpRequest) -> HttpResponse:
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        incident = actions.create_incident(**form.cleaned_data, actor=request.user)
        messages.success(request, _("Incident created."))
        return redirect("helpcenter:editor-incident", public_id=incident.public_id)
    return render(
        request,
        "helpcenter/editor/incidents.html",
        {
            "form": form,
            "items": Incident.objects.prefetch_related("components").order_by("-starts_at")[:50],
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def incident_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    incident = get_object_or_404(
        Incident.objects.prefetch_related("components"), public_id=public_id
    )
    form = IncidentUpdateForm(
        request.POST or None, initial={"status": incident.status, "impact": incident.impact}
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_incident(incident, **form.cleaned_data, actor=request.user)
            messages.success(request, _("Update posted."))
            return redirect("helpcenter:editor-incident", public_id=public_id)
        except WalletDeskError as exc:
            form.add_error(None, exc.user_message)
    return render(
        request,
        "helpcenter/editor/incident_detail.html",
        {
            "incident": incident,
            "form": form,
            "updates": incident.updates.order_by("-created_at", "-id"),
        },
    )
