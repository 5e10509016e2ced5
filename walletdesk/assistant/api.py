"""JSON API of the assistant's understanding (thin: validate, call the facade, render)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import pgettext
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from walletdesk.api.fields import StrictUUIDField
from walletdesk.api.serializers import StrictSerializer
from walletdesk.assistant import actions, facade
from walletdesk.assistant.contracts import ENTITY_TYPES
from walletdesk.core.actors import actor_from_request

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


class OpenField(serializers.BooleanField):
    """Only a JSON true: 1, "true" or false do not open a conversation by accident."""

    def to_internal_value(self, data: Any) -> bool:
        if data is not True:
            self.fail("invalid")
        return True


class MessageInput(StrictSerializer):
    text = StrictCharField(
        min_length=1,
        max_length=facade.MAX_TEXT_LENGTH,
        required=False,
        help_text="The customer's message (1 to 1000 characters). Never a code or password.",
    )
    quick_reply = StrictCharField(
        min_length=1,
        max_length=120,
        required=False,
        help_text="The id of a quick reply the previous answer offered, instead of text.",
    )
    open = OpenField(
        required=False,
        help_text=(
            "true, instead of text or quick_reply: the customer opened the assistant without "
            "writing. It speaks first: an overdue top-up, a withdrawal that failed in the last "
            "3 days or a service incident on a rail the customer uses, else a greeting. The "
            "same news is not repeated in a conversation."
        ),
    )
    conversation = StrictUUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="null or absent to start a conversation; its id to continue it.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "open" in attrs:
            if "text" in attrs or "quick_reply" in attrs:
                raise serializers.ValidationError(
                    pgettext("assistant", "Send text, a quick reply or open, not several.")
                )
            return attrs
        has_text, has_reply = "text" in attrs, "quick_reply" in attrs
        if has_text == has_reply:
            raise serializers.ValidationError(
                pgettext("assistant", "Send either text or a quick reply.")
            )
        if has_reply and attrs.get("conversation") is None:
            raise serializers.ValidationError(
                {"conversation": [pgettext("assistant", "A quick reply needs its conversation.")]}
            )
        return attrs


def _card_schema() -> Any:
    return inline_serializer(
        "AssistantCard",
        {
            "type": serializers.CharField(
                help_text="record, article, ticket, link, quote, balance or incident."
            ),
            "title": serializers.CharField(),
            "subtitle": serializers.CharField(allow_blank=True),
            "url": serializers.CharField(
                allow_blank=True, help_text="A page of the wallet or the help center."
            ),
            "fields": inline_serializer(
                "AssistantCardField",
                {"label": serializers.CharField(), "value": serializers.CharField()},
                many=True,
            ),
        },
        many=True,
    )


HANDOFF_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {"type": "boolean", "enum": [False], "description": "The assistant keeps it."},
        {
            "type": "object",
            "description": "Handed to a person: the support case it opened.",
            "required": ["ticket", "url", "priority", "reason", "summary"],
            "properties": {
                "ticket": {"type": "string", "description": "Case number, WD-YYMM-NNNNNN."},
                "url": {"type": "string"},
                "priority": {"type": "string", "enum": ["normal", "high", "urgent"]},
                "reason": {
                    "type": "string",
                    "enum": [
                        "requested",
                        "low_confidence",
                        "sentiment",
                        "security",
                        "unresolved",
                        "complaint",
                    ],
                },
                "summary": {"type": "string", "description": "What the agent reads first."},
            },
        },
    ]
}


@extend_schema_field(HANDOFF_SCHEMA)
def _app_language(request: Request) -> str:
    """The language the app asked in (its language cookie or Accept-Language), or "" when it
    named none: a new conversation then takes the customer's preferred language."""
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or request.headers.get("Accept-Language"):
        return translation.get_language() or ""
    return ""


class HandoffField(serializers.JSONField):
    """false, or the handoff object (documented with its exact shape)."""


MessageOutput = inline_serializer(
    "AssistantTurn",
    {
        "conversation": StrictUUIDField(),
        "replies": inline_serializer(
            "AssistantReply",
            {
                "text": serializers.CharField(),
                "cards": _card_schema(),
                "quick_replies": inline_serializer(
                    "AssistantQuickReply",
                    {
                        "id": serializers.CharField(
                            help_text="Send it back as quick_reply to choose it."
                        ),
                        "label": serializers.CharField(),
                    },
                    many=True,
                ),
            },
            many=True,
        ),
        "intent": serializers.CharField(),
        "confidence": serializers.FloatField(),
        "handoff": HandoffField(),
    },
)


class MessagesView(APIView):
    """One turn of a conversation with the assistant, as the signed-in customer."""

    permission_classes = [IsAuthenticated]
    throttle_scope = "nlu_parse"

    @extend_schema(
        summary="Talk to the assistant (one turn)",
        description=(
            "Send `{text, conversation}` (conversation null to start one), "
            "`{conversation, quick_reply}` with the id of a quick reply the previous answer "
            "offered, or `{open: true, conversation}` when the customer opens the assistant "
            "without writing: the assistant speaks first with what affects them now (an "
            "overdue top-up, a withdrawal failed in the last 3 days, a service incident on a "
            "rail they use; each said once per conversation), else a greeting (intent "
            "greeting). The assistant reads the customer's own data, answers in the customer's "
            "language, asks for a one-tap confirmation before it changes anything (only the "
            "emergency freeze), never moves money and never asks for a code or password in "
            "text. `handoff` is false, or the support case it opened. 404 "
            "chat_conversation_not_found for an unknown or another customer's conversation; "
            "400 assistant_quick_reply_invalid for a quick reply not on offer."
        ),
        request=MessageInput,
        responses={200: MessageOutput, 400: ERROR, 401: ERROR, 404: ERROR, 429: ERROR, 503: ERROR},
        examples=[
            OpenApiExample(
                "Start",
                value={"text": "我充值的钱还没到账", "conversation": None},
                request_only=True,
            ),
            OpenApiExample(
                "Open (the assistant speaks first)",
                value={"open": True, "conversation": None},
                request_only=True,
            ),
            OpenApiExample(
                "Confirm",
                value={
                    "conversation": "0b5f6a9e-3d55-4a43-9a0e-5c7f3c4fe7a1",
                    "quick_reply": "confirm_freeze",
                },
                request_only=True,
            ),
        ],
        tags=["assistant"],
    )
    def post(self, request: Request) -> Response:
        serializer = MessageInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        conversation = data.get("conversation")
        if data.get("open"):
            opened = actions.open_with_assistant(
                actor_from_request(request),
                conversation=str(conversation) if conversation else None,
                language=_app_language(request),
            )
            return Response(opened.as_dict())
        result = actions.converse(
            actor_from_request(request),
            text=data.get("text"),
            quick_reply=data.get("quick_reply"),
            conversation=str(conversation) if conversation else None,
        )
        return Response(result.as_dict())
