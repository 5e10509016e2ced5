"""JSON API for top-ups, withdrawals, bank cards and rail callbacks (under /api/v1/).

Thin views: parse → call one action → render. Customer-scoped: another customer's object is a 404
identical to a missing one. POSTs that move money need an `Idempotency-Key` header; a replay
answers with the first status and a byte-identical body (keys are rendered in sorted order, so the
stored JSON renders the same on every database).
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from walletdesk.api.fields import AmountField, CurrencyField, StrictUUIDField
from walletdesk.api.idempotency import outcome_response
from walletdesk.api.openapi import ERROR, IDEMPOTENCY_HEADER
from walletdesk.api.serializers import StrictSerializer, validated
from walletdesk.core.auth import authenticated_user_id
from walletdesk.core.errors import ValidationFailedError
from walletdesk.identity.facade import payment_passkey_challenge
from walletdesk.payments import cards, reconciliation, topups, withdrawals
from walletdesk.payments.api import ConfirmedInput
from walletdesk.payments.enums import RailMethod, WithdrawalFeeMethod
from walletdesk.payments.models import BankCard, TopUp, Withdrawal
from walletdesk.payments.rails.signing import SIGNATURE_HEADER

LIST_LIMIT = 50


def _kyc_level(request: Request) -> int:
    return int(getattr(request.user, "kyc_level", 0) or 0)


def operation_detail(operation: TopUp | Withdrawal) -> dict[str, Any]:
    body = topups.operation_body(operation)
    body["next_step"] = topups.next_step(operation)
    body["last_checked_at"] = topups.iso(operation.last_queried_at)
    body["timeline"] = [
        {
            "from": event.old_status or None,
            "to": event.new_status,
            "source": event.source,
            "detail": event.detail,
            "at": event.created_at.isoformat(),
        }
        for event in topups.timeline(operation)
    ]
    return body


def card_body(card: BankCard) -> dict[str, Any]:
    return {
        "id": str(card.public_id),
        "brand": card.brand,
        "bank_name": card.bank_name,
        "last4": card.last4,
        "expiry": f"{card.expiry_month:02d}/{card.expiry_year % 100:02d}",
        "status": card.status,
        "bound_at": card.bound_at.isoformat(),
    }


# --- response schemas (OpenAPI only: the bodies come from the functions above) ----------------


class CardSummaryOutput(serializers.Serializer[Any]):
    id = StrictUUIDField()
    brand = serializers.CharField()
    last4 = serializers.CharField()


class OperationOutput(serializers.Serializer[Any]):
    """`topups.operation_body`: a top-up or a withdrawal."""

    id = StrictUUIDField()
    type = serializers.ChoiceField(choices=["top_up", "withdrawal"])
    status = serializers.CharField()
    method = serializers.CharField()
    amount = serializers.CharField()
    fee = serializers.CharField()
    currency = serializers.CharField()
    failure_reason = serializers.CharField(allow_null=True)
    trace_id = serializers.CharField(allow_null=True)
    card = CardSummaryOutput(allow_null=True)
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    credited_amount = serializers.CharField(required=False, help_text="Top-ups only.")
    total_debit = serializers.CharField(
        required=False, help_text="Withdrawals only: what leaves the wallet (amount + fee)."
    )
    arrives_amount = serializers.CharField(
        required=False, help_text="Withdrawals only: what the card receives (the amount)."
    )
    fee_method = serializers.ChoiceField(
        choices=WithdrawalFeeMethod.choices, required=False, help_text="Withdrawals only."
    )


TimelineEventOutput = inline_serializer(
    "TimelineEvent",
    {
        "from": serializers.CharField(allow_null=True),
        "to": serializers.CharField(),
        "source": serializers.CharField(),
        "detail": serializers.CharField(allow_blank=True),
        "at": serializers.DateTimeField(),
    },
)


class OperationDetailOutput(OperationOutput):
    next_step = serializers.CharField()
    last_checked_at = serializers.DateTimeField(allow_null=True)
    timeline = serializers.ListField(child=TimelineEventOutput)


class OperationListOutput(serializers.Serializer[Any]):
    results = OperationOutput(many=True)


class CardOutput(serializers.Serializer[Any]):
    id = StrictUUIDField()
    brand = serializers.CharField()
    bank_name = serializers.CharField()
    last4 = serializers.CharField()
    expiry = serializers.CharField(help_text="MM/YY")
    status = serializers.CharField()
    bound_at = serializers.DateTimeField()


class CardListOutput(serializers.Serializer[Any]):
    results = CardOutput(many=True)


class FeeOptionOutput(serializers.Serializer[Any]):
    method = serializers.ChoiceField(choices=WithdrawalFeeMethod.choices)
    name = serializers.CharField(help_text="The method in plain words, in the request's language.")
    fee = serializers.CharField()
    total_debit = serializers.CharField(help_text="What leaves the wallet.")
    arrives_amount = serializers.CharField(help_text="What the card receives.")


class WithdrawalQuoteOutput(serializers.Serializer[Any]):
    amount = serializers.CharField(help_text="The amount entered; the fee is computed on it.")
    fee = serializers.CharField()
    total_debit = serializers.CharField(help_text="For the chosen `fee_method`.")
    arrives_amount = serializers.CharField(help_text="For the chosen `fee_method`.")
    fee_method = serializers.ChoiceField(choices=WithdrawalFeeMethod.choices)
    fee_methods = FeeOptionOutput(
        many=True, help_text="Both ways of paying the fee, with their figures."
    )
    currency = serializers.CharField()
    card = CardSummaryOutput()
    arrives = serializers.CharField()


class CallbackResultOutput(serializers.Serializer[Any]):
    result = serializers.ChoiceField(choices=["applied", "unchanged", "duplicate"])
    event_id = serializers.CharField()
    operation = serializers.CharField()
    status = serializers.CharField()


# --- top-ups ----------------------------------------------------------------------------------


class TopUpInput(StrictSerializer):
    amount = AmountField()
    currency = CurrencyField(default="CNY")
    method = serializers.ChoiceField(choices=RailMethod.choices)
    card_id = StrictUUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Required for method bank_card: one of your bound cards.",
    )


class TopUpListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="top_ups_list",
        summary="Your latest top-ups",
        responses={200: OperationListOutput},
    )
    def get(self, request: Request) -> Response:
        rows = TopUp.objects.select_related("card").filter(user_id=authenticated_user_id(request))
        items = [topups.operation_body(t) for t in rows.order_by("-created_at")[:LIST_LIMIT]]
        return Response({"results": items})

    @extend_schema(
        summary="Top up the wallet through a rail",
        description="Creates the top-up (status `created`) and submits it to the rail. The "
        "result arrives asynchronously: poll `GET /top-ups/{id}`.",
        parameters=[IDEMPOTENCY_HEADER],
        request=TopUpInput,
        responses={
            201: OperationOutput,
            400: ERROR,
            404: ERROR,
            422: ERROR,
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(TopUpInput, request.data)
        outcome = topups.create_top_up(
            user_id=authenticated_user_id(request),
            kyc_level=_kyc_level(request),
            amount=data["amount"],
            currency=data["currency"],
            method=data["method"],
            card_id=str(data["card_id"]) if data["card_id"] else None,
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        return outcome_response(outcome)


class TopUpDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="One of your top-ups, with its status timeline",
        responses={200: OperationDetailOutput, 404: ERROR},
    )
    def get(self, request: Request, public_id: str) -> Response:
        return Response(
            operation_detail(topups.get_top_up(authenticated_user_id(request), public_id))
        )


class TopUpRequeryView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Ask the rail now about a top-up that has not arrived",
        description="At most once a minute per top-up (429 requery_too_soon).",
        request=None,
        responses={200: OperationDetailOutput, 404: ERROR, 429: ERROR},
    )
    def post(self, request: Request, public_id: str) -> Response:
        operation = reconciliation.requery(
            user_id=authenticated_user_id(request), kind=topups.TOP_UP, public_id=public_id
        )
        return Response(operation_detail(operation))


# --- withdrawals ------------------------------------------------------------------------------


class WithdrawalInput(StrictSerializer):
    amount = AmountField()
    currency = CurrencyField(default="CNY")
    card_id = StrictUUIDField(help_text="One of your bound cards.")
    fee_method = serializers.ChoiceField(
        choices=WithdrawalFeeMethod.choices,
        required=False,
        help_text=(
            "`on_top` (the default when left out): the amount arrives and amount + fee leaves "
            "the wallet. `from_amount`: the amount leaves the wallet and amount - fee arrives."
        ),
    )


class WithdrawalCreateInput(WithdrawalInput, ConfirmedInput):
    pass


class WithdrawalQuoteView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Fee and total of a withdrawal, before confirming",
        request=WithdrawalInput,
        responses={200: WithdrawalQuoteOutput, 400: ERROR, 404: ERROR},
    )
    def post(self, request: Request) -> Response:
        data = validated(WithdrawalInput, request.data)
        quote = withdrawals.quote_withdrawal(
            user_id=authenticated_user_id(request),
            amount=data["amount"],
            currency=data["currency"],
            card_id=str(data["card_id"]),
            fee_method=data.get("fee_method"),
        )
        return Response(quote.as_dict())


class WithdrawalListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="withdrawals_list",
        summary="Your latest withdrawals",
        responses={200: OperationListOutput},
    )
    def get(self, request: Request) -> Response:
        rows = Withdrawal.objects.select_related("card").filter(
            user_id=authenticated_user_id(request)
        )
        items = [topups.operation_body(w) for w in rows.order_by("-created_at")[:LIST_LIMIT]]
        return Response({"results": items})

    @extend_schema(
        summary="Withdraw to a bound bank card",
        description="Confirmed with exactly one of `payment_password` or `passkey_assertion`. "
        "Reserves what leaves the wallet for the chosen `fee_method` (by default amount + "
        "fee), then pays out through the rail; the reserved money "
        "is taken when the bank confirms, or released if it fails.",
        parameters=[IDEMPOTENCY_HEADER],
        request=WithdrawalCreateInput,
        responses={
            201: OperationOutput,
            400: ERROR,
            403: ERROR,
            404: ERROR,
            409: ERROR,
            422: ERROR,
            423: ERROR,
            429: ERROR,
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(WithdrawalCreateInput, request.data)
        outcome = withdrawals.create_withdrawal(
            user_id=authenticated_user_id(request),
            kyc_level=_kyc_level(request),
            amount=data["amount"],
            currency=data["currency"],
            card_id=str(data["card_id"]),
            idempotency_key=request.headers.get("Idempotency-Key"),
            fee_method=data.get("fee_method"),
            payment_password=data["payment_password"],
            passkey_assertion=data["passkey_assertion"],
            passkey_challenge=payment_passkey_challenge(
                request._request, data["passkey_assertion"]
            ),
        )
        return outcome_response(outcome)


class WithdrawalDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="One of your withdrawals, with its status timeline",
        responses={200: OperationDetailOutput, 404: ERROR},
    )
    def get(self, request: Request, public_id: str) -> Response:
        return Response(
            operation_detail(withdrawals.get_withdrawal(authenticated_user_id(request), public_id))
        )


class WithdrawalRequeryView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Ask the rail now about a withdrawal that has not arrived",
        request=None,
        responses={200: OperationDetailOutput, 404: ERROR, 429: ERROR},
    )
    def post(self, request: Request, public_id: str) -> Response:
        operation = reconciliation.requery(
            user_id=authenticated_user_id(request), kind=topups.WITHDRAWAL, public_id=public_id
        )
        return Response(operation_detail(operation))


# --- bank cards -------------------------------------------------------------------------------


class CardInput(StrictSerializer):
    number = serializers.CharField(
        max_length=40,
        trim_whitespace=False,
        help_text="12-19 digits; spaces between groups are allowed.",
    )
    expiry = serializers.CharField(max_length=7, help_text="MM/YY")
    cvv = serializers.CharField(
        max_length=4, trim_whitespace=False, help_text="Verified by the bank; never stored."
    )


@method_decorator(sensitive_post_parameters("number", "expiry", "cvv"), name="dispatch")
class CardListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="cards_list",
        summary="Your bound bank cards",
        responses={200: CardListOutput},
    )
    def get(self, request: Request) -> Response:
        items = [card_body(card) for card in cards.customer_cards(authenticated_user_id(request))]
        return Response({"results": items})

    @extend_schema(
        summary="Bind a bank card",
        description="The bank verifies the card (CVV included); only a token, the brand, the "
        "bank's name and the last four digits are kept.",
        request=CardInput,
        responses={201: CardOutput, 400: ERROR, 402: ERROR, 409: ERROR},
    )
    def post(self, request: Request) -> Response:
        serializer = CardInput(data=request.data)
        if not serializer.is_valid():
            # Never echo what was sent: only which fields are wrong.
            raise ValidationFailedError(fields=sorted(serializer.errors))
        data = serializer.validated_data
        card = cards.bind_card(
            user_id=authenticated_user_id(request),
            number=data["number"],
            expiry=data["expiry"],
            cvv=data["cvv"],
        )
        return Response(card_body(card), status=201)


class CardDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="One of your bound cards", responses={200: CardOutput, 404: ERROR})
    def get(self, request: Request, public_id: str) -> Response:
        return Response(card_body(cards.get_card(authenticated_user_id(request), public_id)))

    @extend_schema(summary="Remove (unbind) a card", responses={204: None, 404: ERROR, 409: ERROR})
    def delete(self, request: Request, public_id: str) -> Response:
        cards.unbind_card(user_id=authenticated_user_id(request), public_id=public_id)
        return Response(status=204)


# --- rail callbacks ---------------------------------------------------------------------------


class RawBodyParser(BaseParser):
    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return None


class RailCallbackView(APIView):
    """Signed callbacks from a payment rail (API-7). No session, no CSRF: the signature is the
    authentication, checked over the raw body."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [RawBodyParser]
    throttle_classes: list[Any] = []

    @extend_schema(
        summary="Rail callback (for payment rails, not for customers)",
        description=f"Header `{SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256 of "
        "'<t>.' + raw body>`; refused if the signature is wrong (callback_signature_invalid) "
        "or the timestamp is more than 300 s off (callback_stale). Each event_id is applied "
        "once; repeats answer `duplicate`.",
        request={"application/json": {"type": "object"}},
        responses={200: CallbackResultOutput, 400: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request: Request, method: str) -> Response:
        result = reconciliation.handle_callback(
            method, request.body, request.headers.get(SIGNATURE_HEADER)
        )
        return Response(result.as_dict())


# Included by walletdesk/payments/api_urls.py: path("", include("walletdesk.payments.api_rails"))
urlpatterns = [
    path("top-ups", TopUpListView.as_view(), name="top-ups"),
    path("top-ups/<uuid:public_id>", TopUpDetailView.as_view(), name="top-up-detail"),
    path(
        "top-ups/<uuid:public_id>/requery",
        TopUpRequeryView.as_view(),
        name="top-up-requery",
    ),
    path("withdrawals", WithdrawalListView.as_view(), name="withdrawals"),
    path("withdrawals/quote", WithdrawalQuoteView.as_view(), name="withdrawal-quote"),
    path(
        "withdrawals/<uuid:public_id>",
        WithdrawalDetailView.as_view(),
        name="withdrawal-detail",
    ),
    path(
        "withdrawals/<uuid:public_id>/requery",
        WithdrawalRequeryView.as_view(),
        name="withdrawal-requery",
    ),
    path("cards", CardListView.as_view(), name="cards"),
    path("cards/<uuid:public_id>", CardDetailView.as_view(), name="card-detail"),
    path(
        "rails/<str:method>/callback",
        RailCallbackView.as_view(),
        name="rail-callback",
    ),
]
