from django.utils.translation import gettext_lazy as _

from walletdesk.core.errors import WalletDeskError

# insufficient_balance and account_frozen come from walletdesk.ledger.errors; the payment
# password codes from walletdesk.identity.errors; amount and currency codes from core.money.


class LimitExceededError(WalletDeskError):
    code = "limit_exceeded"
    http_status = 403
    message = _("This is over your %(period)s limit of %(limit)s. %(hint)s")


class RailAmountTooLargeError(WalletDeskError):
    code = "rail_amount_too_large"
    http_status = 400
    message = _("A single top-up or withdrawal can be at most %(limit)s.")


class WithdrawalRateLimitedError(WalletDeskError):
    code = "withdrawal_rate_limited"
    http_status = 429
    message = _("You have made %(count)s withdrawals in the past hour. Please try again later.")


class RiskRejectedError(WalletDeskError):
    code = "risk_rejected"
    http_status = 403
    message = _(
        "For your safety, this payment was stopped by our risk checks. If you made it yourself, "
        "contact support and we will review it."
    )


class WalletClosedError(WalletDeskError):
    code = "wallet_closed"
    http_status = 410
    message = _("This wallet has been closed.")


class WalletNotFoundError(WalletDeskError):
    code = "wallet_not_found"
    http_status = 404
    message = _("No wallet was found for this account.")


class RecipientNotFoundError(WalletDeskError):
    code = "recipient_not_found"
    http_status = 404
    message = _("No wallet uses this phone number or email. Check it and try again.")


class RecipientLookupsLimitedError(WalletDeskError):
    code = "recipient_lookups_limited"
    http_status = 429
    message = _(
        "You have entered several phone numbers or emails that have no wallet. For everyone's "
        "safety, transfers are paused for an hour. Check the recipient's details with them."
    )


class SelfTransferError(WalletDeskError):
    code = "transfer_to_self"
    http_status = 400
    message = _("You cannot transfer money to yourself.")


class RecipientCannotReceiveError(WalletDeskError):
    code = "recipient_cannot_receive"
    http_status = 409
    message = _("The recipient's wallet cannot receive money right now.")


class MerchantNotFoundError(WalletDeskError):
    code = "merchant_not_found"
    http_status = 404
    message = _("This merchant was not found or does not accept payments right now.")


class RefundExceedsPaymentError(WalletDeskError):
    code = "refund_exceeds_payment"
    http_status = 409
    message = _("The refund is larger than what is left to refund on this payment (%(remaining)s).")


class PaymentNotRefundableError(WalletDeskError):
    code = "payment_not_refundable"
    http_status = 409
    message = _("This payment has already been fully refunded.")


class FxRateUnavailableError(WalletDeskError):
    code = "fx_rate_unavailable"
    http_status = 409
    message = _("We have no exchange rate for %(pair)s right now. Please try again later.")


class FxQuoteExpiredError(WalletDeskError):
    code = "fx_quote_expired"
    http_status = 409
    message = _("This exchange quote has expired. Get a new quote and confirm again.")


class FxQuoteUsedError(WalletDeskError):
    code = "fx_quote_used"
    http_status = 409
    message = _("This exchange quote has already been used.")


class FxQuoteRequiredError(WalletDeskError):
    code = "fx_quote_required"
    http_status = 400
    message = _(
        "This merchant is paid in %(currency)s. Get an exchange quote first, then confirm the "
        "payment with it."
    )


class ClosureBlockedError(WalletDeskError):
    code = "closure_blocked"
    http_status = 409
    message = _("The wallet cannot be closed yet.")


class CardInvalidError(WalletDeskError):
    code = "card_number_invalid"
    http_status = 400
    message = _("This card number is not valid. Check the digits and try again.")


class CardExpiredError(WalletDeskError):
    code = "card_expired"
    http_status = 400
    message = _("This card has expired. Use a card that is still valid.")


class CardCvvInvalidError(WalletDeskError):
    code = "card_cvv_invalid"
    http_status = 400
    message = _("The security code (CVV) is the 3 digits on the back of the card.")


class CardDeclinedError(WalletDeskError):
    code = "card_declined"
    http_status = 402
    message = _("The bank declined this card. Check the card details or use another card.")


class CardNotFoundError(WalletDeskError):
    code = "card_not_found"
    http_status = 404
    message = _("This bank card was not found in your wallet.")


class CardAlreadyBoundError(WalletDeskError):
    code = "card_already_bound"
    http_status = 409
    message = _("This card is already bound to your wallet.")


class RailTimeoutError(WalletDeskError):
    code = "rail_timeout"
    http_status = 504
    message = _(
        "The bank did not answer in time. Nothing was charged twice: we will check the result "
        "automatically and update the record."
    )


class RailUnavailableError(WalletDeskError):
    code = "rail_unavailable"
    http_status = 503
    message = _("This payment method is not available right now. Try another method or try later.")


class OperationNotFoundError(WalletDeskError):
    code = "operation_not_found"
    http_status = 404
    message = _("We could not find that record. It may not exist, or it may not be yours.")


class CallbackSignatureError(WalletDeskError):
    code = "callback_signature_invalid"
    http_status = 400
    message = _("The callback signature is not valid.")


class CallbackStaleError(WalletDeskError):
    code = "callback_stale"
    http_status = 400
    message = _("The callback timestamp is too old or too far in the future.")


class WithdrawalsOnHoldError(WalletDeskError):
    code = "withdrawals_on_hold"
    http_status = 403
    message = _(
        "For your safety, withdrawals are paused until %(until)s because your phone number or "
        "email was changed recently."
    )


class OutflowHoldError(WalletDeskError):
    """Any money leaving the wallet during the hold after a security change. Withdrawals after
    a phone or email change keep `withdrawals_on_hold`."""

    code = "outflow_hold"
    http_status = 403
    message = _(
        "For your safety, money cannot leave your wallet until %(until)s: your password, phone "
        "number or email was changed, or your account was signed in on a new device. You can "
        "still pay people and merchants you paid before."
    )


class RefundRequestOpenError(WalletDeskError):
    code = "refund_request_open"
    http_status = 409
    message = _(
        "This payment already has a refund request waiting for the merchant's answer. You can "
        "follow it on the payment's record page."
    )


class RefundRequestNotFoundError(WalletDeskError):
    code = "refund_request_not_found"
    http_status = 404
    message = _("We could not find that refund request. It may not exist, or it may not be yours.")
