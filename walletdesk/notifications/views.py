from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from walletdesk.core.actors import actor_from_request
from walletdesk.core.money import AmountError, Money, format_amount, parse_amount
from walletdesk.notifications import actions
from walletdesk.notifications.enums import Channel
from walletdesk.notifications.forms import PreferenceForm
from walletdesk.notifications.models import Message
from walletdesk.notifications.providers import dev_outbox


@never_cache
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    rows = Message.objects.filter(user_id=request.user.pk, channel=Channel.INBOX).order_by("-id")
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    items = []
    for message in page:
        message.user = request.user  # for the freeze link, without a query
        items.append((message, *actions.message_text(message)))
    unread = rows.filter(read_at__isnull=True).count()
    return render(
        request, "notifications/inbox.html", {"page": page, "items": items, "unread": unread}
    )


@never_cache
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login("/notifications/")
    actions.mark_read(request.user.pk)
    return redirect("notifications:inbox")


@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    prefs = actions.preference_for(request.user.pk)
    initial = {
        "debit_alert_amount": Money(
            prefs.debit_alert_minor, prefs.debit_alert_currency
        ).to_decimal_string(),
        "transaction_inbox": prefs.transaction_inbox,
        "transaction_sms": prefs.transaction_sms,
        "transaction_email": prefs.transaction_email,
        "security_sms": prefs.security_sms,
        "security_email": prefs.security_email,
    }
    form = PreferenceForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            threshold = parse_amount(
                data["debit_alert_amount"], prefs.debit_alert_currency, allow_zero=True
            )
        except AmountError as error:
            form.add_error("debit_alert_amount", error.user_message)
            status = 400
        else:
            actions.save_preferences(
                request.user.pk,
                actor=actor_from_request(request),
                debit_alert_minor=threshold.minor,
                transaction_inbox=data["transaction_inbox"],
                transaction_sms=data["transaction_sms"],
                transaction_email=data["transaction_email"],
                security_sms=data["security_sms"],
                security_email=data["security_email"],
            )
            messages.success(request, _("Saved."))
            return redirect("notifications:preferences")
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "threshold": format_amount(Money(prefs.debit_alert_minor, prefs.debit_alert_currency)),
        },
        status=status,
    )


@never_cache
@require_GET
def developer_outbox(request: HttpRequest) -> HttpResponse:
    """DEBUG only, staff only: messages exactly as the SMS/email provider received them."""
    if not settings.WALLETDESK_NOTIFICATIONS["DEV_OUTBOX_PAGE"]:
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not getattr(request.user, "is_staff", False):
        return render(request, "identity/denied.html", status=403)
    return render(request, "notifications/dev_outbox.html", {"items": dev_outbox()})
