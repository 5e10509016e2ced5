from __future__ import annotations

from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class NewestFirstPagination(CursorPagination):
    """Newest first by creation time, with the id breaking ties so pages never skip a row."""

    ordering = ("-created_at", "-id")  # type: ignore[assignment]  # DRF accepts a tuple
