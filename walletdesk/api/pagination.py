from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter
from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from walletdesk.api.params import integer_parameter, integer_query_param
from walletdesk.core.errors import InvalidCursorError

#: Opaque cursors DRF produces are a few dozen characters; anything much longer is not one.
MAX_CURSOR_LENGTH = 200


class CursorPagination(pagination.CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request: Request) -> Any:
        """A cursor the client made up or mangled is a bad request (400 `invalid_cursor`), not a
        missing page (DRF answers 404)."""
        raw = request.query_params.get(self.cursor_query_param)
        if raw is not None and len(raw) > MAX_CURSOR_LENGTH:
            raise InvalidCursorError()
        try:
            return super().decode_cursor(request)
        except NotFound as exc:
            raise InvalidCursorError() from exc

    def get_page_size(self, request: Request) -> int:
        return integer_query_param(
            request.query_params,
            self.page_size_query_param,
            default=self.page_size,
            minimum=1,
            maximum=self.max_page_size,
        )

    @classmethod
    def openapi_parameters(cls) -> list[OpenApiParameter]:
        """The `cursor` and `page_size` parameters, for views that paginate by hand."""
        return [
            OpenApiParameter(
                cls.cursor_query_param,
                {"type": "string", "maxLength": MAX_CURSOR_LENGTH},
                OpenApiParameter.QUERY,
                required=False,
                description="Opaque: the `next` or `previous` link of the page before.",
            ),
            integer_parameter(
                cls.page_size_query_param,
                default=cls.page_size,
                minimum=1,
                maximum=cls.max_page_size,
                description="Rows per page.",
            ),
        ]


class NewestFirstPagination(CursorPagination):
    """Newest first by creation time, with the id breaking ties so pages never skip a row."""

    ordering = ("-created_at", "-id")  # type: ignore[assignment]  # DRF accepts a tuple
