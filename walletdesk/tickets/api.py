"""The customer's ticket API: /api/v1/tickets (open, list, read, reply, reopen, rate)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from walletdesk.api.fields import StrictUUIDField
from walletdesk.api.openapi import ERROR
from walletdesk.api.pagination import NewestFirstPagination
from walletdesk.api.serializers import StrictSerializer, validated
from walletdesk.core.errors import ValidationFailedError
from walletdesk.tickets import actions, attachments, presenters, selectors
from walletdesk.tickets.enums import Channel, LinkKind, TicketKind, TicketStatus
from walletdesk.tickets.integration_models import AttachmentType
from walletdesk.tickets.views import file_response


class IsCustomer(BasePermission):
    """Staff work tickets in the desk, not through the customer's API."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user.is_authenticated and getattr(request.user, "is_customer", False))


class RecordRefInput(StrictSerializer):
    # Wallet activity, a bank card, a device or a sign-in of the customer's own.
    kind = serializers.ChoiceField(choices=LinkKind.values)
    id = serializers.CharField(max_length=64)


class TicketCreateInput(StrictSerializer):
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=10_000)
    category = serializers.CharField(
        max_length=40, help_text="A subcategory code from GET /api/v1/tickets/categories."
    )
    kind = serializers.ChoiceField(
        choices=[TicketKind.QUESTION, TicketKind.COMPLAINT, TicketKind.FEEDBACK],
        default=TicketKind.QUESTION,
    )
    records = serializers.ListField(
        child=RecordRefInput(), required=False, default=list, max_length=5
    )
    attachments = serializers.ListField(
        child=StrictUUIDField(),
        required=False,
        default=list,
        max_length=5,
        help_text="Ids of your uploads (POST /api/v1/tickets/files) to attach to the message.",
    )


class ReplyInput(StrictSerializer):
    body = serializers.CharField(max_length=10_000)
    attachments = serializers.ListField(
        child=StrictUUIDField(),
        required=False,
        default=list,
        max_length=5,
        help_text="Ids of your uploads (POST /api/v1/tickets/files) to attach to the reply.",
    )


class RatingInput(StrictSerializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=1_000, required=False, allow_blank=True, default="")


class CategoryOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    topics = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))


class RecordOutput(serializers.Serializer[Any]):
    kind = serializers.CharField()
    id = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    amount = serializers.CharField()
    currency = serializers.CharField()
    url = serializers.CharField()


class AttachmentOutput(serializers.Serializer[Any]):
    id = serializers.CharField()
    name = serializers.CharField()
    content_type = serializers.ChoiceField(choices=AttachmentType.values)
    size = serializers.IntegerField()
    url = serializers.CharField(help_text="The download on the support pages (session).")


class MessageOutput(serializers.Serializer[Any]):
    id = serializers.CharField()
    author = serializers.ChoiceField(choices=["you", "support", "system"])
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    attachments = AttachmentOutput(many=True)


class StepOutput(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    text = serializers.CharField()


class RatingOutput(serializers.Serializer[Any]):
    score = serializers.IntegerField()
    comment = serializers.CharField()


class TicketSummaryOutput(serializers.Serializer[Any]):
    number = serializers.CharField()
    subject = serializers.CharField()
    kind = serializers.ChoiceField(choices=TicketKind.values)
    status = serializers.ChoiceField(choices=TicketStatus.values)
    status_label = serializers.CharField(help_text="The status in words written for customers.")
    category = serializers.CharField()
    category_name = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class TicketOutput(TicketSummaryOutput):
    channel = serializers.ChoiceField(choices=Channel.values)
    reply_due = serializers.CharField(
        allow_null=True, help_text="For complaints: when we promised to reply, ISO 8601."
    )
    messages = MessageOutput(many=True)
    progress = StepOutput(many=True)
    records = RecordOutput(many=True)
    can_reply = serializers.BooleanField()
    can_reopen = serializers.BooleanField()
    can_rate = serializers.BooleanField()
    rating = RatingOutput(allow_null=True)
    feedback_status = serializers.ChoiceField(
        choices=["received", "passed", "shipped"],
        allow_null=True,
        help_text="For suggestions: received, passed to the product team, or shipped.",
    )
    feedback_status_label = serializers.CharField(allow_null=True)


class TicketPageOutput(serializers.Serializer[Any]):
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = TicketSummaryOutput(many=True)


def _actor(request: Request) -> Any:
    return presenters.actor_for(request)


class CategoryListView(APIView):
    permission_classes = [IsAuthenticated, IsCustomer]

    @extend_schema(summary="Topics a ticket can be about", responses=CategoryOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(presenters.category_tree(get_language() or "zh-hans"))


class TicketListView(APIView):
    permission_classes = [IsAuthenticated, IsCustomer]

    @extend_schema(
        summary="Your tickets, newest first",
        parameters=[OpenApiParameter("cursor", str)],
        responses=TicketPageOutput,
    )
    def get(self, request: Request) -> Response:
        paginator = NewestFirstPagination()
        page = paginator.paginate_queryset(
            selectors.customer_tickets(_actor(request).user_id or 0), request, self
        )
        return paginator.get_paginated_response([presenters.summary(t) for t in page or []])

    @extend_schema(
        summary="Open a ticket (a question, a complaint or a suggestion)",
        request=TicketCreateInput,
        responses={201: TicketOutput, 400: ERROR},
    )
    def post(self, request: Request) -> Response:
        data = validated(TicketCreateInput, request.data)
        actor = _actor(request)
        ticket = actions.open_ticket(
            actor,
            customer_id=actor.user_id,
            subject=data["subject"],
            body=data["body"],
            category=data["category"],
            kind=data["kind"],
            channel=Channel.API if request.auth is not None else Channel.APP,
            language=get_language() or "zh-hans",
            records=[actions.RecordRef(LinkKind(r["kind"]), r["id"]) for r in data["records"]],
            upload_ids=[str(i) for i in data["attachments"]],
        )
        return Response(presenters.detail(actor, ticket), status=201)


class TicketDetailView(APIView):
    permission_classes = [IsAuthenticated, IsCustomer]

    @extend_schema(summary="One of your tickets", responses={200: TicketOutput, 404: ERROR})
    def get(self, request: Request, number: str) -> Response:
        actor = _actor(request)
        return Response(presenters.detail(actor, selectors.ticket_for(actor, number)))


class TicketReplyView(APIView):
    permission_classes = [IsAuthenticated, IsCustomer]

    @extend_schema(
        summary="Reply to your ticket (reopens it if it was solved less than 7 days ago)",
        request=ReplyInput,
        responses={200: TicketOutput, 400: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request: Request, number: str) -> Response:
        data = validated(ReplyInput, request.data)
        actor = _actor(request)
        actions.add_message(
            actor, number, data["body"], upload_ids=[str(i) for i in data["attachments"]]
        )
        return Response(presenters.detail(actor, selectors.ticket_for(actor, number)))


class TicketReopenView(APIView):
    permission_classes = [IsAuthenticated, IsCustomer]

    @extend_schema(
        summary="Reopen your solved ticket (within 7 days of solving)",
        request=None,
        responses={200: TicketOutput, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request: Request, number: str) -> Response:
        actor = _actor(request)
        actions.change_status(actor, number, TicketStatus.OPEN)
        return Response(presenters.detail(actor, selectors.ticket_for(actor, number)))


class TicketRatingView(APIView):
    permission_classes = [IsAuthenticated, IsCustomer]

    @extend_schema(
        summary="Rate how we handled your solved ticket (1-5)",
        request=RatingInput,
        responses={200: TicketOutput, 400: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request: Request, number: str) -> Response:
        data = validated(RatingInput, request.data)
        actor = _actor(request)
        actions.rate(actor, number, data["score"], data["comment"])
        return Response(presenters.detail(actor, selectors.ticket_for(actor, number)))


# --- Attachments ------------------------------------------------------------------------------


class UploadInput(serializers.Serializer[Any]):
    file = serializers.FileField(help_text="A PNG, JPEG or WebP picture, or a PDF; 10 MiB at most.")


class AttachmentUploadView(APIView):
    """Upload first, then name the upload in `attachments` when opening a ticket or replying."""

    permission_classes = [IsAuthenticated, IsCustomer]
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Upload a picture or PDF to attach to your next ticket or reply",
        description="multipart/form-data with one `file`. Pictures are re-encoded (location and "
        "camera details removed). Unused uploads are deleted after 24 hours.",
        request={"multipart/form-data": UploadInput},
        responses={201: AttachmentOutput, 400: ERROR, 413: ERROR, 415: ERROR, 429: ERROR},
    )
    def post(self, request: Request) -> Response:
        files = request.FILES.getlist("file")
        if len(files) != 1:
            raise ValidationFailedError(fields={"file": [_("Send exactly one file.")]})
        row = attachments.upload(_actor(request), attachments.uploads_from(files)[0])
        return Response(presenters.attachment(row), status=201)


class AttachmentDownloadView(APIView):
    permission_classes = [IsAuthenticated, IsCustomer]

    @extend_schema(
        summary="Download a file of one of your tickets (or one of your uploads)",
        responses={
            (200, "image/png"): OpenApiTypes.BINARY,
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (200, "image/webp"): OpenApiTypes.BINARY,
            (200, "application/pdf"): OpenApiTypes.BINARY,
            404: ERROR,
        },
    )
    def get(self, request: Request, public_id: str) -> Any:
        return file_response(attachments.attachment_for(_actor(request), str(public_id)))
