"""Read-only public JSON API of the help center (anonymous access allowed)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from walletdesk.api.fields import StrictUUIDField
from walletdesk.api.params import integer_parameter, integer_query_param
from walletdesk.helpcenter import facade, selectors
from walletdesk.helpcenter.enums import Component
from walletdesk.helpcenter.errors import ArticleNotFoundError, SearchQueryTooLongError
from walletdesk.helpcenter.search.analysis import MAX_QUERY_LENGTH

MAX_SEARCH_LIMIT = 20

# Not an enum: the value is negotiated, not validated (selectors.normalize_language), and the
# schema says what the server does.
LANG_PARAMETER = OpenApiParameter(
    "lang",
    str,
    required=False,
    description="Language of the answer: `en` (or any tag starting with `en`, such as `en-US`) "
    "for English; `zh-hans` or any other value for Simplified Chinese. Absent: the request's "
    "language (Accept-Language).",
)


class SearchHitSerializer(serializers.Serializer[Any]):
    slug = serializers.CharField()
    language = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    snippet_html = serializers.CharField(help_text="Escaped text with <mark> around matches.")
    url = serializers.CharField()
    score = serializers.FloatField()


class SearchResponseSerializer(serializers.Serializer[Any]):
    query = serializers.CharField()
    language = serializers.CharField()
    results = SearchHitSerializer(many=True)


class ArticleSerializer(serializers.Serializer[Any]):
    slug = serializers.CharField()
    language = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    body_markdown = serializers.CharField()
    body_html = serializers.CharField(help_text="Sanitised HTML.")
    url = serializers.CharField()
    category = serializers.CharField()
    intents = serializers.ListField(child=serializers.CharField())
    updated_at = serializers.DateTimeField()


class ComponentStatusSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    state = serializers.CharField()


class IncidentSerializer(serializers.Serializer[Any]):
    public_id = serializers.CharField()
    title = serializers.CharField()
    title_en = serializers.CharField()
    status = serializers.CharField()
    impact = serializers.CharField()
    components = serializers.ListField(child=serializers.CharField())
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(allow_null=True)
    latest_message = serializers.CharField()
    latest_message_en = serializers.CharField()
    url = serializers.CharField()


class StatusResponseSerializer(serializers.Serializer[Any]):
    components = ComponentStatusSerializer(many=True)
    incidents = IncidentSerializer(many=True)
    generated_at = serializers.DateTimeField()


class AnnouncementSerializer(serializers.Serializer[Any]):
    id = StrictUUIDField(source="public_id")
    kind = serializers.CharField()
    language = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    link = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(allow_null=True)


class PublicAPIView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []  # anonymous: the default per-IP throttles apply


def _lang(request: Request) -> str:
    return selectors.normalize_language(request.query_params.get("lang") or request.LANGUAGE_CODE)


class SearchAPIView(PublicAPIView):
    @extend_schema(
        operation_id="help_search",
        summary="Search help articles",
        parameters=[
            OpenApiParameter("q", str, description="Search text, at most 100 characters."),
            LANG_PARAMETER,
            integer_parameter("limit", default=5, minimum=1, maximum=MAX_SEARCH_LIMIT),
        ],
        responses=SearchResponseSerializer,
        tags=["help"],
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("q", "")
        if len(raw) > MAX_QUERY_LENGTH:
            raise SearchQueryTooLongError(limit=MAX_QUERY_LENGTH)
        limit = integer_query_param(
            request.query_params, "limit", default=5, minimum=1, maximum=MAX_SEARCH_LIMIT
        )
        language = _lang(request)
        hits = facade.search_articles(raw, language, limit)
        data = {"query": raw, "language": language, "results": [_asdict(hit) for hit in hits]}
        return Response(SearchResponseSerializer(data).data)


def _asdict(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}


class ArticleAPIView(PublicAPIView):
    @extend_schema(
        operation_id="help_article",
        summary="One published help article",
        parameters=[LANG_PARAMETER],
        responses=ArticleSerializer,
        tags=["help"],
    )
    def get(self, request: Request, slug: str) -> Response:
        article = facade.get_article(slug, _lang(request))
        if article is None:
            raise ArticleNotFoundError()
        return Response(ArticleSerializer(_asdict(article)).data)


class StatusAPIView(PublicAPIView):
    @extend_schema(
        operation_id="help_status",
        summary="Status of every service and the open incidents",
        parameters=[
            OpenApiParameter(
                "component",
                str,
                required=False,
                description="Only this component and its incidents: one of "
                + ", ".join(f"`{code}`" for code in Component.values)
                + ". Any other value is ignored (every component).",
            )
        ],
        responses=StatusResponseSerializer,
        tags=["help"],
    )
    def get(self, request: Request) -> Response:
        component = request.query_params.get("component")
        if component is not None and component not in Component.values:
            component = None
        incidents = list(selectors.active_incidents(component))
        components = [
            {"code": c.code, "name": c.label, "state": c.state}
            for c in selectors.component_statuses(incidents)
        ]
        data = {
            "components": components,
            "incidents": [_asdict(facade.incident_summary(i)) for i in incidents],
            "generated_at": timezone.now(),
        }
        return Response(StatusResponseSerializer(data).data)


class AnnouncementsAPIView(PublicAPIView):
    @extend_schema(
        operation_id="help_announcements",
        summary="Announcements running now",
        parameters=[LANG_PARAMETER],
        responses=AnnouncementSerializer(many=True),
        tags=["help"],
    )
    def get(self, request: Request) -> Response:
        items = selectors.active_announcements(_lang(request))[:50]
        return Response(AnnouncementSerializer(items, many=True).data)
