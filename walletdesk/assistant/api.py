"""JSON API of the assistant's understanding (thin: validate, call the facade, render)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from walletdesk.api.serializers import StrictSerializer
from walletdesk.assistant import facade
from walletdesk.assistant.contracts import ENTITY_TYPES

ERROR = OpenApiResponse(description="Error envelope: {error: {code, message, details}, request_id}")


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class ParseInput(StrictSerializer):
    text = StrictCharField(
        min_length=1,
        max_length=facade.MAX_TEXT_LENGTH,
        help_text="The customer's message, 1 to 1000 characters.",
    )
    lang = serializers.ChoiceField(
        choices=["zh", "en"],
        required=False,
        allow_null=True,
        default=None,
        help_text="Reply language to force; null or absent to detect it from the text.",
    )


class EntityOutput(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=list(ENTITY_TYPES))
    value = serializers.CharField()
    text = serializers.CharField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    normalized = serializers.DictField(
        help_text='Structured value; amounts: {"minor": 50000, "currency": "CNY"}.'
    )
    confidence = serializers.FloatField()


ParseOutput = inline_serializer(
    "AssistantParse",
    {
        "intent": serializers.CharField(help_text="An intent id of the taxonomy, or out_of_scope."),
        "confidence": serializers.FloatField(),
        "entities": EntityOutput(many=True),
        "lang": serializers.ChoiceField(choices=["zh", "en"], help_text="Language to reply in."),
        "detected_lang": serializers.ChoiceField(choices=["zh", "en", "mixed"]),
        "ranking": serializers.ListField(child=serializers.DictField()),
        "normalized_text": serializers.CharField(),
        "needs_clarification": serializers.BooleanField(),
        "clarification_candidates": serializers.ListField(child=serializers.CharField()),
        "is_out_of_scope": serializers.BooleanField(),
        "sentiment": serializers.FloatField(),
        "urgency": serializers.FloatField(),
        "signals": serializers.ListField(child=serializers.CharField()),
        "handoff_priority": serializers.ChoiceField(choices=["normal", "high", "urgent"]),
        "model_version": serializers.CharField(),
    },
)


class ParseView(APIView):
    """Understand one message. Signed-in callers only (the wallet's chat widget), 60 a minute."""

    permission_classes = [IsAuthenticated]
    throttle_scope = "nlu_parse"  # walletdesk.api.throttling.LookupRateThrottle

    @extend_schema(
        summary="Understand a customer message (intent, entities, language)",
        description=(
            "Runs the assistant's NLU pipeline on one message. Requires a signed-in session; "
            "rate-limited per user (scope nlu_parse, 60 requests a minute; 429 rate_limited "
            "with Retry-After beyond). Invalid input answers 400 validation_failed with "
            "details.fields; 503 assistant_model_missing until `manage.py nlu_train` has run. "
            "Amount entities carry integer minor units and an ISO 4217 currency in "
            "`normalized`; datetimes are ISO 8601 in the operator's time zone."
        ),
        request=ParseInput,
        responses={200: ParseOutput, 400: ERROR, 401: ERROR, 429: ERROR, 503: ERROR},
        examples=[
            OpenApiExample(
                "Top-up not arrived",
                value={"text": "昨天晚上8点充的500块还没到账", "lang": None},
                request_only=True,
            )
        ],
        tags=["assistant"],
    )
    def post(self, request: Request) -> Response:
        serializer = ParseInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = facade.parse(serializer.validated_data["text"], serializer.validated_data["lang"])
        return Response(result.as_dict())
