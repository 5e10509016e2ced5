"""One error envelope for the whole API:

    {"error": {"code": "insufficient_balance", "message": "…", "details": {...}}, "request_id": "…"}

`code` is stable and documented (docs/errors.md); `message` is translated into the request's
language; `details` carries structured data such as per-field errors. The envelope itself and the
JSON error pages are `walletdesk.core.error_envelope` (Django's error handlers use them too);
they are re-exported here for the API's callers.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

from walletdesk.core.error_envelope import (
    body_too_large_error,
    error_body,
    json_bad_request,
    json_csrf_failed,
    json_error,
    json_forbidden,
    json_not_found,
    json_server_error,
)
from walletdesk.core.errors import BadRequestError, WalletDeskError

logger = logging.getLogger("walletdesk.api")

_DRF_CODES: dict[type[Exception], tuple[str, int]] = {
    drf_exceptions.NotAuthenticated: ("not_authenticated", 401),
    drf_exceptions.AuthenticationFailed: ("authentication_failed", 401),
    drf_exceptions.PermissionDenied: ("permission_denied", 403),
    drf_exceptions.NotFound: ("not_found", 404),
    drf_exceptions.MethodNotAllowed: ("method_not_allowed", 405),
    drf_exceptions.NotAcceptable: ("not_acceptable", 406),
    drf_exceptions.UnsupportedMediaType: ("unsupported_media_type", 415),
    drf_exceptions.Throttled: ("rate_limited", 429),
}


def _drf_message(exc: drf_exceptions.APIException, code: str) -> str:
    messages = {
        "not_authenticated": _("Please log in first."),
        "authentication_failed": _("Your login has expired or is not valid. Please log in again."),
        "permission_denied": _("You do not have permission to do this."),
        "not_found": _("We could not find that. It may not exist, or it may not be yours."),
        "method_not_allowed": _("This method is not allowed here."),
        "not_acceptable": _("This response format is not available."),
        "unsupported_media_type": _("Send the request body as application/json."),
        "rate_limited": _("Too many requests. Please wait a moment and try again."),
    }
    return messages.get(code, str(exc.detail))


def _django_refusal(exc: Exception) -> WalletDeskError | None:
    """Django's own refusals raised while a view reads the request (request.data)."""
    if isinstance(exc, RequestDataTooBig):
        return body_too_large_error()
    if isinstance(exc, SuspiciousOperation):
        return BadRequestError()
    return None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = _django_refusal(exc) or exc
    if isinstance(exc, WalletDeskError):
        retry_after = exc.details.get("_retry_after")
        return Response(
            error_body(exc.code, exc.user_message, exc.public_details()),
            status=exc.http_status,
            headers={"Retry-After": str(retry_after)} if retry_after else None,
        )
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    if isinstance(exc, drf_exceptions.ValidationError):
        return Response(
            error_body(
                "validation_failed",
                _("Some fields are not valid. Check them and try again."),
                {"fields": exc.detail},
            ),
            status=400,
        )
    if isinstance(exc, drf_exceptions.ParseError):
        code = exc.get_codes()
        code = code if isinstance(code, str) and code != "parse_error" else "malformed_json"
        return Response(error_body(code, str(exc.detail)), status=400)
    for exc_type, (code, status) in _DRF_CODES.items():
        if isinstance(exc, exc_type):
            assert isinstance(exc, drf_exceptions.APIException)
            return Response(
                error_body(code, _drf_message(exc, code)),
                status=status,
                headers=_extra_headers(exc, status, context),
            )
    if isinstance(exc, drf_exceptions.APIException):
        return Response(error_body("error", str(exc.detail)), status=exc.status_code)
    return None


def _extra_headers(
    exc: drf_exceptions.APIException, status: int, context: dict[str, Any]
) -> dict[str, str]:
    headers: dict[str, str] = {}
    wait = getattr(exc, "wait", None)
    if isinstance(exc, drf_exceptions.Throttled) and wait is not None:
        headers["Retry-After"] = str(int(wait) + 1)
    if isinstance(exc, drf_exceptions.MethodNotAllowed) and context.get("view") is not None:
        headers["Allow"] = ", ".join(context["view"].allowed_methods)
    if status == 401:
        headers["WWW-Authenticate"] = 'Session realm="api"'
    return headers


__all__ = [
    "body_too_large_error",
    "error_body",
    "exception_handler",
    "json_bad_request",
    "json_csrf_failed",
    "json_error",
    "json_forbidden",
    "json_not_found",
    "json_server_error",
]
