"""The console's panels (customer 360 beside a chat or a ticket) and its safe actions.

Thin: find the customer of the conversation or ticket, call one selector or one action, render
the panel. The panels are fragments loaded with htmx into `/desk/chats/` and the ticket page."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from walletdesk.assistant import facade as assistant
from walletdesk.chat import facade as chat
from walletdesk.console import actions, notes, selectors
from walletdesk.console.models import ActionKind
from walletdesk.core.actors import Actor
from walletdesk.core.errors import WalletDeskError
from walletdesk.identity import facade as identity
from walletdesk.tickets import facade as tickets

WORK_TICKETS = "tickets.work_tickets"


agent_required = identity.staff_permission_required(WORK_TICKETS)


def _where(conversation: str, ticket: str) -> tuple[int, str, str]:
    """The customer of the workspace, its conversation id and ticket number (404 if none)."""
    if conversation:
        customer_id = chat.conversation_customer_id(conversation)
    else:
        customer_id = tickets.ticket_customer_id(ticket)
    if customer_id is None:
        raise Http404
    return customer_id, conversation, ticket


def _panel(
    request: HttpRequest,
    customer_id: int,
    conversation: str,
    ticket: str,
    *,
    flash: str = "",
    error: WalletDeskError | None = None,
    status: int = 200,
    revealed: dict[str, str] | None = None,
) -> HttpResponse:
    view = selectors.customer_360(customer_id, conversation=conversation, ticket=ticket)
    if view is None:
        raise Http404
    user: Any = request.user
    page = request.headers.get("HX-Current-URL", "") or reverse("chat-console:home")
    response = render(
        request,
        "console/_customer_360.html",
        {
            "c": view,
            "now": timezone.now(),
            "conversation": conversation,
            "ticket": ticket,
            "action_url": reverse("console:act"),
            # One key per rendered form: a double click or a retry runs the action once.
            "key": uuid.uuid4().hex,
            "reasons": {kind: actions.reason_choices(kind) for kind in ActionKind.values},
            "can": {
                kind: user.has_perm(permission) for kind, permission in actions.PERMISSIONS.items()
            },
            "flash": flash,
            "error": error,
            "step_up_url": f"{reverse('identity:step_up')}?{urlencode({'next': page})}",
            # A phone number or email revealed with a reason: in this answer only.
            "revealed": revealed or {},
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@agent_required
def chat_customer(request: HttpRequest, conversation: uuid.UUID) -> HttpResponse:
    customer_id, conv, _ticket = _where(str(conversation), "")
    return _panel(request, customer_id, conv, "")


@require_GET
@agent_required
def ticket_customer(request: HttpRequest, number: str) -> HttpResponse:
    customer_id, _conv, ticket = _where("", number)
    return _panel(request, customer_id, "", ticket)


def _own_chat(request: HttpRequest, conversation: uuid.UUID) -> str:
    """The conversation's public id when it is assigned or offered to the requesting agent; 404
    for another agent's chat or an unknown one."""
    public_id = str(conversation)
    inbox = chat.agent_inbox(int(request.user.pk or 0))
    if public_id not in inbox.assigned and public_id not in {
        offer["conversation"] for offer in inbox.offers
    }:
        raise Http404
    return public_id


@require_GET
@agent_required
def chat_assist(request: HttpRequest, conversation: uuid.UUID) -> HttpResponse:
    """Agent assist beside the open chat: the detected intent, a short summary and suggested
    replies (the desk's macros, help articles) for the agent to insert into the reply box and
    edit; nothing is sent from here. Only for a chat the agent holds or is offered (404 for
    another agent's or an unknown conversation)."""
    public_id = _own_chat(request, conversation)
    language = get_language() or "zh-hans"
    try:
        assist = assistant.agent_assist(public_id, lang=language)
    except chat.ConversationNotFoundError as error:
        raise Http404 from error
    if assist.intent == assistant.OUT_OF_SCOPE:
        intent_label = _("Not recognised")
    else:
        intent_label = tickets.topic_label(assist.intent, language) or assist.intent.replace(
            "_", " "
        )
    return render(
        request,
        "console/_assist.html",
        {
            "assist": assist,
            "intent_label": intent_label,
            "confidence": round(assist.confidence * 100),
        },
    )


@require_http_methods(["GET", "POST"])
@agent_required
def chat_notes(request: HttpRequest, conversation: uuid.UUID) -> HttpResponse:
    """The internal notes beside the open chat (staff only, never sent to the customer), and
    adding one (htmx swaps the box; a refused note comes back with its message and code)."""
    public_id = _own_chat(request, conversation)
    error: WalletDeskError | None = None
    draft = ""
    if request.method == "POST":
        draft = request.POST.get("body", "")
        try:
            notes.add_chat_note(
                agent_id=int(request.user.pk or 0), conversation=public_id, body=draft
            )
            draft = ""
        except WalletDeskError as refused:
            error = refused
    return render(
        request,
        "console/_chat_notes.html",
        {
            "conversation": public_id,
            "notes": notes.chat_notes(public_id),
            "error": error,
            "draft": draft[: notes.NOTE_MAX],
            "note_max": notes.NOTE_MAX,
        },
        status=error.http_status if error is not None else 200,
    )


@require_POST
@agent_required
def act(request: HttpRequest) -> HttpResponse:
    customer_id, conversation, ticket = _where(
        request.POST.get("conversation", "").strip()[:36],
        request.POST.get("ticket", "").strip()[:24],
    )
    target = {
        name: request.POST.get(name, "").strip()[:64]
        for name in ("kind_of_record", "id", "payment", "amount", "submission")
        if request.POST.get(name)
    }
    if "kind_of_record" in target:
        target["kind"] = target.pop("kind_of_record")
    try:
        result = actions.run(
            request,
            request.user,
            actions.ActionRequest(
                kind=request.POST.get("action", ""),
                customer_id=customer_id,
                reason_code=request.POST.get("reason", ""),
                idempotency_key=request.POST.get("key", "")[:64],
                note=request.POST.get("note", "")[:200],
                conversation=conversation,
                ticket=ticket,
                target=target,
            ),
        )
    except WalletDeskError as error:
        return _panel(
            request, customer_id, conversation, ticket, error=error, status=error.http_status
        )
    field = actions.REVEALS.get(result.row.kind)
    return _panel(
        request,
        customer_id,
        conversation,
        ticket,
        flash=actions.result_message(result),
        revealed={field: result.revealed} if field and result.revealed else None,
    )


@require_GET
@agent_required
def inbox_state(request: HttpRequest) -> JsonResponse:
    """The agent's current offers, assigned chats and presence, read from the database: the
    console polls this on every (re)connect and on a timer, so an offer whose socket frame the
    channel layer dropped still reaches the agent before it expires."""
    inbox = chat.agent_inbox(int(request.user.pk or 0))
    return JsonResponse(
        {
            "presence": {"status": inbox.presence, "max_chats": inbox.max_chats},
            "offers": inbox.offers,
            "assigned": inbox.assigned,
        }
    )


SUPERVISE = "console.supervise_chats"
# A chat waiting longer than this, or a ticket due within SLA_SOON, is shown as at risk.
CHAT_WAIT_AT_RISK = timedelta(minutes=2)
SLA_SOON = timedelta(hours=1)


supervisor_required = identity.staff_permission_required(SUPERVISE)


def _board(
    request: HttpRequest,
    *,
    flash: str = "",
    error: str = "",
    status: int = 200,
    template: str = "console/supervisor.html",
) -> HttpResponse:
    now = timezone.now()
    board = chat.supervisor_board()
    language = get_language() or "zh-hans"
    teams = tickets.active_team_titles(language)
    due_soon = tickets.tickets_due_soon_by_team(SLA_SOON, now)
    waiting = {line.team_id: line for line in board.queues}
    queues = []
    for team_id in [*teams, *(t for t in waiting if t not in teams)]:
        line = waiting.get(team_id)
        oldest = line.oldest_queued_at if line is not None else None
        queues.append(
            {
                "team": teams.get(team_id, "—") if team_id is not None else "—",
                "waiting": line.waiting if line is not None else 0,
                "oldest_wait": (now - oldest) if oldest is not None else None,
                "chat_at_risk": oldest is not None and now - oldest >= CHAT_WAIT_AT_RISK,
                "tickets_due_soon": due_soon.get(team_id, 0),
            }
        )
    chats = [
        {
            "line": line,
            "team": teams.get(line.team_id, "—") if line.team_id is not None else "—",
            "waited": (now - line.queued_at) if line.queued_at is not None else None,
            "at_risk": line.state == "waiting"
            and line.queued_at is not None
            and now - line.queued_at >= CHAT_WAIT_AT_RISK,
        }
        for line in board.chats
    ]
    return render(
        request,
        template,
        {
            "agents": board.agents,
            "queues": queues,
            "chats": chats,
            "teams": teams,
            "flash": flash,
            "error": error,
        },
        status=status,
    )


@require_GET
@supervisor_required
def supervisor(request: HttpRequest) -> HttpResponse:
    """Supervisors: agents with presence and load against capacity, each team's queue with its
    oldest wait and tickets near their SLA deadline, the live chats, and reassigning one."""
    return _board(request)


@require_GET
@supervisor_required
def supervisor_board(request: HttpRequest) -> HttpResponse:
    """The board alone (queues, agents, live chats): the page re-reads it when a `desk.queues`
    event says the queues moved, and every 30 s while its event socket is down."""
    return _board(request, template="console/_board.html")


@require_POST
@supervisor_required
def reassign(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("to", "")
    kind, _sep, ident = target.partition(":")
    agent_id = int(ident) if kind == "agent" and ident.isdigit() else None
    team_id = int(ident) if kind == "team" and ident.isdigit() else None
    try:
        chat.reassign_chat(
            Actor.agent(
                int(request.user.pk or 0),
                ip=identity.client_ip(request) or None,
                device=request.headers.get("User-Agent", "")[:200] or None,
            ),
            request.POST.get("conversation", ""),
            agent_id=agent_id,
            team_id=team_id,
            note=request.POST.get("note", "")[:500],
        )
    except WalletDeskError as error:
        return _board(request, error=str(error.user_message), status=error.http_status)
    return _board(request, flash=_("The chat was reassigned."))


INBOX_DUE_SOON = timedelta(hours=1)


@require_GET
@agent_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The unified inbox strip above the desk's ticket list: the agent's live chats (offers
    waiting, unread messages), their open tickets, unassigned ones, email, call-back requests and
    SLA deadlines near or past, each a link to the filtered list. The desk polls it (htmx), so
    new work shows without a reload."""
    agent_id = int(request.user.pk or 0)
    # The same rows the list shows under the strip, so the two never disagree.
    chats = chat.agent_chat_rows(agent_id)
    counts = tickets.inbox_counts(agent_id, due_within=INBOX_DUE_SOON)
    return render(
        request,
        "console/_inbox.html",
        {
            "assigned": sum(1 for line in chats if line.state == "assigned"),
            "offers": sum(1 for line in chats if line.state == "offered"),
            "unread": sum(line.unread for line in chats),
            "counts": counts,
        },
    )


@require_GET
@agent_required
def inbox_chats(request: HttpRequest) -> HttpResponse:
    """The agent's live chats as rows of the desk's ticket list (`<tr>`s for its first
    `<tbody>`), offers and urgent chats first; each opens the chat in `/desk/chats/?c=<id>`. The
    list re-reads them on a `desk.inbox` event and every 15 s."""
    now = timezone.now()
    rows = [
        {"chat": line, "waited": (now - line.waiting_since) if line.waiting_since else None}
        for line in chat.agent_chat_rows(int(request.user.pk or 0), now)
    ]
    return render(
        request,
        "console/_chat_rows.html",
        {"rows": rows, "chat_console": reverse("chat-console:home")},
    )
