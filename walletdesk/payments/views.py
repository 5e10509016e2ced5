"""Wallet app pages (mobile first). Thin: parse the form, call one action, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from walletdesk.core.actors import actor_from_request
from walletdesk.core.auth import authenticated_user_id
from walletdesk.core.errors import WalletDeskError
from walletdesk.core.money import Money, format_amount, parse_amount
from walletdesk.identity.facade import payment_passkey_challenge
from walletdesk.ledger.facade import wallet_balances
from walletdesk.payments import fx, operations, refund_requests, refusals, selectors
from walletdesk.payments.enums import ActivityType, PaymentStatus, RefundRequestStatus
from walletdesk.payments.forms import (
    PayForm,
    RecordFilterForm,
    RefundRequestForm,
    TransferForm,
    new_idempotency_key,
)
from walletdesk.payments.models import Merchant, Payment, Refund, Transfer, Wallet
from walletdesk.payments.wallets import open_wallet

RECORDS_PER_PAGE = 20


def _payer(request: HttpRequest) -> operations.Payer:
    from walletdesk.identity.facade import outflow_hold_of, recipient_lookups_blocked_of

    authenticated_user_id(request)  # PermissionDenied for a request without a signed-in user
    return operations.Payer(
        actor_from_request(request),
        kyc_level=int(getattr(request.user, "kyc_level", 0)),
        # The signed-in user's row is loaded already: the hold and the pause come with it.
        outflow_hold=outflow_hold_of(request.user),
        recipient_lookups_paused=recipient_lookups_blocked_of(request.user),
    )


def _wallet(request: HttpRequest) -> Wallet:
    wallet = Wallet.objects.filter(user_id=authenticated_user_id(request)).first()
    return wallet if wallet is not None else open_wallet(authenticated_user_id(request))


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if getattr(request.user, "is_staff", False):
        # Staff have no wallet; their work starts in the staff pages (the console comes next).
        return redirect("helpcenter:editor")
    wallet = _wallet(request)
    balances = wallet_balances(authenticated_user_id(request))
    primary = next((b for b in balances if b.currency == "CNY"), balances[0] if balances else None)
    recent = list(selectors.customer_activities(authenticated_user_id(request))[:5])
    return render(
        request,
        "payments/home.html",
        {
            "wallet": wallet,
            "primary": primary,
            "others": [b for b in balances if b is not primary and b.posted.minor],
            "recent": recent,
            "nav": "home",
        },
    )


@sensitive_post_parameters("payment_password", "passkey_assertion")
@login_required
def transfer(request: HttpRequest) -> HttpResponse:
    """Step 1: recipient, amount, note. Step 2 ("confirm"): the recipient's masked real name and
    phone or email, the amount and fee, then the payment password (or a passkey)."""
    from walletdesk.identity.facade import has_passkey

    form = TransferForm(request.POST or None, initial={"idempotency_key": new_idempotency_key()})
    preview: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            preview = operations.preview_transfer(
                payer=_payer(request),
                recipient=data["recipient"],
                amount=data["amount"],
                currency="CNY",
            )
            if request.POST.get("step") == "confirm":
                outcome = operations.transfer(
                    payer=_payer(request),
                    recipient=data["recipient"],
                    amount=data["amount"],
                    currency="CNY",
                    memo=data["memo"],
                    idempotency_key=data["idempotency_key"],
                    payment_password=data["payment_password"] or None,
                    passkey_assertion=request.POST.get("passkey_assertion") or None,
                    passkey_challenge=payment_passkey_challenge(
                        request, request.POST.get("passkey_assertion") or None
                    ),
                )
                messages.success(
                    request,
                    _("Sent %(amount)s to %(name)s.")
                    % {
                        "amount": format_amount(parse_amount(outcome.body["amount"], "CNY")),
                        "name": outcome.body["recipient"],
                    },
                )
                return redirect(
                    "payments:record-detail", kind="transfer_out", public_id=outcome.body["id"]
                )
        except WalletDeskError as error:
            form.add_error(None, error.user_message)
    return render(
        request,
        "payments/transfer.html",
        {
            "form": form,
            "preview": preview,
            "available": _available(request, "CNY"),
            "has_passkey": preview is not None and has_passkey(authenticated_user_id(request)),
            "nav": "home",
        },
    )


def _available(request: HttpRequest, currency: str) -> Money | None:
    for balance in wallet_balances(authenticated_user_id(request)):
        if balance.currency == currency:
            return balance.available
    return None


@sensitive_post_parameters("payment_password", "passkey_assertion")
@login_required
def pay(request: HttpRequest) -> HttpResponse:
    from walletdesk.identity.facade import has_passkey

    passkey_assertion = request.POST.get("passkey_assertion") or None
    merchants = list(Merchant.objects.filter(is_active=True).order_by("currency", "name"))
    choices = [(str(m.public_id), f"{m.display_name} · {m.currency}") for m in merchants]
    form = PayForm(
        request.POST or None, merchants=choices, initial={"idempotency_key": new_idempotency_key()}
    )
    quote = None
    if request.method == "POST" and form.is_valid():
        merchant = next(m for m in merchants if str(m.public_id) == form.cleaned_data["merchant"])
        try:
            quote = _quote_for(request, merchant, form)
            if quote is not None:
                # Asked for a quote, or a foreign-currency payment without one: show the quote
                # step (rate, fee, validity) and let the customer confirm with it.
                data = request.POST.copy()
                data["fx_quote_id"] = str(quote.public_id)
                form = PayForm(data, merchants=choices)
                form.is_valid()
            else:
                outcome = operations.pay_merchant(
                    payer=_payer(request),
                    merchant_id=form.cleaned_data["merchant"],
                    amount=form.cleaned_data["amount"],
                    payment_password=form.cleaned_data["payment_password"] or None,
                    passkey_assertion=passkey_assertion,
                    passkey_challenge=payment_passkey_challenge(request, passkey_assertion),
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    fx_quote_id=form.cleaned_data["fx_quote_id"] or None,
                )
                messages.success(
                    request, _("Paid %(merchant)s.") % {"merchant": merchant.display_name}
                )
                return redirect(
                    "payments:record-detail", kind="payment", public_id=outcome.body["id"]
                )
        except WalletDeskError as error:
            form.add_error(None, error.user_message)
    return render(
        request,
        "payments/pay.html",
        {
            "form": form,
            "quote": quote,
            "merchants": merchants,
            "nav": "home",
            "available": _available(request, "CNY"),
            "has_passkey": has_passkey(authenticated_user_id(request)),
        },
    )


def _quote_for(request: HttpRequest, merchant: Merchant, form: PayForm) -> Any:
    """A fresh quote when the customer asked for one or is paying a foreign merchant without one;
    None when the payment goes ahead (domestic, or confirming with the quote in the form)."""
    if merchant.currency == "CNY":
        return None
    quote_id = form.cleaned_data.get("fx_quote_id")
    if quote_id and request.POST.get("step") != "quote":
        return None
    price = parse_amount(form.cleaned_data["amount"], merchant.currency)
    return fx.create_quote(user_id=authenticated_user_id(request), sell_currency="CNY", buy=price)


@login_required
@require_GET
def records(request: HttpRequest) -> HttpResponse:
    filters, errors = selectors.parse_filters(request.GET.dict())
    form = RecordFilterForm(request.GET or None)
    for field, message in errors.items():
        if field in form.fields:
            form.add_error(field, message)
    queryset = selectors.customer_activities(authenticated_user_id(request), filters)
    page = Paginator(queryset, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "payments/records.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "nav": "records",
        },
    )


@login_required
@require_GET
def records_export(request: HttpRequest) -> StreamingHttpResponse:
    filters, _errors = selectors.parse_filters(request.GET.dict())
    rows = selectors.customer_activities(authenticated_user_id(request), filters).iterator(
        chunk_size=500
    )
    response = StreamingHttpResponse(
        selectors.statement_csv_rows(rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="walletdesk-statement.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def record_detail(request: HttpRequest, kind: str, public_id: str) -> HttpResponse:
    row = selectors.customer_activity(authenticated_user_id(request), kind, str(public_id))
    if row is None:
        raise Http404
    context: dict[str, Any] = {"row": row, "nav": "records"}
    if row.failure_reason:
        # A refused payment or transfer: nothing moved, so there is no payment or transfer row.
        attempt = selectors.refused_attempt(authenticated_user_id(request), str(public_id))
        context["attempt"] = attempt
        context["next_step"] = refusals.next_step(
            row.failure_reason, attempt.details if attempt else None
        )
    elif kind == ActivityType.PAYMENT:
        payment = Payment.objects.select_related("merchant").get(
            public_id=public_id, user_id=authenticated_user_id(request)
        )
        context["payment"] = payment
        context["refunds"] = list(payment.refunds.order_by("created_at"))
        context.update(_refund_request_context(request, payment))
    elif kind in (ActivityType.TRANSFER_OUT, ActivityType.TRANSFER_IN):
        context["transfer"] = Transfer.objects.get(public_id=public_id)
    elif kind == ActivityType.REFUND:
        context["refund"] = Refund.objects.select_related("payment__merchant").get(
            public_id=public_id
        )
    else:
        return redirect(f"/records/{kind.replace('_', '-')}/{public_id}/")
    return render(request, "payments/record_detail.html", context)


def _refund_request_context(
    request: HttpRequest, payment: Payment, form: RefundRequestForm | None = None
) -> dict[str, Any]:
    """The payment's latest refund request (one query) and, while the payment has something
    left to refund and no request is waiting, the form to ask the merchant."""
    latest = refund_requests.latest_for_payment(
        authenticated_user_id(request), str(payment.public_id)
    )
    can_ask = payment.status != PaymentStatus.REFUNDED and (
        latest is None or latest.status != RefundRequestStatus.REQUESTED
    )
    if can_ask and form is None:
        remaining = Money(payment.amount - payment.refunded_amount, payment.currency)
        form = RefundRequestForm(
            initial={
                "idempotency_key": new_idempotency_key(),
                "amount": remaining.to_decimal_string(),
            }
        )
    return {
        "refund_request": refund_requests.summary(latest) if latest is not None else None,
        "refund_request_form": form if can_ask else None,
    }


@login_required
@require_POST
def refund_request(request: HttpRequest, public_id: str) -> HttpResponse:
    """The payment record page's "Ask for a refund" form."""
    user_id = authenticated_user_id(request)
    payment = (
        Payment.objects.select_related("merchant")
        .filter(public_id=public_id, user_id=user_id)
        .first()
    )
    if payment is None:
        raise Http404
    form = RefundRequestForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            refund_requests.request_refund(
                customer_id=user_id,
                payment_id=str(payment.public_id),
                amount=data["amount"],
                reason=data["reason"],
                note=data["note"],
                idempotency_key=data["idempotency_key"],
            )
        except WalletDeskError as error:
            form.add_error(None, error.user_message)
        else:
            messages.success(
                request,
                _("Your refund request was sent to %(merchant)s.")
                % {"merchant": payment.merchant.display_name},
            )
            return redirect("payments:record-detail", kind="payment", public_id=payment.public_id)
    row = selectors.customer_activity(user_id, ActivityType.PAYMENT, str(public_id))
    if row is None:
        raise Http404
    context: dict[str, Any] = {
        "row": row,
        "nav": "records",
        "payment": payment,
        "refunds": list(payment.refunds.order_by("created_at")),
        **_refund_request_context(request, payment, form),
    }
    return render(request, "payments/record_detail.html", context, status=400)
