from django.utils.translation import gettext_lazy as _

from walletdesk.core.errors import WalletDeskError


class InsufficientBalanceError(WalletDeskError):
    code = "insufficient_balance"
    http_status = 409
    message = _("Your available balance is not enough for this.")


class AccountFrozenError(WalletDeskError):
    code = "account_frozen"
    http_status = 423
    message = _(
        "Your account is frozen, so money cannot leave it. Money can still come in. "
        "Contact support or unfreeze it in Security settings."
    )


class UnbalancedEntryError(WalletDeskError):
    code = "ledger_unbalanced_entry"
    http_status = 500
    message = _("The ledger refused an entry that does not balance.")


class HoldNotActiveError(WalletDeskError):
    code = "hold_not_active"
    http_status = 409
    message = _("This reservation has already been settled or released.")


class CaptureExceedsHoldError(WalletDeskError):
    code = "capture_exceeds_hold"
    http_status = 409
    message = _("The amount to settle is larger than the reserved amount.")


class AlreadyReversedError(WalletDeskError):
    code = "entry_already_reversed"
    http_status = 409
    message = _("This entry has already been reversed.")


class IdempotencyKeyMissingError(WalletDeskError):
    code = "idempotency_key_missing"
    http_status = 400
    message = _(
        "Send an Idempotency-Key header (1 to 255 visible ASCII characters) with this request."
    )


class IdempotencyKeyInvalidError(WalletDeskError):
    code = "idempotency_key_invalid"
    http_status = 400
    message = _("The Idempotency-Key must be 1 to 255 visible ASCII characters.")


class IdempotencyKeyReusedError(WalletDeskError):
    code = "idempotency_key_reused"
    http_status = 422
    message = _(
        "This Idempotency-Key was already used for a different request. Use a new key for a new "
        "request."
    )
