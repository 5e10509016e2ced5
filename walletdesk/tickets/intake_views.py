"""Pages of the intake channels: the public contact form (no sign-in), the customer's call-back
request; on the desk, logging a call, linking a contact's ticket to an account, a suggestion's
status, staff pages and the complaint exports for the regulator.

Thin: parse, call one action (or read), render.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from walletdesk.core.client_address import client_address
from walletdesk.core.errors import ValidationFailedError, WalletDeskError
from walletdesk.core.masking import mask_email
from walletdesk.identity import facade as identity_facade
from walletdesk.notifications import facade as notifications_facade
from walletdesk.tickets import complaint_export, intake, presenters
from walletdesk.tickets.desk_views import _actor, _do, desk_permission_required
from walletdesk.tickets.errors import ContactCodeInvalidError, ContactRateLimitedError
from walletdesk.tickets.intake_forms import CallbackForm, ContactCodeForm, ContactForm
from walletdesk.tickets.models import Category
from walletdesk.tickets.views import customer_only

EXPORT_COMPLAINTS = "tickets.export_complaints"


def _form_errors(form: Any, error: WalletDeskError) -> None:
    if isinstance(error, ValidationFailedError):
        for field, problems in error.details.get("fields", {}).items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.user_message)


# --- The public contact form ---------------------------------------------------------------------


def _public_topics() -> list[tuple[str, str]]:
    language = get_language() or "zh-hans"
    rows = {row.slug: row for row in Category.objects.filter(slug__in=intake.PUBLIC_TOPICS)}
    return [(slug, rows[slug].name_in(language)) for slug in intake.PUBLIC_TOPICS if slug in rows]


def contact(request: HttpRequest) -> HttpResponse:
    """For people who cannot sign in. Signed-in customers use their own support pages."""
    if getattr(request.user, "is_customer", False):
        return redirect("tickets:new")
    topics = _public_topics()
    form = ContactForm(request.POST or None, topics=topics)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            started = intake.start_contact(
                email=data["email"],
                phone=data["phone"],
                name=data["name"],
                topic=data["topic"],
                subject=data["subject"],
                body=data["body"],
                language=get_language() or "zh-hans",
                ip=client_address(request),
            )
        except ContactRateLimitedError as error:
            form.add_error(None, error.user_message)
            status = 429
        except WalletDeskError as error:
            _form_errors(form, error)
        else:
            request.session["contact_email_masked"] = mask_email(started.email)
            return redirect("tickets:contact_verify", public_id=started.public_id)
    return render(request, "tickets/contact.html", {"form": form}, status=status)


def contact_verify(request: HttpRequest, public_id: str) -> HttpResponse:
    form = ContactCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = intake.verify_contact(public_id, form.cleaned_data["code"])
        except ContactCodeInvalidError as error:
            form.add_error("code", error.user_message)
        except WalletDeskError as error:
            _form_errors(form, error)
        else:
            request.session.pop("contact_email_masked", None)
            return render(request, "tickets/contact_done.html", {"number": ticket.number})
    pending = intake.pending_contact(public_id)
    return render(
        request,
        "tickets/contact_verify.html",
        {
            "form": form,
            "pending": pending is not None,
            "email_masked": request.session.get("contact_email_masked", ""),
            "minutes": intake.CONTACT_CODE_MINUTES,
        },
        status=200 if pending is not None or request.method == "POST" else 404,
    )


# --- Call-back requests ---------------------------------------------------------------------------


@customer_only
def callback(request: HttpRequest) -> HttpResponse:
    actor = presenters.actor_for(request)
    language = get_language() or "zh-hans"
    categories = presenters.category_tree(language)
    initial = {"phone": getattr(request.user, "phone", "") or ""}
    form = CallbackForm(request.POST or None, initial=initial, categories=categories)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = intake.request_callback(
                actor,
                phone=data["phone"],
                preferred_at=data["preferred_at"],
                topic=data["topic"],
                note=data["note"],
                language=language,
            )
        except WalletDeskError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request,
                _("We will call you around %(time)s. Your ticket number is %(number)s.")
                % {
                    "time": f"{timezone.localtime(data['preferred_at']):%Y-%m-%d %H:%M}",
                    "number": ticket.number,
                },
            )
            return redirect("tickets:detail", number=ticket.number)
    earliest, latest = intake.callback_window()
    return render(
        request,
        "tickets/callback.html",
        {
            "form": form,
            "nav": "support",
            "earliest": timezone.localtime(earliest),
            "latest": timezone.localtime(latest),
        },
    )


# --- On the desk --------------------------------------------------------------------------------


@desk_permission_required
@require_POST
def log_call(request: HttpRequest, number: str) -> HttpResponse:
    minutes = request.POST.get("minutes", "0").strip() or "0"
    seconds = request.POST.get("seconds", "0").strip() or "0"
    duration = int(minutes) * 60 + int(seconds) if minutes.isdigit() and seconds.isdigit() else -1
    return _do(
        request,
        number,
        lambda: intake.log_call(
            _actor(request),
            number,
            direction=request.POST.get("direction", ""),
            duration_seconds=duration,
            outcome=request.POST.get("outcome", ""),
            notes=request.POST.get("notes", ""),
        ),
        _("Call logged."),
    )


@desk_permission_required
@require_POST
def link_account(request: HttpRequest, number: str) -> HttpResponse:
    def act() -> None:
        ticket = intake.link_account(
            _actor(request),
            number,
            identifier=request.POST.get("identifier", ""),
            checks=request.POST.get("checks", ""),
        )
        identity_facade.record_staff_data_access(
            request, "ticket_account_link", subject=ticket.customer_id or 0, ticket=number
        )

    return _do(request, number, act, _("The ticket now belongs to the customer's account."))


@desk_permission_required
@require_POST
def feedback_status(request: HttpRequest, number: str) -> HttpResponse:
    return _do(
        request,
        number,
        lambda: intake.set_feedback_status(
            _actor(request),
            number,
            request.POST.get("feedback_status", ""),
            note=request.POST.get("note", ""),
        ),
        _("Suggestion status changed."),
    )


@desk_permission_required
def staff_pages(request: HttpRequest) -> HttpResponse:
    user_id = int(request.user.pk or 0)
    if request.method == "POST":
        notifications_facade.mark_staff_pages_read(user_id)
        return redirect("desk:pages")
    return render(
        request,
        "tickets/desk/pages.html",
        {"pages": notifications_facade.staff_pages(user_id, unread_only=False, limit=50)},
    )


# --- Complaint exports (supervisors) --------------------------------------------------------------


def export_permission_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    @desk_permission_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.has_perm(EXPORT_COMPLAINTS):
            identity_facade.record_access_denied(request, EXPORT_COMPLAINTS)
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _period(request: HttpRequest) -> tuple[date, date]:
    today = timezone.localdate()
    start = parse_date(request.GET.get("from", "") or "") or today - timedelta(days=30)
    end = parse_date(request.GET.get("to", "") or "") or today
    if end < start:
        start, end = end, start
    if (end - start).days > complaint_export.MAX_DAYS:
        start = end - timedelta(days=complaint_export.MAX_DAYS)
    return start, end


@export_permission_required
@require_GET
def complaint_exports(request: HttpRequest) -> HttpResponse:
    start, end = _period(request)
    return render(
        request,
        "tickets/desk/complaint_exports.html",
        {
            "start": start,
            "end": end,
            "count": complaint_export.complaints_between(start, end).count(),
            "query": f"from={start.isoformat()}&to={end.isoformat()}",
        },
    )


def _csv(request: HttpRequest, name: str, text: str, *, what: str, count: int) -> HttpResponse:
    identity_facade.record_staff_data_access(request, "data_export", what=what, rows=count)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@export_permission_required
@require_GET
def complaint_timeline_csv(request: HttpRequest) -> HttpResponse:
    start, end = _period(request)
    tickets = list(complaint_export.complaints_between(start, end))
    text = complaint_export.csv_text(
        complaint_export.TIMELINE_HEADER, complaint_export.timeline_rows(tickets)
    )
    return _csv(
        request,
        f"complaints-timeline-{start:%Y%m%d}-{end:%Y%m%d}.csv",
        text,
        what="complaint_timeline",
        count=len(tickets),
    )


@export_permission_required
@require_GET
def complaint_forms_csv(request: HttpRequest) -> HttpResponse:
    start, end = _period(request)
    tickets = list(complaint_export.complaints_between(start, end))
    labels = complaint_export.form_labels()
    header = [labels[name] for name, _column in complaint_export.FORM_FIELDS]
    text = complaint_export.csv_text(header, complaint_export.form_rows(tickets))
    return _csv(
        request,
        f"complaints-12315-{start:%Y%m%d}-{end:%Y%m%d}.csv",
        text,
        what="complaint_forms",
        count=len(tickets),
    )


@export_permission_required
@require_GET
def complaint_form(request: HttpRequest, number: str) -> HttpResponse:
    ticket = complaint_export.complaint(number)
    if ticket is None:
        raise Http404
    form = complaint_export.consumer_form(ticket)
    identity_facade.record_staff_data_access(
        request, "data_export", what="complaint_form", ticket=number
    )
    labels = complaint_export.form_labels()
    response = render(
        request,
        "tickets/desk/complaint_form.html",
        {
            "form": form,
            "fields": [
                (labels[name], getattr(form, name))
                for name, _column in complaint_export.FORM_FIELDS
            ],
            "back": reverse("desk:detail", kwargs={"number": number}),
        },
    )
    response["Cache-Control"] = "no-store"
    return response
