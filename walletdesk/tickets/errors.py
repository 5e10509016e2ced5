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


class TicketSplitInvalidError(WalletDeskError):
    code = "ticket_split_invalid"
    http_status = 409
    message = _("This ticket cannot be split: %(reason)s")


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


class ContactRateLimitedError(WalletDeskError):
    code = "contact_rate_limited"
    http_status = 429
    message = _(
        "We have received several requests from you in a short time. Please wait an hour and try "
        "again, or call our hotline."
    )


class ContactCodeInvalidError(WalletDeskError):
    code = "contact_code_invalid"
    http_status = 400
    message = _(
        "This code is wrong or has expired. Check the latest email from us, or fill in the form "
        "again to get a new code."
    )


class TicketAccountLinkError(WalletDeskError):
    code = "ticket_account_link_invalid"
    http_status = 409
    message = _("This ticket cannot be linked to that account: %(reason)s")


class CallbackTimeInvalidError(WalletDeskError):
    code = "callback_time_invalid"
    http_status = 400
    message = _("Choose a time between %(earliest)s and %(latest)s.")


class CallbackAlreadyRequestedError(WalletDeskError):
    code = "callback_already_requested"
    http_status = 409
    message = _(
        "You already asked us to call you back (ticket %(number)s). We will call you at the time "
        "you chose; you can change it by replying on that ticket."
    )


class FeedbackStatusInvalidError(WalletDeskError):
    code = "feedback_status_invalid"
    http_status = 409
    message = _("A suggestion goes from received to passed to product, then to shipped.")


class CsatLinkInvalidError(WalletDeskError):
    code = "csat_link_invalid"
    http_status = 404
    message = _("This rating link is not valid. Please use the link from our email as it is.")


class CsatLinkExpiredError(WalletDeskError):
    code = "csat_link_expired"
    http_status = 410
    message = _(
        "This rating link has expired. You can still rate the ticket on its page in the app."
    )


class CsatLinkUsedError(WalletDeskError):
    code = "csat_link_used"
    http_status = 409
    message = _(
        "This rating link has already been used, so your rating is recorded. To change it, open "
        "the ticket in the app."
    )


class AttachmentTooLargeError(WalletDeskError):
    code = "attachment_too_large"
    http_status = 413
    message = _("%(name)s is larger than %(limit)s MB. Send a smaller picture or PDF.")


class AttachmentTooManyError(WalletDeskError):
    code = "attachment_too_many"
    http_status = 400
    message = _("Too many files: up to %(per_message)s per message and %(per_ticket)s per ticket.")


class AttachmentTypeNotAllowedError(WalletDeskError):
    code = "attachment_type_not_allowed"
    http_status = 400
    message = _("%(name)s is not a picture (PNG, JPEG, WebP) or a PDF. Only these can be sent.")


class AttachmentUnreadableError(WalletDeskError):
    code = "attachment_unreadable"
    http_status = 400
    message = _(
        "We could not open %(name)s: it is damaged, too large in pixels or not what its name "
        "says. Take a new screenshot or save the file again."
    )


class AttachmentActiveContentError(WalletDeskError):
    code = "attachment_active_content"
    http_status = 400
    message = _(
        "%(name)s contains scripts, embedded files or actions, which we do not accept. Print it "
        "to a new PDF and send that."
    )


class AttachmentQuotaExceededError(WalletDeskError):
    code = "attachment_quota_exceeded"
    http_status = 429
    message = _("You have sent the most files allowed in one day. Please try again tomorrow.")


class AttachmentNotFoundError(WalletDeskError):
    code = "attachment_not_found"
    http_status = 404
    message = _("We could not find this file.")


class WebhookTargetRefusedError(WalletDeskError):
    code = "webhook_target_refused"
    http_status = 400
    message = _("This address cannot receive webhooks: %(reason)s")


class ChannelNotFoundError(WalletDeskError):
    code = "channel_not_found"
    http_status = 404
    message = _("There is no active channel with this name.")


class ChannelSignatureInvalidError(WalletDeskError):
    code = "channel_signature_invalid"
    http_status = 401
    message = _("The message signature is missing, invalid or too old.")
