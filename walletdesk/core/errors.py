"""Typed errors with stable machine codes, an HTTP status and a translated message.

Clients branch on `code`, never on the text. Codes are part of the public API: never rename one;
add a new class instead. Every subclass registers itself, so the full list can be documented and
tested for uniqueness.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ERROR_REGISTRY: dict[str, type[WalletDeskError]] = {}


class WalletDeskError(Exception):
    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 400
    message: ClassVar[str | Promise] = _("Something went wrong. Please try again.")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        existing = ERROR_REGISTRY.get(cls.code)
        if existing is None:
            ERROR_REGISTRY[cls.code] = cls
        elif existing.http_status != cls.http_status:
            # Two apps may raise the same condition (e.g. account_frozen), but one code must
            # always mean one thing to clients, including its status.
            raise TypeError(f"error code {cls.code!r} has two statuses: {existing} and {cls}")

    def __init__(self, message: str | Promise | None = None, **details: Any) -> None:
        self.custom_message = message
        self.details = details
        super().__init__(self.code)

    @property
    def user_message(self) -> str:
        template = self.custom_message if self.custom_message is not None else self.message
        text = str(template)
        if self.details and "%(" in text:
            try:
                return text % self.details
            except (KeyError, TypeError, ValueError):
                return text
        return text

    def public_details(self) -> dict[str, Any]:
        return {key: value for key, value in self.details.items() if not key.startswith("_")}

    def __str__(self) -> str:
        return f"{self.code}: {self.user_message}"


class ValidationFailedError(WalletDeskError):
    code = "validation_failed"
    http_status = 400
    message = _("Some fields are not valid. Check them and try again.")


class NotFoundError(WalletDeskError):
    code = "not_found"
    http_status = 404
    message = _("We could not find that. It may not exist, or it may not be yours.")


class PermissionDeniedError(WalletDeskError):
    code = "permission_denied"
    http_status = 403
    message = _("You do not have permission to do this.")


class ConflictError(WalletDeskError):
    code = "conflict"
    http_status = 409
    message = _("This changed while you were working on it. Refresh and try again.")


class InvalidStateTransitionError(WalletDeskError):
    code = "invalid_state_transition"
    http_status = 409
    message = _("This action is not possible in the current state.")


class RateLimitedError(WalletDeskError):
    code = "rate_limited"
    http_status = 429
    message = _("Too many requests. Please wait a moment and try again.")


class BadRequestError(WalletDeskError):
    """A request Django itself refuses before any view sees it (bad Host header, too many form
    fields…)."""

    code = "bad_request"
    http_status = 400
    message = _("The request could not be understood. Check it and try again.")


class BodyTooLargeError(WalletDeskError):
    code = "body_too_large"
    http_status = 413
    message = _("The request body is larger than %(limit)s.")


class InvalidTextError(WalletDeskError):
    """Text holding a lone UTF-16 surrogate (e.g. the JSON escape "\\ud800"): it has no UTF-8
    encoding, so it can be neither stored nor echoed back."""

    code = "invalid_text"
    http_status = 400
    message = _("The text contains characters that are not valid. Check it and try again.")


class JsonTooDeepError(WalletDeskError):
    code = "json_too_deep"
    http_status = 400
    message = _("The request body is nested too deeply (at most %(limit)s levels).")


class InvalidCursorError(WalletDeskError):
    code = "invalid_cursor"
    http_status = 400
    message = _("This page link is not valid. Start again from the first page.")


class CsrfFailedError(WalletDeskError):
    code = "csrf_failed"
    http_status = 403
    message = _("This form has expired. Reload the page and try again.")
