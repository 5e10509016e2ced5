"""Statuses, transitions and reason codes of wallet operations."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class WalletStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("wallet status", "Active")
    FROZEN = "frozen", _("Frozen")
    CLOSED = "closed", _("Closed")


class FrozenBy(models.TextChoices):
    CUSTOMER = "customer", _("You (emergency freeze)")
    AGENT = "agent", pgettext_lazy("who froze the wallet", "Customer service")
    RISK = "risk", _("Risk control")


WALLET_TRANSITIONS: dict[str, frozenset[str]] = {
    WalletStatus.ACTIVE: frozenset({WalletStatus.FROZEN, WalletStatus.CLOSED}),
    WalletStatus.FROZEN: frozenset({WalletStatus.ACTIVE}),
    WalletStatus.CLOSED: frozenset(),
}


class RailMethod(models.TextChoices):
    BANK_CARD = "bank_card", _("Bank card")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    THIRD_PARTY_WALLET = "third_party_wallet", _("Third-party wallet (Alipay-style)")


class RailOperationStatus(models.TextChoices):
    """Top-ups and withdrawals share one life cycle at the rail."""

    CREATED = "created", _("Created")
    PENDING = "pending", _("Processing")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


RAIL_OPERATION_TRANSITIONS: dict[str, frozenset[str]] = {
    RailOperationStatus.CREATED: frozenset(
        {RailOperationStatus.PENDING, RailOperationStatus.FAILED, RailOperationStatus.EXPIRED}
    ),
    RailOperationStatus.PENDING: frozenset(
        {RailOperationStatus.SUCCEEDED, RailOperationStatus.FAILED, RailOperationStatus.EXPIRED}
    ),
    RailOperationStatus.SUCCEEDED: frozenset(),
    RailOperationStatus.FAILED: frozenset(),
    RailOperationStatus.EXPIRED: frozenset(),
}


class PaymentStatus(models.TextChoices):
    COMPLETED = "completed", _("Paid")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partly refunded")
    REFUNDED = "refunded", _("Refunded")


PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    PaymentStatus.COMPLETED: frozenset({PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}),
    PaymentStatus.PARTIALLY_REFUNDED: frozenset(
        {PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
    ),
    PaymentStatus.REFUNDED: frozenset(),
}


class ActivityType(models.TextChoices):
    TOP_UP = "top_up", _("Top-up")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    PAYMENT = "payment", _("Payment")
    TRANSFER_OUT = "transfer_out", _("Transfer sent")
    TRANSFER_IN = "transfer_in", _("Transfer received")
    REFUND = "refund", _("Refund")


class ActivityStatus(models.TextChoices):
    PENDING = "pending", _("Processing")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    REFUNDED = "refunded", _("Refunded")


class FeeOperation(models.TextChoices):
    TOP_UP = "top_up", _("Top-up")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    FX = "fx", _("Currency conversion")
    INTERNATIONAL = "international", _("International payment")
    TRANSFER = "transfer", _("Transfer")


class LimitOperation(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    TRANSFER = "transfer", _("Transfer")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    TOP_UP = "top_up", _("Top-up")


class CardStatus(models.TextChoices):
    ACTIVE = "active", _("Bound")
    UNBOUND = "unbound", _("Removed")


# Binding the same card again makes a new row; a removed card stays removed.
CARD_TRANSITIONS: dict[str, frozenset[str]] = {
    CardStatus.ACTIVE: frozenset({CardStatus.UNBOUND}),
    CardStatus.UNBOUND: frozenset(),
}


class FailureReason(models.TextChoices):
    """Reason codes shown to customers and agents; stable, used by the assistant and API."""

    INSUFFICIENT_BALANCE = "insufficient_balance", _("Not enough balance")
    LIMIT_EXCEEDED = "limit_exceeded", _("Over the limit")
    ACCOUNT_FROZEN = "account_frozen", _("Account frozen")
    WRONG_PAYMENT_PASSWORD = "wrong_payment_password", _("Wrong payment password")
    PAYMENT_PASSWORD_LOCKED = "payment_password_locked", _("Payment password locked")
    RISK_REJECTED = "risk_rejected", _("Stopped by risk control")
    RAIL_TIMEOUT = "rail_timeout", _("The bank did not answer in time")
    CARD_DECLINED = "card_declined", _("Card declined by the bank")
    INSUFFICIENT_FUNDS_AT_BANK = (
        "insufficient_funds_at_bank",
        _("Not enough money in the bank account"),
    )
    CURRENCY_NOT_SUPPORTED = "currency_not_supported", _("Currency not supported")
    EXPIRED = "expired", _("Not completed in time")
    RAIL_ERROR = "rail_error", _("The payment channel reported an error")


class WithdrawalFeeMethod(models.TextChoices):
    """Who bears a withdrawal's fee: added on top of the amount (what API callers that do not
    say get, as before the choice existed) or taken out of it."""

    ON_TOP = "on_top", _("Fee added on top")
    FROM_AMOUNT = "from_amount", _("Fee taken from the amount")


class RefusalReason(models.TextChoices):
    """Stable reason codes of refused payments and transfers (`RefusedAttempt`). Most equal the
    error code the caller was given; `merchant_closed` is told to the caller as
    `merchant_not_found`, as before."""

    INSUFFICIENT_BALANCE = "insufficient_balance", _("Not enough balance")
    LIMIT_EXCEEDED = "limit_exceeded", _("Over the limit")
    ACCOUNT_FROZEN = "account_frozen", _("Account frozen")
    WRONG_PAYMENT_PASSWORD = "wrong_payment_password", _("Wrong payment password")
    PAYMENT_PASSWORD_LOCKED = "payment_password_locked", _("Payment password locked")
    PAYMENT_PASSWORD_NOT_SET = "payment_password_not_set", _("No payment password set")
    PASSKEY_INVALID = "passkey_invalid", _("Fingerprint or face check failed")
    RISK_REJECTED = "risk_rejected", _("Stopped by risk control")
    MERCHANT_CLOSED = "merchant_closed", _("Merchant not accepting payments")
    RECIPIENT_CANNOT_RECEIVE = (
        "recipient_cannot_receive",
        _("The recipient's wallet cannot receive money"),
    )
    OUTFLOW_HOLD = "outflow_hold", _("Security hold after an account change")
    FX_QUOTE_EXPIRED = "fx_quote_expired", _("Exchange quote expired")
    FX_QUOTE_USED = "fx_quote_used", _("Exchange quote already used")
    FX_RATE_UNAVAILABLE = "fx_rate_unavailable", _("No exchange rate available")
    AMOUNT_TOO_LARGE = "amount_too_large", _("Larger than one payment allows")
    OTHER = "other", _("Not completed")


class RefundRequestStatus(models.TextChoices):
    """A customer's request that the merchant refund a payment (`RefundRequest`)."""

    REQUESTED = "requested", _("Waiting for the merchant")
    ACCEPTED = "accepted", _("Accepted by the merchant")
    REFUSED = "refused", _("Refused by the merchant")
    EXPIRED = "expired", _("No answer in time")


# Only an open request moves, and only once: accepted, refused and expired are final.
REFUND_REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    RefundRequestStatus.REQUESTED: frozenset(
        {RefundRequestStatus.ACCEPTED, RefundRequestStatus.REFUSED, RefundRequestStatus.EXPIRED}
    ),
    RefundRequestStatus.ACCEPTED: frozenset(),
    RefundRequestStatus.REFUSED: frozenset(),
    RefundRequestStatus.EXPIRED: frozenset(),
}


class RefundRequestReason(models.TextChoices):
    """Why the customer asks for a refund (told to the merchant)."""

    NOT_RECEIVED = "not_received", _("Goods or service not received")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    DUPLICATE_CHARGE = "duplicate_charge", _("I was charged twice")
    CANCELLED = "cancelled", _("I cancelled the order")
    OTHER = "other", _("Another reason")


class MerchantRefusalReason(models.TextChoices):
    """Why a merchant refused a refund request (shown to the customer)."""

    ALREADY_DELIVERED = "already_delivered", _("The goods or service were delivered")
    OUTSIDE_REFUND_PERIOD = "outside_refund_period", _("The merchant's refund period has passed")
    NOT_ELIGIBLE = "not_eligible", _("Not refundable under the merchant's terms")
    OTHER = "other", _("Another reason")
