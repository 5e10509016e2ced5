"""Wallet pages for top-ups, withdrawals, bank cards and their record pages (mobile first).

Thin: parse the form, call one action, render. Money forms carry an idempotency key generated
when the form is rendered (`data-once` forms also disable the button on submit), so a double
submit replays the first result instead of moving money twice.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from walletdesk.core.errors import WalletDeskError
from walletdesk.core.money import Money, format_amount
from walletdesk.identity.facade import payment_passkey_challenge
from walletdesk.payments import cards, reconciliation, topups, withdrawals
from walletdesk.payments.enums import (
    FailureReason,
    RailMethod,
    RailOperationStatus,
    WithdrawalFeeMethod,
)
from walletdesk.payments.forms import payment_password_field
from walletdesk.payments.models import TopUp, Withdrawal
from walletdesk.payments.wallets import wallet_account

CURRENCY = "CNY"
SOURCE_LABELS = {
    "customer": gettext_lazy("You"),
    "rail": gettext_lazy("Payment channel"),
    "callback": gettext_lazy("Payment channel notice"),
    "reconciliation": gettext_lazy("Automatic check with the channel"),
    "requery": gettext_lazy("You asked us to check"),
    "expiry": gettext_lazy("Time limit reached"),
}
STATUS_BADGES = {
    RailOperationStatus.CREATED: "badge-info",
    RailOperationStatus.PENDING: "badge-wait",
    RailOperationStatus.SUCCEEDED: "badge-ok",
    RailOperationStatus.FAILED: "badge-bad",
    RailOperationStatus.EXPIRED: "badge-bad",
}


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class AmountInput(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 16)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "0.00"}
            ),
        )
        super().__init__(**kwargs)


class TopUpForm(forms.Form):
    amount = AmountInput(label=gettext_lazy("Amount (CNY)"))
    method = forms.ChoiceField(
        label=gettext_lazy("Pay with"),
        choices=RailMethod.choices,
        widget=forms.RadioSelect,
        initial=RailMethod.THIRD_PARTY_WALLET,
    )
    card = forms.ChoiceField(label=gettext_lazy("Bank card"), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, card_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["card"].choices = [("", _("Choose a card")), *card_choices]  # type: ignore[attr-defined]


class WithdrawForm(forms.Form):
    amount = AmountInput(label=gettext_lazy("Amount to withdraw (CNY)"))
    card = forms.ChoiceField(label=gettext_lazy("To bank card"))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # Chosen on the confirm step, where both ways are shown with their figures.
    fee_method = forms.ChoiceField(
        choices=WithdrawalFeeMethod.choices, required=False, widget=forms.RadioSelect
    )
    # Asked on the confirm step, under the fee and the receiving card.
    payment_password = payment_password_field()

    def __init__(self, *args: Any, card_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["card"].choices = card_choices  # type: ignore[attr-defined]


class CardForm(forms.Form):
    # render_value=False everywhere: a page never sends the number or the CVV back.
    number = forms.CharField(
        label=gettext_lazy("Card number"),
        max_length=40,
        strip=False,
        widget=forms.PasswordInput(
            render_value=False,
            attrs={
                "inputmode": "numeric",
                "autocomplete": "cc-number",
                "placeholder": "6222 0000 0000 0000",
            },
        ),
    )
    expiry = forms.CharField(
        label=gettext_lazy("Valid thru (MM/YY)"),
        max_length=7,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "cc-exp", "placeholder": "08/29"}
        ),
    )
    cvv = forms.CharField(
        label=gettext_lazy("Security code (CVV)"),
        max_length=4,
        strip=False,
        widget=forms.PasswordInput(
            render_value=False, attrs={"inputmode": "numeric", "autocomplete": "cc-csc"}
        ),
    )


def _card_choices(user_id: int) -> list[tuple[str, str]]:
    return [(str(card.public_id), cards.card_label(card)) for card in cards.customer_cards(user_id)]


def _available(user_id: int) -> str:
    account = wallet_account(user_id, CURRENCY)
    return format_amount(Money(account.available, CURRENCY))


def _uid(request: HttpRequest) -> int:
    user_id = request.user.pk
    assert isinstance(user_id, int)
    return user_id


def _kyc(request: HttpRequest) -> int:
    return int(getattr(request.user, "kyc_level", 0) or 0)


@login_required
@require_http_methods(["GET", "POST"])
def top_up(request: HttpRequest) -> HttpResponse:
    user_id = _uid(request)
    choices = _card_choices(user_id)
    form = TopUpForm(
        request.POST or None,
        card_choices=choices,
        initial={"idempotency_key": new_idempotency_key()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            outcome = topups.create_top_up(
                user_id=user_id,
                kyc_level=_kyc(request),
                amount=form.cleaned_data["amount"],
                currency=CURRENCY,
                method=form.cleaned_data["method"],
                card_id=form.cleaned_data["card"] or None,
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except WalletDeskError as error:
            form.add_error(None, error.user_message)
        else:
            return redirect("payments:topup-detail", public_id=outcome.body["id"])
    return render(
        request,
        "payments/rails/topup.html",
        {"form": form, "has_cards": bool(choices), "nav": "home"},
    )


def _withdraw_context(request: HttpRequest, form: WithdrawForm, **extra: Any) -> dict[str, Any]:
    from walletdesk.identity.facade import has_passkey, outflow_hold

    hold = outflow_hold(_uid(request))
    return {
        "form": form,
        "available": _available(_uid(request)),
        "hold": hold,
        "has_passkey": "quote" in extra and has_passkey(_uid(request)),
        "nav": "home",
        **extra,
    }


@sensitive_post_parameters("payment_password", "passkey_assertion")
@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest) -> HttpResponse:
    """Step 1: amount and card → the quote (fee, total). Step 2: the payment password (or a
    passkey) confirms → the withdrawal."""
    user_id = _uid(request)
    choices = _card_choices(user_id)
    form = WithdrawForm(
        request.POST or None,
        card_choices=choices,
        initial={"idempotency_key": new_idempotency_key()},
    )
    if not choices:
        return render(
            request, "payments/rails/withdraw.html", _withdraw_context(request, form, no_cards=True)
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        quote = None
        try:
            quote = withdrawals.quote_withdrawal(
                user_id=user_id,
                amount=data["amount"],
                currency=CURRENCY,
                card_id=data["card"],
                fee_method=data.get("fee_method"),
            )
            if request.POST.get("step") == "confirm":
                outcome = withdrawals.create_withdrawal(
                    user_id=user_id,
                    kyc_level=_kyc(request),
                    amount=data["amount"],
                    currency=CURRENCY,
                    card_id=data["card"],
                    idempotency_key=data["idempotency_key"],
                    fee_method=quote.fee_method,
                    payment_password=data["payment_password"] or None,
                    passkey_assertion=request.POST.get("passkey_assertion") or None,
                    passkey_challenge=payment_passkey_challenge(
                        request, request.POST.get("passkey_assertion") or None
                    ),
                )
                return redirect("payments:withdrawal-detail", public_id=outcome.body["id"])
        except WalletDeskError as error:
            form.add_error(None, error.user_message)
        if quote is not None:
            return render(
                request,
                "payments/rails/withdraw.html",
                _withdraw_context(
                    request,
                    form,
                    quote={
                        "amount": format_amount(quote.amount),
                        "fee": format_amount(quote.fee),
                        "total": format_amount(quote.total),
                        "fee_method": quote.fee_method.value,
                        "options": [
                            {
                                "method": option.method.value,
                                "label": option.method.label,
                                "fee": format_amount(option.fee),
                                "total_debit": format_amount(option.total_debit),
                                "arrives": format_amount(option.arrives),
                            }
                            for option in quote.options
                        ],
                        "card": cards.card_label(quote.card),
                        "arrives": quote.as_dict()["arrives"],
                    },
                    data=data,
                ),
            )
    return render(request, "payments/rails/withdraw.html", _withdraw_context(request, form))


@login_required
def card_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "payments/rails/cards.html",
        {"cards": _cards_view(_uid(request)), "form": CardForm(), "nav": "home"},
    )


def _cards_view(user_id: int) -> list[dict[str, Any]]:
    return [
        {
            "card": card,
            "label": cards.card_label(card),
            "brand": cards.BRAND_LABELS.get(card.brand, card.brand),
            "expiry": f"{card.expiry_month:02d}/{card.expiry_year % 100:02d}",
        }
        for card in cards.customer_cards(user_id)
    ]


@sensitive_post_parameters("number", "expiry", "cvv")
@login_required
@require_POST
def card_bind(request: HttpRequest) -> HttpResponse:
    form = CardForm(request.POST)
    if form.is_valid():
        try:
            card = cards.bind_card(
                user_id=_uid(request),
                number=form.cleaned_data["number"],
                expiry=form.cleaned_data["expiry"],
                cvv=form.cleaned_data["cvv"],
            )
        except WalletDeskError as error:
            form.add_error(None, error.user_message)
        else:
            messages.success(
                request, _("Card ending in %(last4)s is bound.") % {"last4": card.last4}
            )
            return redirect("payments:cards")
    return render(
        request,
        "payments/rails/cards.html",
        {"cards": _cards_view(_uid(request)), "form": form, "nav": "home"},
        status=400,
    )


@login_required
@require_POST
def card_unbind(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        card = cards.unbind_card(user_id=_uid(request), public_id=public_id)
    except WalletDeskError as error:
        if error.http_status == 404:
            raise _not_found() from error
        messages.error(request, error.user_message)
    else:
        messages.success(
            request, _("Card ending in %(last4)s was removed.") % {"last4": card.last4}
        )
    return redirect("payments:cards")


def _not_found() -> Http404:
    return Http404()


def _operation_context(operation: TopUp | Withdrawal) -> dict[str, Any]:
    money = Money(operation.amount, operation.currency)
    fee = Money(operation.fee, operation.currency)
    incoming = isinstance(operation, TopUp)
    events = [
        {
            "event": event,
            "label": RailOperationStatus(event.new_status).label,
            "source": SOURCE_LABELS.get(event.source, event.source),
            "failed": event.new_status in (RailOperationStatus.FAILED, RailOperationStatus.EXPIRED),
        }
        for event in topups.timeline(operation)
    ]
    reason = operation.failure_reason
    return {
        "operation": operation,
        "incoming": incoming,
        "status_label": RailOperationStatus(operation.status).label,
        "badge": STATUS_BADGES.get(RailOperationStatus(operation.status), "badge-info"),
        "amount": format_amount(money),
        "fee": format_amount(fee),
        "net": format_amount(money - fee if incoming else money + fee),
        "fee_method_label": (
            WithdrawalFeeMethod(operation.fee_method).label
            if isinstance(operation, Withdrawal)
            else ""
        ),
        "method_label": RailMethod(operation.method).label,
        "card_label": cards.card_label(operation.card) if operation.card else "",
        "failure_label": (
            FailureReason(reason).label if reason in FailureReason.values else reason
        ),
        "next_step": topups.next_step(operation),
        "expected_by": topups.expected_by(operation),
        "events": events,
        "is_open": operation.status in topups.OPEN_STATUSES,
    }


@login_required
def top_up_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        operation = topups.get_top_up(_uid(request), public_id)
    except WalletDeskError as error:
        raise _not_found() from error
    context = _operation_context(operation)
    context["requery_url_name"] = "payments:topup-requery"
    return render(request, "payments/rails/record_detail.html", {**context, "nav": "records"})


@login_required
def withdrawal_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        operation = withdrawals.get_withdrawal(_uid(request), public_id)
    except WalletDeskError as error:
        raise _not_found() from error
    context = _operation_context(operation)
    context["requery_url_name"] = "payments:withdrawal-requery"
    return render(request, "payments/rails/record_detail.html", {**context, "nav": "records"})


def _requery(request: HttpRequest, kind: str, public_id: uuid.UUID, detail: str) -> HttpResponse:
    try:
        operation = reconciliation.requery(user_id=_uid(request), kind=kind, public_id=public_id)
    except WalletDeskError as error:
        if error.http_status == 404:
            raise _not_found() from error
        messages.warning(request, error.user_message)
    else:
        messages.info(
            request,
            _("We checked with the payment channel. Status: %(status)s.")
            % {"status": RailOperationStatus(operation.status).label},
        )
    return redirect(detail, public_id=public_id)


@login_required
@require_POST
def top_up_requery(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _requery(request, topups.TOP_UP, public_id, "payments:topup-detail")


@login_required
@require_POST
def withdrawal_requery(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _requery(request, topups.WITHDRAWAL, public_id, "payments:withdrawal-detail")
