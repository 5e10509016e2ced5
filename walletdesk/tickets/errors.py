from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from walletdesk.core.errors import WalletDeskError


class CalendarNotFoundError(WalletDeskError):
    code = "calendar_not_found"
    http_status = 404
    message = _("There is no business calendar named %(name)s.")


class CalendarDataMissingError(WalletDeskError):
    code = "calendar_data_missing"
    http_status = 422
    message = _(
        "The calendar %(name)s has holiday data from %(first_year)s through %(last_year)s only, "
        "so it cannot count business time on %(date)s. Add that year's holidays and make-up "
        "working days to the calendar first."
    )


class CalendarHasNoHoursError(WalletDeskError):
    code = "calendar_has_no_hours"
    http_status = 422
    message = _("The calendar %(name)s has no working hours, so no deadline can be computed.")


class TicketNotFoundError(WalletDeskError):
    code = "ticket_not_found"
    http_status = 404
    message = _("We could not find this ticket.")


class TicketClosedError(WalletDeskError):
    code = "ticket_closed"
    http_status = 409
    message = _(
        "This ticket is closed and can no longer be reopened. Please open a new ticket; you can "
        "mention the old number %(number)s in it."
    )


class CategoryNotFoundError(WalletDeskError):
    code = "ticket_category_not_found"
    http_status = 400
    message = _("Choose one of the listed topics.")


class TicketActionNotAllowedError(WalletDeskError):
    code = "ticket_action_not_allowed"
    http_status = 403
    message = _("You cannot do this on this ticket.")


class TicketMergeInvalidError(WalletDeskError):
    code = "ticket_merge_invalid"
    http_status = 409
    message = _("These tickets cannot be merged: %(reason)s")


class TicketRecordNotFoundError(WalletDeskError):
    code = "ticket_record_not_found"
    http_status = 400
    message = _("We could not find this record in your account. Choose one of your own records.")


class TicketNotRateableError(WalletDeskError):
    code = "ticket_not_rateable"
    http_status = 409
    message = _("You can rate a ticket once it has been solved.")


class TeamNotFoundError(WalletDeskError):
    code = "ticket_team_not_found"
    http_status = 400
    message = _("Choose one of the active teams.")
