from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from walletdesk.core.errors import WalletDeskError


class ConversationNotFoundError(WalletDeskError):
    """Unknown conversation, or another customer's (never "forbidden": no existence oracle)."""

    code = "chat_conversation_not_found"
    http_status = 404
    message = _("This conversation was not found.")


class ConversationClosedError(WalletDeskError):
    code = "chat_conversation_closed"
    http_status = 409
    message = _("This conversation has ended. Start a new one.")


class MessageInvalidError(WalletDeskError):
    code = "chat_message_invalid"
    http_status = 400
    message = _("Type a message of 1 to %(max_length)s characters.")


class ChatOfferGoneError(WalletDeskError):
    """The offer expired, went to another agent, or the chat left the queue."""

    code = "chat_offer_gone"
    http_status = 409
    message = _("This chat is no longer offered to you.")


class ChatNotYoursError(WalletDeskError):
    """An agent acting on a chat that is neither assigned nor offered to them."""

    code = "chat_not_your_chat"
    http_status = 403
    message = _("This chat is not assigned to you.")


class ChatWrongStateError(WalletDeskError):
    code = "chat_wrong_state"
    http_status = 409
    message = _("This cannot be done at this point of the chat.")


class ChatFileNotFoundError(WalletDeskError):
    """Unknown file, one of another conversation, or one already sent (never "forbidden")."""

    code = "chat_file_not_found"
    http_status = 404
    message = _("This file was not found. Upload it again.")


class ChatFilesTooManyError(WalletDeskError):
    code = "chat_files_too_many"
    http_status = 400
    message = _("Too many files: up to %(per_message)s per message and %(per_chat)s per chat.")


class ChatFileQuotaError(WalletDeskError):
    code = "chat_file_quota_exceeded"
    http_status = 429
    message = _("You have sent a lot of files today. Try again tomorrow, or describe it in words.")


class ChatNoEmailError(WalletDeskError):
    code = "chat_no_email"
    http_status = 409
    message = _("Add an email address to your account first, then ask for the transcript again.")


class ChatRecordNotFoundError(WalletDeskError):
    """A record card naming a record that is not the conversation's customer's (or no record at
    all): never "forbidden", so a guessed id tells nothing."""

    code = "chat_record_not_found"
    http_status = 404
    message = _("This record was not found. Choose one from the list of records.")


class ChatArticleNotFoundError(WalletDeskError):
    code = "chat_article_not_found"
    http_status = 404
    message = _("This help article was not found.")
