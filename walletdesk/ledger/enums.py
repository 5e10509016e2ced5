from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AccountKind(models.TextChoices):
    CUSTOMER_WALLET = "customer_wallet", _("Customer wallet")
    MERCHANT = "merchant", _("Merchant account")
    RAIL_CLEARING = "rail_clearing", _("Rail clearing")
    FEE_REVENUE = "fee_revenue", _("Fee revenue")
    FX_POSITION = "fx_position", _("FX position")
    SUSPENSE = "suspense", _("Suspense")


# Accounts whose balance may go below zero: they mirror money held outside the wallet (at a rail,
# in the operator's FX book). Customer wallets and merchant accounts never go negative.
SYSTEM_KINDS = frozenset(
    {
        AccountKind.RAIL_CLEARING,
        AccountKind.FEE_REVENUE,
        AccountKind.FX_POSITION,
        AccountKind.SUSPENSE,
    }
)


class EntryKind(models.TextChoices):
    TOP_UP = "top_up", _("Top-up")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    PAYMENT = "payment", _("Payment")
    TRANSFER = "transfer", _("Transfer")
    REFUND = "refund", _("Refund")
    FX = "fx", _("Currency exchange")
    FEE = "fee", _("Fee")
    REVERSAL = "reversal", _("Reversal")
    ADJUSTMENT = "adjustment", _("Adjustment")


class HoldStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("hold status", "Active")
    CAPTURED = "captured", _("Captured")
    VOIDED = "voided", _("Released")
    EXPIRED = "expired", _("Expired")


# A hold is settled once: captured (the money left), released by the operation (voided) or
# released when it ran out (expired).
HOLD_TRANSITIONS: dict[str, frozenset[str]] = {
    HoldStatus.ACTIVE: frozenset({HoldStatus.CAPTURED, HoldStatus.VOIDED, HoldStatus.EXPIRED}),
    HoldStatus.CAPTURED: frozenset(),
    HoldStatus.VOIDED: frozenset(),
    HoldStatus.EXPIRED: frozenset(),
}
