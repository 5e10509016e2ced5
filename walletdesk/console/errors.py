from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from walletdesk.core.errors import WalletDeskError


class ConsoleReasonRequiredError(WalletDeskError):
    code = "console_reason_required"
    http_status = 400
    message = _("Choose a reason for this action.")


class ConsoleActionNotApplicableError(WalletDeskError):
    """The action does not apply to the account as it is (e.g. unfreezing an account that is
    not frozen, re-querying a top-up that has already settled)."""

    code = "console_action_not_applicable"
    http_status = 409
    message = _("This action does not apply to the account as it is now.")


class ConsoleRateLimitedError(WalletDeskError):
    """A staff member's own limit on an action (reveals, code sends) within the hour."""

    code = "console_rate_limited"
    http_status = 429
    message = _("You have done this too often in the last hour. Please try again later.")


class ConsoleNoteInvalidError(WalletDeskError):
    """An internal note on a chat that is empty or longer than the limit."""

    code = "console_note_invalid"
    http_status = 400
    message = _("Write a note of 1 to 2,000 characters.")
