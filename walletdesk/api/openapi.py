"""OpenAPI pieces shared by every API module."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="1-255 visible ASCII characters, unique per request; a retry with the same key "
    "and body replays the first answer, with a different body it is refused (422).",
)
ERROR = OpenApiResponse(description="Error envelope: {error: {code, message, details}, request_id}")
