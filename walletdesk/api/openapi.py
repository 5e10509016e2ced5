"""OpenAPI pieces shared by every API module."""

from __future__ import annotations

from typing import Any

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

ERROR_ENVELOPE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every 4xx and 5xx under /api/. Clients branch on error.code (docs/errors.md).",
    "required": ["error", "request_id"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                "message": {"type": "string", "minLength": 1},
                "details": {"type": "object"},
            },
        },
        "request_id": {"type": "string", "minLength": 1},
    },
}


def add_error_envelope(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Postprocessing hook: every operation answers errors with the envelope.

    Each documented 4xx/5xx without a body gets the envelope, and `4XX`/`5XX` ranges cover the
    rest (401 on any signed-in endpoint, 429 from throttling, 413 for a body too large…), so a
    client, and the contract test's schema checks, know the shape of every error.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorEnvelope"] = ERROR_ENVELOPE_SCHEMA
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status, response in responses.items():
                if status[:1] in {"4", "5"} and not response.get("content"):
                    response["content"] = content
                    response.setdefault("description", "Error envelope")
            responses.setdefault("4XX", {"description": "Error envelope", "content": content})
            responses.setdefault("5XX", {"description": "Error envelope", "content": content})
    return result
