"""JSON API for wallet operations (customer-scoped). Views parse, call one action, render."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from walletdesk.api.fields import AmountField, CurrencyField, StrictUUIDField
from walletdesk.api.idempotency import idempotency_key, outcome_response
from walletdesk.api.openapi import ERROR, IDEMPOTENCY_HEADER
from walletdesk.api.pagination import NewestFirstPagination
from walletdesk.api.params import single_query_value
from walletdesk.api.serializers import StrictSerializer, validated
from walletdesk.core.actors import actor_from_request
from walletdesk.core.auth import authenticated_user_id
from walletdesk.core.errors import NotFoundError, ValidationFailedError
from walletdesk.core.money import Money, parse_amount
from walletdesk.identity.facade import ApprovalSummary, payment_passkey_challenge
from walletdesk.ledger.facade import wallet_balances
from walletdesk.payments import (
    fx,
    operations,
    refund_requests,
    refusals,
    selectors,
    staff_refunds,
)
from walletdesk.payments.enums import (
    ActivityStatus,
    ActivityType,
    MerchantRefusalReason,
    RefundRequestReason,
    RefundRequestStatus,
    RefusalReason,
)
from walletdesk.payments.models import Merchant, Payment, Transfer, Wallet
from walletdesk.payments.staff_refunds import RefundReason


class MerchantOutput(serializers.Serializer[Any]):
    id = StrictUUIDField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    currency = serializers.CharField()
    country = serializers.CharField()
    category = serializers.CharField()


class RecordOutput(serializers.Serializer[Any]):
    id = StrictUUIDField()
    type = serializers.ChoiceField(choices=ActivityType.choices)
    status = serializers.ChoiceField(choices=ActivityStatus.choices)
    title = serializers.CharField()
    counterparty = serializers.CharField()
    amount = serializers.CharField(help_text="Signed decimal string: negative is money out.")
    fee = serializers.CharField()
    currency = serializers.CharField()
    created_at = serializers.DateTimeField()
    failure_reason = serializers.ChoiceField(
        choices=RefusalReason.choices,
        allow_null=True,
        help_text=(
            "A refused payment or transfer (status failed; no money moved): the stable reason "
            "code. Null for every other record."
        ),
    )
    failure_reason_text = serializers.CharField(
        allow_null=True, help_text="The reason in plain words, in the request's language."
    )
    next_step = serializers.CharField(
        allow_null=True, help_text="What the customer can do about it, in the request's language."
    )


class TransferOutput(serializers.Serializer[Any]):
    id = StrictUUIDField()
    type = serializers.CharField()
    status = serializers.CharField()
    amount = serializers.CharField()
    fee = serializers.CharField()
    currency = serializers.CharField()
    recipient = serializers.CharField(required=False)
    memo = serializers.CharField()
    created_at = serializers.DateTimeField()


class PaymentOutput(serializers.Serializer[Any]):
    id = StrictUUIDField()
    type = serializers.CharField()
    status = serializers.CharField()
    merchant = serializers.DictField()
    amount = serializers.CharField()
    currency = serializers.CharField()
    debit_amount = serializers.CharField()
    debit_currency = serializers.CharField()
    fee = serializers.CharField()
    fx_rate = serializers.CharField(allow_null=True)
    refunded_amount = serializers.CharField()
    created_at = serializers.DateTimeField()


def _payer(request: Request) -> operations.Payer:
    from walletdesk.identity.facade import outflow_hold_of, recipient_lookups_blocked_of

    authenticated_user_id(request)  # PermissionDenied for a request without a signed-in user
    return operations.Payer(
        actor_from_request(request),
        kyc_level=int(getattr(request.user, "kyc_level", 0)),
        # The signed-in user's row is loaded already: the hold and the pause come with it.
        outflow_hold=outflow_hold_of(request.user),
        recipient_lookups_paused=recipient_lookups_blocked_of(request.user),
    )


class WalletView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_scope = "wallet_read"  # tighter than the general limit (API-2)

    @extend_schema(
        summary="Wallet status and balances",
        responses=inline_serializer(
            "Wallet",
            {
                "status": serializers.CharField(),
                "frozen_by": serializers.CharField(
                    allow_null=True, help_text="Who froze it (customer, agent…); null if not."
                ),
                "balances": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        wallet = Wallet.objects.filter(user_id=authenticated_user_id(request)).first()
        if wallet is None:
            raise NotFoundError()
        return Response(
            {
                "status": wallet.status,
                "frozen_by": wallet.frozen_by or None,
                "balances": [
                    {
                        "currency": b.currency,
                        "posted": b.posted.to_decimal_string(),
                        "held": b.held.to_decimal_string(),
                        "available": b.available.to_decimal_string(),
                    }
                    for b in wallet_balances(authenticated_user_id(request))
                ],
            }
        )


class ConfirmedInput(StrictSerializer):
    """Money leaves the wallet only with the customer's payment password or a passkey."""

    payment_password = serializers.CharField(
        max_length=6,
        min_length=6,
        write_only=True,
        trim_whitespace=False,
        required=False,
        allow_null=True,
        default=None,
        help_text="The 6-digit payment password. Give this or `passkey_assertion`, not both.",
    )
    passkey_assertion = serializers.CharField(
        max_length=8192,
        write_only=True,
        trim_whitespace=False,
        required=False,
        allow_null=True,
        default=None,
        help_text=(
            "Confirm with a passkey instead of the payment password: the JSON-encoded "
            "PublicKeyCredential from `navigator.credentials.get` for the options of "
            "`POST /api/v1/identity/passkeys/payment-options`, sent with the same session "
            "cookie. Each challenge works once. Neither field → 400 "
            "`payment_confirmation_required`; both → 400 `payment_confirmation_ambiguous`; "
            "a bad, replayed or foreign assertion → 400 `passkey_invalid`."
        ),
    )


class TransferPreviewInput(StrictSerializer):
    recipient = serializers.CharField(
        max_length=254, help_text="Phone number or email of the recipient."
    )
    amount = AmountField()
    currency = CurrencyField(default="CNY")


class TransferInput(ConfirmedInput):
    recipient = serializers.CharField(
        max_length=254, help_text="Phone number or email of the recipient."
    )
    amount = AmountField()
    currency = CurrencyField(default="CNY")
    memo = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class TransferPreviewView(APIView):
    """The confirm step: show the customer who receives the money before they enter the payment
    password."""

    permission_classes = [IsAuthenticated]
    throttle_scope = "recipient_lookup"  # shares the transfers' look-up budget (API-2)

    @extend_schema(
        summary="Who receives a transfer, with amount and fee, before confirming",
        request=TransferPreviewInput,
        responses={
            200: inline_serializer(
                "TransferPreview",
                {
                    "recipient": inline_serializer(
                        "TransferPreviewRecipient",
                        {
                            "name": serializers.CharField(
                                help_text="Real name (or nickname) masked: 李*"
                            ),
                            "name_verified": serializers.BooleanField(),
                            "contact": serializers.CharField(help_text="138****1234"),
                        },
                    ),
                    "amount": serializers.CharField(),
                    "fee": serializers.CharField(),
                    "total": serializers.CharField(),
                    "currency": serializers.CharField(),
                },
            ),
            400: ERROR,
            404: ERROR,
            409: ERROR,
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(TransferPreviewInput, request.data)
        return Response(
            operations.preview_transfer(
                payer=_payer(request),
                recipient=data["recipient"],
                amount=data["amount"],
                currency=data["currency"],
            )
        )


class TransferListView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_scope = "recipient_lookup"  # every transfer looks a recipient up (API-2)

    @extend_schema(
        summary="Send money to another wallet",
        description=(
            "Show the recipient first (`POST /api/v1/transfers/preview`), then confirm with "
            "exactly one of `payment_password` or `passkey_assertion`."
        ),
        parameters=[IDEMPOTENCY_HEADER],
        request=TransferInput,
        responses={
            201: TransferOutput,
            400: ERROR,
            403: ERROR,
            404: ERROR,
            409: ERROR,
            422: ERROR,
            423: ERROR,
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(TransferInput, request.data)
        outcome = operations.transfer(
            payer=_payer(request),
            recipient=data["recipient"],
            amount=data["amount"],
            currency=data["currency"],
            memo=data["memo"],
            idempotency_key=idempotency_key(request),
            payment_password=data["payment_password"],
            passkey_assertion=data["passkey_assertion"],
            passkey_challenge=payment_passkey_challenge(
                request._request, data["passkey_assertion"]
            ),
        )
        return outcome_response(outcome)


class TransferDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="One of your transfers", responses={200: TransferOutput, 404: ERROR})
    def get(self, request: Request, public_id: str) -> Response:
        transfer = Transfer.objects.filter(
            public_id=public_id, sender_id=authenticated_user_id(request)
        ).first()
        if transfer is None:
            raise NotFoundError()
        return Response(
            {
                "id": str(transfer.public_id),
                "type": "transfer",
                "status": "succeeded",
                "amount": Money(transfer.amount, transfer.currency).to_decimal_string(),
                "fee": Money(transfer.fee, transfer.currency).to_decimal_string(),
                "currency": transfer.currency,
                "memo": transfer.memo,
                "created_at": transfer.created_at.isoformat(),
            }
        )


class MerchantListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Merchants that accept payments", responses=MerchantOutput(many=True))
    def get(self, request: Request) -> Response:
        merchants = Merchant.objects.filter(is_active=True).order_by("name")[:200]
        return Response(
            [
                {
                    "id": str(m.public_id),
                    "name": m.name,
                    "name_en": m.name_en,
                    "currency": m.currency,
                    "country": m.country,
                    "category": m.category,
                }
                for m in merchants
            ]
        )


class PaymentInput(ConfirmedInput):
    merchant_id = StrictUUIDField()
    amount = AmountField(help_text="In the merchant's currency.")
    fx_quote_id = StrictUUIDField(required=False, allow_null=True, default=None)
    description = serializers.CharField(
        max_length=120, required=False, allow_blank=True, default=""
    )


class PaymentListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Pay a merchant",
        description=(
            "Confirm with exactly one of `payment_password` or `passkey_assertion` (a passkey, "
            "i.e. fingerprint or face: get a challenge from "
            "`POST /api/v1/identity/passkeys/payment-options` first)."
        ),
        parameters=[IDEMPOTENCY_HEADER],
        request=PaymentInput,
        responses={
            201: PaymentOutput,
            400: ERROR,
            403: ERROR,
            404: ERROR,
            409: ERROR,
            422: ERROR,
            423: ERROR,
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(PaymentInput, request.data)
        outcome = operations.pay_merchant(
            payer=_payer(request),
            merchant_id=str(data["merchant_id"]),
            amount=data["amount"],
            payment_password=data["payment_password"],
            passkey_assertion=data["passkey_assertion"],
            passkey_challenge=payment_passkey_challenge(
                request._request, data["passkey_assertion"]
            ),
            idempotency_key=idempotency_key(request),
            fx_quote_id=str(data["fx_quote_id"]) if data["fx_quote_id"] else None,
            description=data["description"],
        )
        return outcome_response(outcome)


class PaymentDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="One of your payments", responses={200: PaymentOutput, 404: ERROR})
    def get(self, request: Request, public_id: str) -> Response:
        payment = (
            Payment.objects.select_related("merchant")
            .filter(public_id=public_id, user_id=authenticated_user_id(request))
            .first()
        )
        if payment is None:
            raise NotFoundError()
        return Response(operations.payment_body(payment, payment.merchant))


class RefundInput(StrictSerializer):
    amount = AmountField(help_text="In the payment's currency.")
    reason_code = serializers.ChoiceField(choices=RefundReason.choices)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ApprovalOutput(serializers.Serializer[Any]):
    approval = inline_serializer(
        "ApprovalRequestOutput",
        {
            "id": StrictUUIDField(),
            "kind": serializers.CharField(),
            "status": serializers.CharField(),
            "amount": serializers.CharField(),
            "currency": serializers.CharField(),
            "reason_code": serializers.CharField(),
            "expires_at": serializers.DateTimeField(),
        },
    )


class RefundCreateView(APIView):
    """Staff refunds (ACC-4): the `identity.refund_payment` permission, a reason code and a fresh
    step-up; at or above the threshold the refund waits for a second approver (202)."""

    permission_classes = [IsAuthenticated, IsAdminUser]

    @extend_schema(
        summary="Refund a payment (staff)",
        parameters=[IDEMPOTENCY_HEADER],
        request=RefundInput,
        responses={
            201: inline_serializer(
                "RefundOutput",
                {
                    "id": StrictUUIDField(),
                    "type": serializers.ChoiceField(choices=["refund"]),
                    "payment_id": StrictUUIDField(),
                    "amount": serializers.CharField(),
                    "currency": serializers.CharField(),
                    "credit_amount": serializers.CharField(),
                    "credit_currency": serializers.CharField(),
                    "payment_status": serializers.CharField(),
                    "created_at": serializers.DateTimeField(),
                },
            ),
            202: ApprovalOutput,
            400: ERROR,
            403: ERROR,
            404: ERROR,
            409: ERROR,
        },
    )
    def post(self, request: Request, public_id: str) -> Response:
        data = validated(RefundInput, request.data)
        outcome = staff_refunds.refund_by_staff(
            request=request._request,
            agent_id=authenticated_user_id(request),
            payment_id=public_id,
            amount=data["amount"],
            reason_code=data["reason_code"],
            note=data["note"],
            idempotency_key=idempotency_key(request),
        )
        if isinstance(outcome, ApprovalSummary):
            return _approval_response(outcome)
        return outcome_response(outcome)


def _approval_response(outcome: ApprovalSummary) -> Response:
    return Response(
        {
            "approval": {
                "id": outcome.id,
                "kind": outcome.kind,
                "status": outcome.status,
                "amount": Money(outcome.amount or 0, outcome.currency).to_decimal_string(),
                "currency": outcome.currency,
                "reason_code": outcome.reason_code,
                "expires_at": outcome.expires_at.isoformat(),
            }
        },
        status=202,
    )


class RefundRequestInput(StrictSerializer):
    amount = AmountField(
        required=False,
        allow_null=True,
        default=None,
        help_text="In the payment's currency; at most what is left to refund. Default: all of it.",
    )
    reason = serializers.ChoiceField(choices=RefundRequestReason.choices)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RefundRequestOutput(serializers.Serializer[Any]):
    id = StrictUUIDField()
    payment_id = StrictUUIDField()
    merchant = serializers.CharField()
    status = serializers.ChoiceField(choices=RefundRequestStatus.choices)
    status_text = serializers.CharField(help_text="The status in the request's language.")
    amount = serializers.CharField()
    currency = serializers.CharField()
    reason = serializers.ChoiceField(choices=RefundRequestReason.choices)
    note = serializers.CharField()
    answer_reason = serializers.ChoiceField(
        choices=MerchantRefusalReason.choices,
        allow_null=True,
        help_text="Why the merchant refused (status refused); null otherwise.",
    )
    answer_reason_text = serializers.CharField(allow_null=True)
    answer_note = serializers.CharField()
    refund_id = StrictUUIDField(
        allow_null=True, help_text="The refund that ran when the merchant accepted."
    )
    expires_at = serializers.DateTimeField(
        help_text="Still waiting at this moment, the request expires (nothing moves)."
    )
    answered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class RefundRequestListView(APIView):
    """A customer asks the merchant for a refund of one of their own payments."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Your refund requests for one of your payments, newest first",
        responses={200: RefundRequestOutput(many=True), 404: ERROR},
    )
    def get(self, request: Request, public_id: str) -> Response:
        user_id = authenticated_user_id(request)
        payment = Payment.objects.filter(public_id=public_id, user_id=user_id).first()
        if payment is None:
            raise NotFoundError()
        rows = (
            payment.refund_requests.select_related("payment__merchant", "refund")
            .filter(user_id=user_id)
            .order_by("-created_at", "-pk")[:20]
        )
        return Response([refund_requests.body(row) for row in rows])

    @extend_schema(
        summary="Ask the merchant for a refund",
        description=(
            "Moves no money: the merchant accepts (the refund comes back to your wallet), "
            "refuses, or does not answer in time (`expired`). One request at a time per payment "
            "(409 `refund_request_open`); 409 `payment_not_refundable` when nothing is left to "
            "refund, `refund_exceeds_payment` for more than is left. Another customer's payment "
            "answers 404 like a missing one."
        ),
        parameters=[IDEMPOTENCY_HEADER],
        request=RefundRequestInput,
        responses={201: RefundRequestOutput, 400: ERROR, 404: ERROR, 409: ERROR, 422: ERROR},
    )
    def post(self, request: Request, public_id: str) -> Response:
        data = validated(RefundRequestInput, request.data)
        outcome = refund_requests.request_refund(
            customer_id=authenticated_user_id(request),
            payment_id=str(public_id),
            amount=data["amount"],
            reason=data["reason"],
            note=data["note"],
            idempotency_key=idempotency_key(request),
        )
        return outcome_response(outcome)


class RefundRequestAnswerInput(StrictSerializer):
    decision = serializers.ChoiceField(choices=["accept", "refuse"])
    reason_code = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "Refuse: the merchant's reason, one of "
            + ", ".join(f"`{code}`" for code in MerchantRefusalReason.values)
            + ". Accept: `merchant_agreed` (the default)."
        ),
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RefundRequestAnswerView(APIView):
    """The merchant's answer, recorded by staff (merchants have no logins or API keys yet):
    `identity.refund_payment`, a fresh step-up; an acceptance at or above the four-eyes
    threshold waits for a second approver (202)."""

    permission_classes = [IsAuthenticated, IsAdminUser]

    @extend_schema(
        summary="Record the merchant's answer to a refund request (staff)",
        request=RefundRequestAnswerInput,
        responses={
            200: RefundRequestOutput,
            202: ApprovalOutput,
            400: ERROR,
            403: ERROR,
            404: ERROR,
            409: ERROR,
        },
    )
    def post(self, request: Request, public_id: str, request_id: str) -> Response:
        data = validated(RefundRequestAnswerInput, request.data)
        outcome = refund_requests.answer_by_staff(
            request=request._request,
            agent_id=authenticated_user_id(request),
            payment_id=str(public_id),
            request_id=str(request_id),
            decision=data["decision"],
            reason_code=data["reason_code"],
            note=data["note"],
        )
        if isinstance(outcome, ApprovalSummary):
            return _approval_response(outcome)
        return Response(refund_requests.body(outcome))


class QuoteInput(StrictSerializer):
    sell_currency = CurrencyField(default="CNY")
    buy_currency = CurrencyField()
    buy_amount = AmountField()


class FxQuoteView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Get an exchange quote (valid 60 seconds)",
        request=QuoteInput,
        responses={
            201: inline_serializer(
                "FxQuote",
                {
                    "id": StrictUUIDField(),
                    "sell_amount": serializers.CharField(),
                    "sell_currency": serializers.CharField(),
                    "buy_amount": serializers.CharField(),
                    "buy_currency": serializers.CharField(),
                    "mid_rate": serializers.CharField(),
                    "rate": serializers.CharField(),
                    "spread_bp": serializers.IntegerField(),
                    "fee": serializers.CharField(),
                    "total": serializers.CharField(),
                    "expires_at": serializers.DateTimeField(),
                },
            ),
            400: ERROR,
            409: ERROR,
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(QuoteInput, request.data)
        buy = parse_amount(data["buy_amount"], data["buy_currency"])
        quote = fx.create_quote(
            user_id=authenticated_user_id(request), sell_currency=data["sell_currency"], buy=buy
        )
        return Response(
            {
                "id": str(quote.public_id),
                "sell_amount": Money(quote.sell_amount, quote.sell_currency).to_decimal_string(),
                "sell_currency": quote.sell_currency,
                "buy_amount": buy.to_decimal_string(),
                "buy_currency": buy.currency,
                "mid_rate": str(quote.mid_rate),
                "rate": str(quote.customer_rate),
                "spread_bp": quote.spread_bp,
                "fee": Money(quote.fee, quote.sell_currency).to_decimal_string(),
                "total": Money(
                    quote.sell_amount + quote.fee, quote.sell_currency
                ).to_decimal_string(),
                "expires_at": quote.expires_at.isoformat(),
            },
            status=201,
        )


RECORD_FILTERS = ("type", "status", "date_from", "date_to", "min_amount", "max_amount", "currency")


class RecordListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Your records (transactions), newest first",
        parameters=[
            OpenApiParameter("type", str, enum=list(ActivityType.values)),
            OpenApiParameter("status", str, enum=list(ActivityStatus.values)),
            OpenApiParameter("date_from", str, description="YYYY-MM-DD"),
            OpenApiParameter("date_to", str, description="YYYY-MM-DD"),
            OpenApiParameter("min_amount", str),
            OpenApiParameter("max_amount", str),
            OpenApiParameter("currency", str),
            *NewestFirstPagination.openapi_parameters(),
        ],
        responses={
            200: inline_serializer(
                "RecordPage",
                {
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": RecordOutput(many=True),
                },
            ),
            400: ERROR,
        },
    )
    def get(self, request: Request) -> Response:
        for name in RECORD_FILTERS:
            single_query_value(request.query_params, name)
        filters, errors = selectors.parse_filters(request.query_params.dict())
        if errors:
            raise ValidationFailedError(fields=errors)
        paginator = NewestFirstPagination()
        page = paginator.paginate_queryset(
            selectors.customer_activities(authenticated_user_id(request), filters), request, self
        )
        user_id = authenticated_user_id(request)
        details = selectors.refusal_details(user_id, page or [])
        rows = [_record(row, details) for row in page or []]
        return paginator.get_paginated_response(rows)


class RecordExportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Download your records as CSV",
        responses={(200, "text/csv"): OpenApiResponse(response=OpenApiTypes.STR)},
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        for name in RECORD_FILTERS:
            single_query_value(request.query_params, name)
        filters, errors = selectors.parse_filters(request.query_params.dict())
        if errors:
            raise ValidationFailedError(fields=errors)
        rows = selectors.customer_activities(authenticated_user_id(request), filters).iterator(
            chunk_size=500
        )
        response = StreamingHttpResponse(
            selectors.statement_csv_rows(rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="walletdesk-statement.csv"'
        response["Cache-Control"] = "no-store"
        return response


def _record(row: Any, details: dict[Any, dict[str, str]]) -> dict[str, Any]:
    reason = row.failure_reason or None
    return {
        "id": str(row.object_public_id),
        "type": row.type,
        "status": row.status,
        "title": row.title,
        "counterparty": row.counterparty,
        "amount": Money(row.amount, row.currency).to_decimal_string(),
        "fee": Money(row.fee, row.currency).to_decimal_string(),
        "currency": row.currency,
        "created_at": row.created_at.isoformat(),
        "failure_reason": reason,
        "failure_reason_text": refusals.reason_label(reason) if reason else None,
        "next_step": (
            refusals.next_step(reason, details.get(row.object_public_id)) if reason else None
        ),
    }
