"""The customer's chat page (wallet app) and the agent's chat console (staff desk).

Thin: both pages are shells; everything live goes over `/ws/chat/` (docs/chat-protocol.md).
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from walletdesk.chat import facade as chat_facade
from walletdesk.chat import files as chat_files
from walletdesk.chat import live_selectors
from walletdesk.chat.errors import ChatFileNotFoundError
from walletdesk.core.actors import Actor
from walletdesk.core.error_envelope import json_error
from walletdesk.core.errors import ValidationFailedError, WalletDeskError
from walletdesk.identity import facade as identity
from walletdesk.payments import facade as payments
from walletdesk.tickets import facade as tickets

WORK_TICKETS = "tickets.work_tickets"
#: How many of the customer's latest records 「分享一笔记录」 offers.
RECORDS_TO_SHARE = 10


def _customer_strings() -> dict[str, str]:
    return {
        "offline": _("Connection lost. Reconnecting…"),
        "typing": _("The agent is typing…"),
        "waiting": _("You are number %(position)s in the queue."),
        "eta": _("Estimated wait: about %(minutes)s min."),
        "no_agents": _("No agent is online right now; you keep your place in the queue."),
        "assigned": _("You are chatting with an agent."),
        "after_hours": _("Our agents are off duty. Leave a message and we will reply by ticket."),
        "left_message": _("Message left. Ticket %(ticket)s"),
        "ended": _("This chat has ended."),
        "bot": _("Ask us anything, or talk to a person."),
        "read": pgettext("chat receipt", "Read"),
        "signed_out": _("You have been signed out. Sign in again to keep chatting."),
        "transcript_sent": _("Transcript sent to %(email)s."),
    }


def _embeddable(response: HttpResponse) -> HttpResponse:
    """Let the operator's own sites (CHAT_WIDGET_ORIGINS) show this page in the widget's frame;
    with none configured it stays unframeable like every other page."""
    origins = [str(o) for o in getattr(settings, "CHAT_WIDGET_ORIGINS", [])]
    if origins:
        response.xframe_options_exempt = True
        response._csp_replace = {"frame-ancestors": origins}  # type: ignore[attr-defined]
    return response


@require_GET
def chat_page(request: HttpRequest) -> HttpResponse:
    """The customer's chat; `?embed=1` is the web widget's frame (no app navigation)."""
    embed = request.GET.get("embed") == "1"
    if not request.user.is_authenticated:
        if embed:
            login = f"{reverse('identity:login')}?next={quote(reverse('chat:page'))}"
            return _embeddable(render(request, "chat/embed_signin.html", {"login_url": login}))
        return redirect_to_login(request.get_full_path())
    if request.user.is_staff:
        return redirect("chat-console:home")
    context = {
        "nav": "help",
        "strings": _customer_strings(),
        "embed": embed,
        # The picker of 「分享一笔记录」: only the reference of the one picked is sent.
        "records": payments.recent_records(int(request.user.pk or 0), RECORDS_TO_SHARE),
    }
    response = render(request, "chat/customer.html", context)
    return _embeddable(response) if embed else response


@require_GET
def widget_demo(request: HttpRequest) -> HttpResponse:
    """An operator's page with the chat widget on it (docs/chat-widget.md)."""
    return render(request, "chat/widget_demo.html")


def _console_strings() -> dict[str, str]:
    return {
        "offer": _("New chat waiting for you"),
        "accept": _("Accept"),
        "expires": _("%(seconds)s s left to accept"),
        "withdrawn": _("The offer went to another agent."),
        "handed_on": _("Chat handed on. The next agent sees your note."),
        "typing": _("The customer is typing…"),
        "read": pgettext("chat receipt", "Read"),
        "offline": _("Connection lost. Reconnecting…"),
        "end": _("End chat"),
        "empty": _("No chats yet. Go online to receive chats."),
        "customer": pgettext("conversation author", "Customer"),
        "agent": pgettext("conversation author", "Agent"),
        "system": pgettext("conversation author", "System"),
        "assistant": pgettext("conversation author", "Assistant"),
    }


@require_GET
def console(request: HttpRequest) -> HttpResponse:
    """The agent's live chats and offers, the open thread and a reply box."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = request.user
    if not (user.is_active and user.is_staff and user.has_perm(WORK_TICKETS)):
        identity.record_access_denied(request, WORK_TICKETS)
        raise PermissionDenied
    agent_id = int(user.pk or 0)
    status, max_chats = live_selectors.presence_of(agent_id)
    language = get_language() or "zh-hans"
    return render(
        request,
        "chat/console.html",
        {
            "chats": live_selectors.agent_chats(agent_id),
            "presence": status,
            "max_chats": max_chats,
            "strings": _console_strings(),
            # Where the open chat can be handed on (`transfer`): colleagues online, and queues.
            "transfer_agents": [
                a for a in chat_facade.agent_loads(online_only=True) if a.agent_id != agent_id
            ],
            "teams": tickets.active_team_titles(language),
        },
    )


def _actor(request: HttpRequest) -> Actor:
    user = request.user
    if user.is_staff:
        return Actor.agent(int(user.pk or 0))
    return Actor.customer(int(user.pk or 0))


@login_required
@require_POST
def upload_file(request: HttpRequest) -> JsonResponse:
    """A picture or PDF for the chat (multipart: `conversation`, `file`). Answers the file as
    `send` names it (`{"id", "name", "content_type", "size", "url"}`) or the error envelope."""
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationFailedError()
        # One byte past the limit is enough to refuse a file; a huge one is never read whole.
        cap = chat_files.max_bytes() + 1
        row = chat_files.upload(
            _actor(request),
            request.POST.get("conversation", ""),
            name=upload.name or "",
            content_type=upload.content_type or "",
            data=upload.read(cap),
        )
    except WalletDeskError as error:
        return json_error(error)
    return JsonResponse(chat_files.describe(row), status=201)


@login_required
@require_GET
def file(request: HttpRequest, public_id: str) -> FileResponse:
    """A chat file, with the download headers of the support desk's attachments (UPL-4)."""
    user = request.user
    staff_may_read = bool(user.is_staff and user.is_active and user.has_perm(WORK_TICKETS))
    try:
        row = chat_files.file_for(_actor(request), public_id, staff_may_read=staff_may_read)
    except ChatFileNotFoundError as missing:
        raise Http404 from missing
    extension = (row.file.name or "").rsplit(".", 1)[-1]
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
