"""The customer's support pages: contact support, my tickets, one ticket (reply, reopen, rate).

Thin: parse the form, call one action, render what the presenters give.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from walletdesk.core.errors import ValidationFailedError, WalletDeskError
from walletdesk.payments import facade as payments_facade
from walletdesk.tickets import actions, attachments, presenters, selectors
from walletdesk.tickets.context_processors import support_config
from walletdesk.tickets.enums import Channel, LinkKind, TicketKind, TicketStatus
from walletdesk.tickets.errors import AttachmentNotFoundError, TicketNotFoundError
from walletdesk.tickets.forms import NewTicketForm, RatingForm, ReplyForm
from walletdesk.tickets.integration_models import AttachmentType
from walletdesk.tickets.models import Attachment

TICKETS_PER_PAGE = 20
# What the file pickers offer (the server checks the content whatever the browser sends).
ACCEPT = "image/png,image/jpeg,image/webp,application/pdf,.png,.jpg,.jpeg,.webp,.pdf"

# The topic a question about a record most likely is, by the record's kind and status.
TOPIC_FOR_RECORD = {
    ("top_up", "pending"): "topup_not_arrived",
    ("top_up", "failed"): "topup_failed",
    ("withdrawal", "pending"): "withdraw_not_arrived",
    ("withdrawal", "failed"): "withdraw_failed",
    ("payment", "failed"): "payment_failed",
    ("payment", "succeeded"): "refund_request",
    ("transfer_out", "succeeded"): "transfer_not_received",
    ("refund", "pending"): "refund_not_received",
}


def customer_only(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not getattr(request.user, "is_customer", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _record_from_query(request: HttpRequest) -> payments_facade.RecordSummary | None:
    kind, _sep, public_id = request.GET.get("record", "").partition(":")
    found = payments_facade.customer_records(int(request.user.pk or 0), [(kind, public_id)])
    return next(iter(found.values()), None)


@customer_only
def support_home(request: HttpRequest) -> HttpResponse:
    actor = presenters.actor_for(request)
    page = Paginator(selectors.customer_tickets(actor.user_id or 0), TICKETS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "tickets/home.html",
        {
            "page": page,
            "tickets": [presenters.summary(ticket) for ticket in page],
            "nav": "support",
        },
    )


@customer_only
def new_ticket(request: HttpRequest) -> HttpResponse:
    actor = presenters.actor_for(request)
    language = get_language() or "zh-hans"
    categories = presenters.category_tree(language)
    record = _record_from_query(request) if request.method == "GET" else None
    status = 200
    if request.method == "POST":
        form = NewTicketForm(request.POST, categories=categories)
        if form.is_valid():
            data = form.cleaned_data
            records = []
            kind, _sep, public_id = data["record"].partition(":")
            if kind in payments_facade.RECORD_KINDS and public_id:
                records = [actions.RecordRef(LinkKind(kind), public_id)]
            try:
                ticket = actions.open_ticket(
                    actor,
                    customer_id=actor.user_id,
                    subject=data["subject"],
                    body=data["body"],
                    category=data["category"],
                    kind=TicketKind(data["kind"]),
                    channel=Channel.APP,
                    language=language,
                    records=records,
                    demand=data["demand"],
                    files=attachments.uploads_from(request.FILES.getlist("attachments")),
                )
            except ValidationFailedError as error:
                for field, problems in error.details.get("fields", {}).items():
                    form.add_error(field if field in form.fields else None, problems)
            except WalletDeskError as error:
                form.add_error(None, error.user_message)
                if error.code.startswith("attachment_"):
                    status = error.http_status
            else:
                messages.success(
                    request,
                    _("We received your request. Your ticket number is %(number)s.")
                    % {"number": ticket.number},
                )
                return redirect("tickets:detail", number=ticket.number)
        record_kind, _sep, record_id = request.POST.get("record", "").partition(":")
        found = payments_facade.customer_records(actor.user_id or 0, [(record_kind, record_id)])
        record = next(iter(found.values()), None)
    else:
        initial: dict[str, Any] = {}
        if request.GET.get("kind") in (TicketKind.COMPLAINT, TicketKind.FEEDBACK):
            initial["kind"] = request.GET["kind"]
        if record is not None:
            initial["record"] = f"{record.kind}:{record.public_id}"
            initial["category"] = TOPIC_FOR_RECORD.get((record.kind, record.status), "")
        form = NewTicketForm(initial=initial, categories=categories)
    return render(
        request,
        "tickets/new.html",
        {"form": form, "record": record, "nav": "support", "accept": ACCEPT},
        status=status,
    )


def _detail_context(request: HttpRequest, number: str) -> dict[str, Any]:
    actor = presenters.actor_for(request)
    try:
        ticket = selectors.ticket_for(actor, number)
    except TicketNotFoundError as missing:
        raise Http404 from missing
    detail = presenters.detail(actor, ticket)
    return {
        "ticket": detail,
        "reply_due_at": parse_datetime(detail["reply_due"]) if detail["reply_due"] else None,
        "is_complaint": ticket.kind == TicketKind.COMPLAINT,
        "complaint_contacts": support_config(),
        "reply_form": ReplyForm(),
        "accept": ACCEPT,
        "rating_form": RatingForm(),
        "nav": "support",
    }


@customer_only
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    return render(request, "tickets/detail.html", _detail_context(request, number))


def _act(request: HttpRequest, number: str, act: Callable[[], object], done: str) -> HttpResponse:
    """Run one action on the ticket and come back to its page with what happened; the action
    itself refuses another customer's ticket (a 404 here, never "forbidden")."""
    try:
        act()
    except TicketNotFoundError as missing:
        raise Http404 from missing
    except WalletDeskError as error:
        messages.error(request, error.user_message)
    else:
        messages.success(request, done)
    return redirect("tickets:detail", number=number)


@customer_only
@require_POST
def reply(request: HttpRequest, number: str) -> HttpResponse:
    form = ReplyForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, number)
        context["reply_form"] = form
        return render(request, "tickets/detail.html", context, status=400)
    actor = presenters.actor_for(request)
    return _act(
        request,
        number,
        lambda: actions.add_message(
            actor,
            number,
            form.cleaned_data["body"],
            files=attachments.uploads_from(request.FILES.getlist("attachments")),
        ),
        _("Reply sent."),
    )


@customer_only
@require_POST
def reopen(request: HttpRequest, number: str) -> HttpResponse:
    actor = presenters.actor_for(request)
    return _act(
        request,
        number,
        lambda: actions.change_status(actor, number, TicketStatus.OPEN),
        _("Your ticket is open again. We will get back to you."),
    )


@customer_only
@require_POST
def rate(request: HttpRequest, number: str) -> HttpResponse:
    form = RatingForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, number)
        context["rating_form"] = form
        return render(request, "tickets/detail.html", context, status=400)
    actor = presenters.actor_for(request)
    return _act(
        request,
        number,
        lambda: actions.rate(
            actor, number, form.cleaned_data["score"], form.cleaned_data["comment"]
        ),
        _("Thank you for your rating."),
    )


def file_response(row: Attachment) -> FileResponse:
    """An attachment as a download with the headers of UPL-4: never rendered by the browser as a
    page of ours (attachment, nosniff, a sandboxing CSP), never cached by shared caches."""
    extension = attachments.CANONICAL_EXTENSION[AttachmentType(row.content_type)]
    response = FileResponse(row.file.open("rb"), content_type=row.content_type)
    response["Content-Length"] = str(row.size)
    response["Content-Disposition"] = (
        f'attachment; filename="{row.public_id}.{extension}"; '
        f"filename*=UTF-8''{quote(row.original_name, safe='')}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


@customer_only
def attachment(request: HttpRequest, public_id: str) -> HttpResponseBase:
    """A file on one of my tickets (another customer's, or one on an internal note, is 404)."""
    try:
        row = attachments.attachment_for(presenters.actor_for(request), public_id)
    except AttachmentNotFoundError as missing:
        raise Http404 from missing
    return file_response(row)
