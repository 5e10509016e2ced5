from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from walletdesk.core.errors import NotFoundError, ValidationFailedError, WalletDeskError


class ArticleNotFoundError(NotFoundError):
    code = "help_article_not_found"
    message = _("We could not find this help article.")


class SearchQueryTooLongError(ValidationFailedError):
    code = "help_query_too_long"
    message = _("Search text can be at most %(limit)s characters.")


class ScheduleNotAllowedError(WalletDeskError):
    code = "help_schedule_not_allowed"
    http_status = 409
    message = _("Only an article in review can be scheduled, and the time must be in the future.")


class VersionNotFoundError(NotFoundError):
    code = "help_version_not_found"
    message = _("This version does not exist.")


class InvalidVideoError(ValidationFailedError):
    code = "help_invalid_video"
    message = _("Upload an MP4 or WebM video of at most %(limit_mb)s MB.")
