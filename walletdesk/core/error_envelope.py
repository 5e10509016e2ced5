"""The JSON error envelope every API answer and every API-path error page uses:

    {"error": {"code": "insufficient_balance", "message": "…", "details": {...}}, "request_id": "…"}

It lives in core, not in the api app, because Django's own error handlers (`core.views`: 400,
403, 404, 500 and CSRF failures, which run before any app's view) answer `/api/` paths with it
too, and core imports no other app. `walletdesk.api.errors` builds DRF's exception handler on it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _

from walletdesk.core.errors import (
    BadRequestError,
    BodyTooLargeError,
    CsrfFailedError,
    NotFoundError,
    PermissionDeniedError,
    WalletDeskError,
)
from walletdesk.core.request_context import current_request_id

#: The largest JSON body the API reads (the strict parser and Django's own size check agree).
MAX_JSON_BODY_BYTES = 1024 * 1024
MAX_JSON_BODY_LABEL = "1 MiB"


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "error": {"code": code, "message": message, "details": details or {}},
        "request_id": current_request_id(),
    }


def body_too_large_error() -> BodyTooLargeError:
    return BodyTooLargeError(limit=MAX_JSON_BODY_LABEL)


def json_error(error: WalletDeskError) -> JsonResponse:
    return JsonResponse(
        error_body(error.code, error.user_message, error.public_details()),
        status=error.http_status,
    )


def json_server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        error_body("internal", _("Something went wrong on our side. Please try again later.")),
        status=500,
    )


def json_not_found(request: HttpRequest) -> JsonResponse:
    return json_error(NotFoundError())


def json_bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Django's handler400 under /api/: a request refused before any view ran."""
    if isinstance(exception, RequestDataTooBig):
        return json_error(body_too_large_error())
    return json_error(BadRequestError())


def json_forbidden(request: HttpRequest) -> JsonResponse:
    return json_error(PermissionDeniedError())


def json_csrf_failed(request: HttpRequest) -> JsonResponse:
    return json_error(CsrfFailedError())
