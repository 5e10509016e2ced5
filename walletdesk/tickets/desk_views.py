"""The agent desk: the ticket list (filters, SLA-due order, saved views, bulk changes) and one
ticket's page (timeline, reply and note, status, triage, merge, split, macros, SLA timers, linked
records, the customer's other tickets).

Thin: parse the form, call one action, render what the selectors give. Only staff holding
`tickets.work_tickets` (agents and above, identity/roles.py) get in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from walletdesk.core.actors import Actor
from walletdesk.core.client_address import client_address
from walletdesk.core.errors import ValidationFailedError, WalletDeskError
from walletdesk.core.masking import mask_email, mask_phone
from walletdesk.identity import facade as identity_facade
from walletdesk.notifications import facade as notifications_facade
from walletdesk.tickets import actions, attachments, desk_actions, desk_selectors, intake, linked
from walletdesk.tickets.desk_models import Macro
from walletdesk.tickets.enums import (
    FEEDBACK_TRANSITIONS,
    TICKET_TRANSITIONS,
    CallDirection,
    CallOutcome,
    Channel,
    EventKind,
    FeedbackStatus,
    Priority,
    TicketKind,
    TicketStatus,
    Visibility,
)
from walletdesk.tickets.errors import AttachmentNotFoundError, TicketNotFoundError
from walletdesk.tickets.models import Category, Ticket, TicketEvent
from walletdesk.tickets.views import ACCEPT, file_response

WORK_TICKETS = "tickets.work_tickets"
TICKETS_PER_PAGE = 25
# Statuses an agent's reply may leave the ticket in.
REPLY_STATUSES = (
    TicketStatus.OPEN,
    TicketStatus.PENDING,
    TicketStatus.ON_HOLD,
    TicketStatus.SOLVED,
)


desk_permission_required = identity_facade.staff_permission_required(WORK_TICKETS)


def _actor(request: HttpRequest) -> Actor:
    return Actor.agent(
        int(request.user.pk or 0),
        ip=client_address(request),
        device=request.headers.get("User-Agent", "")[:200],
    )


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _report(request: HttpRequest, error: WalletDeskError) -> None:
    if isinstance(error, ValidationFailedError):
        problems = [str(p) for items in error.details.get("fields", {}).values() for p in items]
        if problems:
            messages.error(request, " ".join(problems))
            return
    messages.error(request, str(error.user_message))


# --- The list -----------------------------------------------------------------------------------


@desk_permission_required
@require_GET
def desk_list(request: HttpRequest) -> HttpResponse:
    agent_id = int(request.user.pk or 0)
    wanted = desk_selectors.DeskFilter.from_query(request.GET)
    page = Paginator(desk_selectors.desk_tickets(agent_id, wanted), TICKETS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = wanted.as_query()
    now = timezone.now()
    language = get_language() or "zh-hans"
    rows = [
        {
            "ticket": ticket,
            "category": ticket.category.name_in(language),
            "customer": _customer_label(ticket),
            "due_state": _due_state(ticket.sla_due_at, now),
        }
        for ticket in page
    ]
    return render(
        request,
        "tickets/desk/list.html",
        {
            "page": page,
            "rows": rows,
            "wanted": wanted,
            "query": query,
            "page_query": f"{query}&" if query else "",
            "built_in_views": desk_selectors.BUILT_IN_VIEWS,
            "saved_views": list(desk_selectors.saved_views(agent_id)),
            "status_choices": desk_selectors.STATUS_CHOICES,
            "assignee_choices": desk_selectors.ASSIGNEE_CHOICES,
            "sort_choices": desk_selectors.SORT_CHOICES,
            "priority_choices": Priority.choices,
            "kind_choices": TicketKind.choices,
            "channel_choices": Channel.choices,
            "category_choices": _top_categories(),
            "bulk_statuses": [s for s in TicketStatus.choices if s[0] != TicketStatus.NEW],
            "list_url": request.get_full_path(),
            "staff_pages": notifications_facade.staff_pages(agent_id, limit=5),
            "live_chat_rows": page.number == 1 and _admits_live_chats(wanted),
        },
    )


def _admits_live_chats(wanted: desk_selectors.DeskFilter) -> bool:
    """The agent's live chats head the first page of the lists of open work (all open, mine,
    the chat channel); a filter no chat can match (a status, kind, category, tag, search…)
    leaves them out."""
    return (
        wanted.status == desk_selectors.STATUS_ACTIVE
        and wanted.assignee in ("", "mine")
        and wanted.channel in ("", Channel.CHAT)
        and wanted.priority is None
        and not (wanted.category or wanted.kind or wanted.tag or wanted.q or wanted.near_breach)
    )


def _top_categories() -> list[tuple[str, str]]:
    language = get_language() or "zh-hans"
    return [
        (row.slug, row.name_in(language))
        for row in Category.objects.filter(parent__isnull=True, active=True)
    ]


def _customer_label(ticket: Ticket) -> str:
    if ticket.customer is not None:
        return ticket.customer.display_name or mask_phone(ticket.customer.phone or "") or "—"
    if ticket.contact_phone:
        return mask_phone(ticket.contact_phone)
    return mask_email(ticket.contact_email) if ticket.contact_email else "—"


def _due_state(due: Any, now: Any) -> str:
    if due is None:
        return ""
    if due <= now:
        return "breached"
    if due <= now + desk_selectors.NEAR_BREACH:
        return "near"
    return "ok"


@desk_permission_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    back = _back(request, reverse("desk:list"))
    try:
        result = desk_actions.bulk_update(
            _actor(request),
            request.POST.getlist("tickets"),
            request.POST.get("operation", ""),
            request.POST.get(f"value_{request.POST.get('operation', '')}", ""),
        )
    except WalletDeskError as error:
        _report(request, error)
        return redirect(back)
    if result.changed:
        messages.success(request, _("Updated %(count)d tickets.") % {"count": len(result.changed)})
    for number, reason in result.refused.items():
        messages.error(request, f"{number}: {reason}")
    return redirect(back)


@desk_permission_required
@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    query = desk_selectors.DeskFilter.from_query(
        QueryDict(request.POST.get("query", ""))
    ).as_query()
    try:
        view = desk_actions.save_view(
            int(request.user.pk or 0), request.POST.get("name", ""), query
        )
    except WalletDeskError as error:
        _report(request, error)
        return redirect(f"{reverse('desk:list')}?{query}")
    messages.success(request, _("Saved the view “%(name)s”.") % {"name": view.name})
    return redirect(f"{reverse('desk:list')}?{query}")


@desk_permission_required
@require_POST
def delete_view(request: HttpRequest, view_id: int) -> HttpResponse:
    if desk_actions.delete_view(int(request.user.pk or 0), view_id):
        messages.success(request, _("Deleted the saved view."))
    return redirect("desk:list")


# --- One ticket ---------------------------------------------------------------------------------


def _ticket(number: str) -> Ticket:
    ticket = (
        Ticket.objects.select_related(
            "category", "category__parent", "customer", "assignee", "merged_into"
        )
        .filter(number=number)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def _staff_choices() -> list[tuple[int, str]]:
    agents = (
        get_user_model()
        .objects.filter(is_active=True, groups__permissions__codename="work_tickets")
        .distinct()
        .order_by("display_name", "pk")[:200]
    )
    return [(user.pk, str(user)) for user in agents]


def _event_value(event: TicketEvent, value: str, names: dict[int, str]) -> str:
    if not value:
        return ""
    if event.kind == EventKind.STATUS and value in TicketStatus.values:
        return str(TicketStatus(value).label)
    if event.kind == EventKind.PRIORITY and value.isdigit() and int(value) in Priority.values:
        return str(Priority(int(value)).label)
    if event.kind == EventKind.CREATED and value in Channel.values:
        return str(Channel(value).label)
    if event.kind == EventKind.ASSIGNEE and value.isdigit():
        return names.get(int(value), f"#{value}")
    if event.kind == EventKind.CALL:
        return intake.describe_call(value)
    if event.kind == EventKind.FEEDBACK and value in FeedbackStatus.values:
        return str(FeedbackStatus(value).label)
    return value


def _actor_name(label: str, names: dict[int, str]) -> str:
    kind, _sep, ident = label.partition(":")
    if kind == "customer":
        return pgettext("support desk", "Customer")
    if kind == "agent" and ident.isdigit():
        return names.get(int(ident), label)
    if kind == "assistant":
        return _("Assistant")
    return _("System")


def _timeline(ticket: Ticket) -> list[dict[str, Any]]:
    events = list(desk_selectors.ticket_events(ticket))
    ids: set[int] = set()
    for event in events:
        kind, _sep, ident = event.actor.partition(":")
        if kind == "agent" and ident.isdigit():
            ids.add(int(ident))
        if event.kind == EventKind.ASSIGNEE:
            ids.update(int(v) for v in (event.from_value, event.to_value) if v.isdigit())
    names = (
        {user.pk: str(user) for user in get_user_model().objects.filter(pk__in=ids)} if ids else {}
    )
    return [
        {
            "event": event,
            "who": _actor_name(event.actor, names),
            "kind_label": EventKind(event.kind).label
            if event.kind in EventKind.values
            else event.kind,
            "before": _event_value(event, event.from_value, names),
            "after": _event_value(event, event.to_value, names),
            "message": event.message,
            "internal": event.message is not None
            and event.message.visibility == Visibility.INTERNAL,
        }
        for event in events
    ]


def _records(ticket: Ticket) -> list[linked.LinkedRecord]:
    return linked.linked_records(
        ticket.customer_id, [(link.kind, link.object_id) for link in ticket.links.all()]
    )


def _detail_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    macros = list(desk_selectors.active_macros())
    chosen: Macro | None = None
    reply_body = ""
    reply_status = ""
    macro_text = request.GET.get("macro", "")
    if macro_text.isdigit():
        chosen = next((m for m in macros if m.pk == int(macro_text)), None)
        if chosen is not None:
            reply_body = desk_actions.render_macro(chosen, ticket)
            reply_status = chosen.set_status
    customer = ticket.customer
    language = get_language() or "zh-hans"
    return {
        "ticket": ticket,
        "customer": {
            "name": (customer.display_name if customer else "") or "—",
            "phone": mask_phone((customer.phone if customer else "") or ticket.contact_phone or ""),
            "email": mask_email((customer.email if customer else "") or ticket.contact_email or ""),
            "language": ticket.language,
        },
        "timeline": _timeline(ticket),
        "records": _records(ticket),
        "timers": desk_selectors.sla_timers(ticket),
        "other_tickets": list(desk_selectors.other_tickets(ticket)),
        "macros": macros,
        "chosen_macro": chosen,
        "reply_body": reply_body,
        "reply_status": reply_status,
        "reply_statuses": [(s.value, s.label) for s in REPLY_STATUSES],
        "next_statuses": [
            (s, TicketStatus(s).label)
            for s in TicketStatus.values
            if s in TICKET_TRANSITIONS[ticket.status]
        ],
        "can_solve": TicketStatus.SOLVED in TICKET_TRANSITIONS[ticket.status],
        "priority_choices": Priority.choices,
        "category_choices": [
            (row.slug, row.name_in(language), row.parent_id is not None)
            for row in Category.objects.filter(active=True).order_by(
                "parent_id", "position", "slug"
            )
        ],
        "staff_choices": _staff_choices(),
        "is_closed": ticket.status == TicketStatus.CLOSED,
        "call_directions": CallDirection.choices,
        "call_outcomes": CallOutcome.choices,
        "feedback_next": [
            (value, FeedbackStatus(value).label)
            for value in FeedbackStatus.values
            if value in FEEDBACK_TRANSITIONS[ticket.feedback_status]
        ],
        "accept": ACCEPT,
    }


@desk_permission_required
@require_GET
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket(number)
    context = _detail_context(request, ticket)
    if request.headers.get("HX-Request") and request.GET.get("macro"):
        return render(request, "tickets/desk/_reply_box.html", context)
    return render(request, "tickets/desk/detail.html", context)


@desk_permission_required
@require_GET
def ticket_timers(request: HttpRequest, number: str) -> HttpResponse:
    """The SLA timers card alone: the ticket page re-reads it so a reply, a status change or a
    breach recorded elsewhere shows without a reload."""
    ticket = _ticket(number)
    return render(
        request,
        "tickets/desk/_sla_timers.html",
        {"ticket": ticket, "timers": desk_selectors.sla_timers(ticket)},
    )


def _do(request: HttpRequest, number: str, act: Callable[[], object], done: str) -> HttpResponse:
    try:
        act()
    except TicketNotFoundError as missing:
        raise Http404 from missing
    except WalletDeskError as error:
        _report(request, error)
    else:
        messages.success(request, done)
    return redirect("desk:detail", number=number)


def _optional_status(text: str) -> TicketStatus | None:
    return TicketStatus(text) if text in {s.value for s in REPLY_STATUSES} else None


@desk_permission_required
@require_POST
def reply(request: HttpRequest, number: str) -> HttpResponse:
    macro = request.POST.get("macro", "")
    return _do(
        request,
        number,
        lambda: desk_actions.send_reply(
            _actor(request),
            number,
            request.POST.get("body", ""),
            then_status=_optional_status(request.POST.get("status", "")),
            macro_id=int(macro) if macro.isdigit() else None,
            files=attachments.uploads_from(request.FILES.getlist("attachments")),
        ),
        _("Reply sent."),
    )


@desk_permission_required
@require_POST
def note(request: HttpRequest, number: str) -> HttpResponse:
    return _do(
        request,
        number,
        lambda: actions.add_message(
            _actor(request),
            number,
            request.POST.get("body", ""),
            visibility=Visibility.INTERNAL,
            files=attachments.uploads_from(request.FILES.getlist("attachments")),
        ),
        _("Internal note added."),
    )


@desk_permission_required
@require_POST
def set_status(request: HttpRequest, number: str) -> HttpResponse:
    target = request.POST.get("status", "")
    if target not in TicketStatus.values:
        messages.error(request, _("Choose a status."))
        return redirect("desk:detail", number=number)
    return _do(
        request,
        number,
        lambda: actions.change_status(_actor(request), number, TicketStatus(target)),
        _("Status changed."),
    )


@desk_permission_required
@require_POST
def triage(request: HttpRequest, number: str) -> HttpResponse:
    priority_text = request.POST.get("priority", "")
    assignee_text = request.POST.get("assignee", "")
    priority = (
        Priority(int(priority_text)) if priority_text in {str(v) for v in Priority.values} else None
    )
    tags = request.POST.get("tags", "").replace(",", " ").replace("，", " ").split()
    assignee_id = int(assignee_text) if assignee_text.isdigit() else None
    if assignee_id is not None and assignee_id not in dict(_staff_choices()):
        # Only someone who works the desk can be given a ticket (never a customer's id).
        messages.error(request, _("Choose an assignee from the list."))
        return redirect("desk:detail", number=number)
    return _do(
        request,
        number,
        lambda: actions.triage(
            _actor(request),
            number,
            priority=priority,
            category=request.POST.get("category") or None,
            assignee_id=assignee_id,
            tags=tags,
        ),
        _("Ticket updated."),
    )


@desk_permission_required
@require_POST
def merge(request: HttpRequest, number: str) -> HttpResponse:
    target = request.POST.get("target", "").strip().upper()
    try:
        actions.merge(_actor(request), number, target, note=request.POST.get("note", "")[:500])
    except TicketNotFoundError:
        messages.error(request, _("There is no ticket %(number)s.") % {"number": target or "—"})
        return redirect("desk:detail", number=number)
    except WalletDeskError as error:
        _report(request, error)
        return redirect("desk:detail", number=number)
    messages.success(request, _("Merged into %(number)s.") % {"number": target})
    return redirect("desk:detail", number=target)


@desk_permission_required
@require_POST
def split(request: HttpRequest, number: str) -> HttpResponse:
    """Split the ticked public replies into a new ticket for the same customer."""
    try:
        new = actions.split(
            _actor(request),
            number,
            request.POST.getlist("message"),
            subject=request.POST.get("subject", ""),
            category=request.POST.get("category") or None,
            note=request.POST.get("note", "")[:500],
        )
    except TicketNotFoundError as missing:
        raise Http404 from missing
    except WalletDeskError as error:
        _report(request, error)
        return redirect("desk:detail", number=number)
    messages.success(request, _("Split into the new ticket %(number)s.") % {"number": new.number})
    return redirect("desk:detail", number=new.number)


@desk_permission_required
@require_GET
def attachment(request: HttpRequest, public_id: str) -> HttpResponseBase:
    """Any ticket's file, public reply or internal note, for staff who work the desk."""
    try:
        row = attachments.attachment_for(_actor(request), public_id)
    except AttachmentNotFoundError as missing:
        raise Http404 from missing
    return file_response(row)
