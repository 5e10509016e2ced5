"""Satisfaction surveys: the page a rating link in the survey mail opens (no sign-in needed: the
signed link is the permission), and the supervisors' results page in the desk.

Thin: parse, call one action or selector, render.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from walletdesk.core.errors import ValidationFailedError, WalletDeskError
from walletdesk.identity import facade as identity_facade
from walletdesk.tickets import actions, csat
from walletdesk.tickets.forms import RatingForm

VIEW_CSAT_REPORT = "tickets.view_csat_report"
REPORT_DAYS_DEFAULT = 30


@never_cache
@require_http_methods(["GET", "POST"])
def rate_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        page = csat.survey_page(token)
    except WalletDeskError as exc:
        return _link_refused(request, exc)
    if request.method == "GET":
        form = RatingForm(initial={"score": page.score})
        return render(request, "tickets/csat_rate.html", {"page": page, "form": form})
    form = RatingForm(request.POST)
    if not form.is_valid():
        return render(request, "tickets/csat_rate.html", {"page": page, "form": form}, status=400)
    try:
        actions.rate_with_link(token, form.cleaned_data["score"], form.cleaned_data["comment"])
    except ValidationFailedError as exc:
        for name, errors in dict(exc.details.get("fields", {})).items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
        return render(request, "tickets/csat_rate.html", {"page": page, "form": form}, status=400)
    except WalletDeskError as exc:
        return _link_refused(request, exc)
    return render(request, "tickets/csat_done.html", {"page": page})


def _link_refused(request: HttpRequest, exc: WalletDeskError) -> HttpResponse:
    return render(
        request,
        "tickets/csat_refused.html",
        {"code": exc.code, "message": exc.user_message},
        status=exc.http_status,
    )


def csat_permission_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        user: Any = request.user
        if not (user.is_active and user.is_staff and user.has_perm(VIEW_CSAT_REPORT)):
            identity_facade.record_access_denied(request, VIEW_CSAT_REPORT)
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _day(value: str | None, default: datetime) -> datetime:
    parsed = parse_date(value or "")
    if parsed is None:
        return default
    return timezone.make_aware(datetime.combine(parsed, time.min))


@require_GET
@csat_permission_required
def csat_report(request: HttpRequest) -> HttpResponse:
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    since = _day(request.GET.get("since"), today - timedelta(days=REPORT_DAYS_DEFAULT - 1))
    until = _day(request.GET.get("until"), today) + timedelta(days=1)
    if until <= since:
        since = until - timedelta(days=1)
    report = csat.csat_report(since, until, get_language() or "zh-hans")
    return render(
        request,
        "tickets/desk/csat.html",
        {
            "report": report,
            "since": timezone.localtime(since).date(),
            "until": timezone.localtime(until - timedelta(days=1)).date(),
            "sections": [
                ("by-agent", report.by_agent),
                ("by-team", report.by_team),
                ("by-category", report.by_category),
            ],
        },
    )
