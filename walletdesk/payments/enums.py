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
