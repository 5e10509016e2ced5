"""Wallet operations. Money itself lives in the ledger; these rows give it business meaning.

Amounts are integer minor units in the row's `currency`. Every operation that moves money keeps
the id of its ledger entry (`entry_id`) so support can trace any balance change to its cause.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from walletdesk.core.models import PublicIdModel
from walletdesk.payments.enums import (
    ActivityStatus,
    ActivityType,
    CardStatus,
    FeeOperation,
    FrozenBy,
    LimitOperation,
    PaymentStatus,
    RailMethod,
    RailOperationStatus,
    RefundRequestReason,
    RefundRequestStatus,
    RefusalReason,
    WalletStatus,
    WithdrawalFeeMethod,
)

USER = settings.AUTH_USER_MODEL


class Wallet(models.Model):
    """A customer's wallet: its state, and one ledger account per currency."""

    user = models.OneToOneField(
        USER, on_delete=models.PROTECT, related_name="wallet", verbose_name=_("customer")
    )
    status = models.CharField(
        max_length=10,
        choices=WalletStatus.choices,
        default=WalletStatus.ACTIVE,
        verbose_name=_("status"),
    )
    frozen_by = models.CharField(
        max_length=10, choices=FrozenBy.choices, blank=True, verbose_name=_("frozen by")
    )
    frozen_reason = models.CharField(
        max_length=200, blank=True, verbose_name=_("reason for freezing")
    )
    # When a review freeze is planned to end (risk control says until when); empty: no date.
    frozen_until = models.DateTimeField(null=True, blank=True, verbose_name=_("frozen until"))
    status_changed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("status changed at")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("wallet")
        verbose_name_plural = _("wallets")

    def __str__(self) -> str:
        return f"wallet of user {self.user_id}"


class WalletStatusChange(models.Model):
    """Append-only history of wallet state changes."""

    wallet = models.ForeignKey(
        Wallet, on_delete=models.PROTECT, related_name="status_changes", verbose_name=_("wallet")
    )
    old_status = models.CharField(
        max_length=10, choices=WalletStatus.choices, verbose_name=_("old status")
    )
    new_status = models.CharField(
        max_length=10, choices=WalletStatus.choices, verbose_name=_("new status")
    )
    changed_by = models.CharField(
        max_length=10, choices=FrozenBy.choices, verbose_name=_("changed by")
    )
    reason = models.CharField(max_length=200, blank=True, verbose_name=_("reason"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("wallet status change")
        verbose_name_plural = _("wallet status changes")

    def __str__(self) -> str:
        return f"{self.old_status} → {self.new_status}"


class Merchant(PublicIdModel):
    name = models.CharField(max_length=120, verbose_name=_("name"))
    name_en = models.CharField(max_length=120, blank=True, verbose_name=_("English name"))
    category = models.CharField(max_length=60, blank=True, verbose_name=_("category"))
    currency = models.CharField(max_length=3, default="CNY", verbose_name=_("currency"))
    country = models.CharField(max_length=2, default="CN", verbose_name=_("country"))
    is_active = models.BooleanField(default=True, verbose_name=_("active"))

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the reader's language: `name_en` on English pages when there is one."""
        language = translation.get_language() or ""
        return self.name_en if language.startswith("en") and self.name_en else self.name


class BankCard(PublicIdModel):
    """A bound card: only the rail's token, brand and last four digits are kept."""

    user = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="bank_cards", verbose_name=_("customer")
    )
    rail_token = models.CharField(max_length=64, unique=True, verbose_name=_("channel token"))
    brand = models.CharField(max_length=20, verbose_name=_("card brand"))
    bank_name = models.CharField(max_length=60, blank=True, verbose_name=_("bank"))
    last4 = models.CharField(max_length=4, verbose_name=_("last four digits"))
    expiry_month = models.PositiveSmallIntegerField(verbose_name=_("expiry month"))
    expiry_year = models.PositiveSmallIntegerField(verbose_name=_("expiry year"))
    status = models.CharField(
        max_length=10,
        choices=CardStatus.choices,
        default=CardStatus.ACTIVE,
        verbose_name=_("status"),
    )
    bound_at = models.DateTimeField(auto_now_add=True, verbose_name=_("bound at"))
    unbound_at = models.DateTimeField(null=True, blank=True, verbose_name=_("unbound at"))

    class Meta:
        verbose_name = _("bank card")
        verbose_name_plural = _("bank cards")
        indexes = [models.Index(fields=["user", "status"], name="payments_card_user_status")]

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last4}"


class RailOperation(PublicIdModel):
    """Fields shared by top-ups and withdrawals: money crossing a rail, asynchronously."""

    user = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    method = models.CharField(max_length=20, choices=RailMethod.choices, verbose_name=_("method"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    amount = models.BigIntegerField(verbose_name=_("amount"))
    fee = models.BigIntegerField(default=0, verbose_name=_("fee"))
    status = models.CharField(
        max_length=10,
        choices=RailOperationStatus.choices,
        default=RailOperationStatus.CREATED,
        verbose_name=_("status"),
    )
    failure_reason = models.CharField(max_length=40, blank=True, verbose_name=_("failure reason"))
    rail_trace_id = models.CharField(max_length=64, blank=True, verbose_name=_("trace id"))
    card = models.ForeignKey(
        BankCard,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("bank card"),
    )
    entry_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("journal entry"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))
    last_queried_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("last checked with the channel")
    )
    query_count = models.PositiveIntegerField(default=0, verbose_name=_("times checked"))

    class Meta:
        abstract = True


class TopUp(RailOperation):
    class Meta:
        verbose_name = _("top-up")
        verbose_name_plural = _("top-ups")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="payments_topup_user_created"),
            models.Index(
                fields=["created_at"],
                name="payments_topup_open",
                condition=Q(status__in=["created", "pending"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payments_topup_amount_positive"
            ),
            models.UniqueConstraint(
                fields=["rail_trace_id"],
                condition=~Q(rail_trace_id=""),
                name="payments_topup_trace",
            ),
        ]

    def __str__(self) -> str:
        return f"top-up {self.public_id}"


class Withdrawal(RailOperation):
    """`amount` is what the rail pays out (arrives on the card) and `fee` comes on top of it in
    the wallet, whichever `fee_method` the customer chose: with `from_amount` the customer named
    amount + fee, so the same postings hold for both."""

    hold_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("hold"))
    fee_method = models.CharField(
        max_length=12,
        choices=WithdrawalFeeMethod.choices,
        default=WithdrawalFeeMethod.ON_TOP,
        db_default=WithdrawalFeeMethod.ON_TOP,
        verbose_name=_("fee method"),
    )

    class Meta:
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="payments_wd_user_created"),
            models.Index(
                fields=["created_at"],
                name="payments_wd_open",
                condition=Q(status__in=["created", "pending"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_wd_amount_positive"),
            models.UniqueConstraint(
                fields=["rail_trace_id"], condition=~Q(rail_trace_id=""), name="payments_wd_trace"
            ),
        ]

    def __str__(self) -> str:
        return f"withdrawal {self.public_id}"


class RailOperationEvent(models.Model):
    """Append-only timeline of a top-up or withdrawal (what the record page and agents see)."""

    operation_type = models.CharField(
        max_length=10, verbose_name=_("operation type")
    )  # "top_up" | "withdrawal"
    operation_id = models.BigIntegerField(verbose_name=_("operation"))
    old_status = models.CharField(max_length=10, blank=True, verbose_name=_("old status"))
    new_status = models.CharField(max_length=10, verbose_name=_("new status"))
    source = models.CharField(
        max_length=20, verbose_name=_("source")
    )  # "customer", "callback", "reconciliation", "expiry"
    detail = models.CharField(max_length=200, blank=True, verbose_name=_("detail"))
    # When it happened: now, or the moment replayed history gives (topups.ReplayedMoment).
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("rail operation event")
        verbose_name_plural = _("rail operation events")
        indexes = [
            models.Index(
                fields=["operation_type", "operation_id", "id"], name="payments_railevent_op"
            )
        ]

    def __str__(self) -> str:
        return f"{self.operation_type} {self.operation_id}: {self.new_status}"


class RailCallback(models.Model):
    """Each provider event id is processed once (N deliveries credit once)."""

    rail = models.CharField(max_length=20, verbose_name=_("payment channel"))
    event_id = models.CharField(max_length=64, verbose_name=_("event id"))
    received_at = models.DateTimeField(auto_now_add=True, verbose_name=_("received at"))
    payload = models.JSONField(verbose_name=_("payload"))

    class Meta:
        verbose_name = _("rail callback")
        verbose_name_plural = _("rail callbacks")
        constraints = [
            models.UniqueConstraint(fields=["rail", "event_id"], name="payments_callback_once")
        ]

    def __str__(self) -> str:
        return f"{self.rail}:{self.event_id}"


class Payment(PublicIdModel):
    """A merchant payment. `amount` is in the merchant's currency; `debit_amount` is what left the
    customer's wallet (different only for international payments, converted through FX)."""

    user = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="payments", verbose_name=_("merchant")
    )
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    amount = models.BigIntegerField(verbose_name=_("amount"))
    debit_currency = models.CharField(max_length=3, verbose_name=_("currency debited"))
    debit_amount = models.BigIntegerField(verbose_name=_("amount debited"))
    fee = models.BigIntegerField(default=0, verbose_name=_("fee"))
    fx_rate = models.CharField(max_length=32, blank=True, verbose_name=_("exchange rate"))
    refunded_amount = models.BigIntegerField(default=0, verbose_name=_("refunded amount"))
    status = models.CharField(
        max_length=20,
        choices=PaymentStatus.choices,
        default=PaymentStatus.COMPLETED,
        verbose_name=_("status"),
    )
    description = models.CharField(max_length=120, blank=True, verbose_name=_("description"))
    entry_id = models.BigIntegerField(verbose_name=_("journal entry"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [models.Index(fields=["user", "-created_at"], name="payments_payment_user")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payments_payment_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("amount")),
                name="payments_payment_refund_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"payment {self.public_id}"


class Refund(PublicIdModel):
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment")
    )
    amount = models.BigIntegerField(verbose_name=_("amount"))
    credit_amount = models.BigIntegerField(verbose_name=_("amount credited"))
    reason = models.CharField(max_length=200, blank=True, verbose_name=_("reason"))
    requested_by = models.CharField(max_length=20, verbose_name=_("requested by"))
    entry_id = models.BigIntegerField(verbose_name=_("journal entry"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payments_refund_amount_positive"
            )
        ]

    def __str__(self) -> str:
        return f"refund {self.public_id}"


class RefundRequest(PublicIdModel):
    """A customer asks the merchant to refund (part of) a payment. `requested` until the merchant
    answers (`accepted`: the refund ran once through `operations.refund_payment`; `refused`, with
    the merchant's reason) or `expires_at` passes (`expired`). History rows through
    `core.statemachine.change_status`. One open request per payment."""

    payment = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        related_name="refund_requests",
        verbose_name=_("payment"),
    )
    # Indexed by payments_refundreq_user (user, -created_at).
    user = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("customer"),
    )
    # In the payment's (the merchant's) currency, minor units.
    amount = models.BigIntegerField(verbose_name=_("amount"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    reason = models.CharField(
        max_length=30, choices=RefundRequestReason.choices, verbose_name=_("reason")
    )
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))
    status = models.CharField(
        max_length=10,
        choices=RefundRequestStatus.choices,
        default=RefundRequestStatus.REQUESTED,
        verbose_name=_("status"),
    )
    # The merchant's answer: a MerchantRefusalReason code when refused, and free text.
    answer_reason = models.CharField(max_length=30, blank=True, verbose_name=_("answer reason"))
    answer_note = models.CharField(max_length=200, blank=True, verbose_name=_("answer note"))
    answered_by = models.CharField(max_length=64, blank=True, verbose_name=_("answered by"))
    answered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("answered at"))
    refund = models.ForeignKey(
        Refund,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("refund"),
    )
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("refund request")
        verbose_name_plural = _("refund requests")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="payments_refundreq_user"),
            models.Index(
                fields=["expires_at"],
                name="payments_refundreq_open",
                condition=Q(status="requested"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["payment"],
                condition=Q(status="requested"),
                name="payments_refundreq_one_open",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payments_refundreq_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"refund request {self.public_id}"


class Transfer(PublicIdModel):
    # Transfers are found by public id; lists per customer read Activity. No index per party:
    # each would cost every transfer a write that no query uses.
    #
    # No foreign-key constraint either (here and on Activity.user): whoever sends, receives or
    # has records has a wallet, and the wallet's own constraint keeps the database from deleting
    # them. A constraint here would repeat that guarantee and cost every transfer four more
    # checks at commit (docs/ledger.md, "Throughput"); the ORM's PROTECT still applies.
    sender = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("sender"),
    )
    recipient = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("recipient"),
    )
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    amount = models.BigIntegerField(verbose_name=_("amount"))
    fee = models.BigIntegerField(default=0, verbose_name=_("fee"))
    memo = models.CharField(max_length=60, blank=True, verbose_name=_("memo"))
    entry_id = models.BigIntegerField(verbose_name=_("journal entry"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payments_transfer_amount_positive"
            ),
            models.CheckConstraint(
                condition=~Q(sender=models.F("recipient")), name="payments_transfer_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"transfer {self.public_id}"


class FxRate(models.Model):
    """Mid-market rate: 1 unit of `base` = `rate` units of `quote` (decimal string, not a float)."""

    base = models.CharField(max_length=3, verbose_name=_("base currency"))
    quote = models.CharField(max_length=3, verbose_name=_("quote currency"))
    rate = models.DecimalField(max_digits=20, decimal_places=10, verbose_name=_("rate"))
    source = models.CharField(max_length=40, default="file", verbose_name=_("source"))
    valid_from = models.DateTimeField(verbose_name=_("valid from"))

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        indexes = [
            models.Index(fields=["base", "quote", "-valid_from"], name="payments_fxrate_pair")
        ]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate} {self.quote}"


class FxQuote(PublicIdModel):
    """A price the customer saw and may accept before `expires_at`; used at most once."""

    user = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    sell_currency = models.CharField(max_length=3, verbose_name=_("currency sold"))
    sell_amount = models.BigIntegerField(verbose_name=_("amount sold"))
    buy_currency = models.CharField(max_length=3, verbose_name=_("currency bought"))
    buy_amount = models.BigIntegerField(verbose_name=_("amount bought"))
    mid_rate = models.DecimalField(
        max_digits=20, decimal_places=10, verbose_name=_("mid-market rate")
    )
    customer_rate = models.DecimalField(
        max_digits=20, decimal_places=10, verbose_name=_("customer rate")
    )
    spread_bp = models.PositiveIntegerField(verbose_name=_("spread (basis points)"))
    fee = models.BigIntegerField(default=0, verbose_name=_("fee"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("used at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("exchange quote")
        verbose_name_plural = _("exchange quotes")

    def __str__(self) -> str:
        return f"quote {self.public_id}"


class FeeRule(models.Model):
    """fee = clamp(amount × rate_bp / 10 000 + fixed, minimum, maximum), rounded half up."""

    operation = models.CharField(
        max_length=20, choices=FeeOperation.choices, verbose_name=_("operation")
    )
    method = models.CharField(
        max_length=20, choices=RailMethod.choices, blank=True, verbose_name=_("method")
    )
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    rate_bp = models.PositiveIntegerField(default=0, verbose_name=_("rate (basis points)"))
    fixed = models.BigIntegerField(default=0, verbose_name=_("fixed fee"))
    minimum = models.BigIntegerField(default=0, verbose_name=_("minimum fee"))
    maximum = models.BigIntegerField(null=True, blank=True, verbose_name=_("maximum fee"))
    is_active = models.BooleanField(default=True, verbose_name=_("active"))

    class Meta:
        verbose_name = _("fee rule")
        verbose_name_plural = _("fee rules")
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "method", "currency"],
                condition=Q(is_active=True),
                name="payments_fee_rule_unique_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.method or '*'} {self.currency}"


class LimitRule(models.Model):
    """Limits per operation and identity-verification level, in the currency's minor units."""

    operation = models.CharField(
        max_length=20, choices=LimitOperation.choices, verbose_name=_("operation")
    )
    kyc_level = models.PositiveSmallIntegerField(verbose_name=_("verification level"))
    currency = models.CharField(max_length=3, default="CNY", verbose_name=_("currency"))
    per_transaction = models.BigIntegerField(verbose_name=_("per-transaction limit"))
    per_day = models.BigIntegerField(verbose_name=_("daily limit"))
    per_hour_count = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("withdrawals per hour")
    )

    class Meta:
        verbose_name = _("limit rule")
        verbose_name_plural = _("limit rules")
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "kyc_level", "currency"], name="payments_limit_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.operation} L{self.kyc_level} {self.currency}"


class UsageCounter(models.Model):
    """Running totals for limits, updated in the operation's transaction (no scan of history)."""

    # Indexed by the unique constraint, which starts with the user.
    user = models.ForeignKey(
        USER, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("customer")
    )
    operation = models.CharField(
        max_length=20, choices=LimitOperation.choices, verbose_name=_("operation")
    )
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    day = models.DateField(verbose_name=_("day"))
    total = models.BigIntegerField(default=0, verbose_name=_("total"))
    # A plain integer: a CHECK constraint is compiled again by every statement that writes the
    # table, and only this app's own updates write it.
    count = models.IntegerField(
        default=0, validators=[MinValueValidator(0)], verbose_name=_("count")
    )

    class Meta:
        verbose_name = _("usage counter")
        verbose_name_plural = _("usage counters")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "operation", "currency", "day"], name="payments_usage_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.operation} {self.day}"


class Activity(models.Model):
    """The customer's records (账单): one row per operation they see, for fast filtered lists."""

    # Indexed by payments_activity_user (user, -created_at, -id). No foreign-key constraint: the
    # wallet's keeps the row (see Transfer).
    user = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("customer"),
    )
    type = models.CharField(max_length=20, choices=ActivityType.choices, verbose_name=_("type"))
    status = models.CharField(
        max_length=10, choices=ActivityStatus.choices, verbose_name=_("status")
    )
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    amount = models.BigIntegerField(
        help_text="Signed: + money in, - money out (minor units).", verbose_name=_("amount")
    )
    fee = models.BigIntegerField(default=0, verbose_name=_("fee"))
    title = models.CharField(max_length=120, verbose_name=_("title"))
    counterparty = models.CharField(max_length=120, blank=True, verbose_name=_("counterparty"))
    object_public_id = models.UUIDField(verbose_name=_("record id"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    # A refused payment or transfer (`RefusedAttempt`): why, so the list needs no join. The
    # PostgreSQL transfer function inserts rows without naming this column: hence db_default.
    failure_reason = models.CharField(
        max_length=30, blank=True, default="", db_default="", verbose_name=_("failure reason")
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="payments_activity_user"),
            models.Index(
                fields=["user", "type", "-created_at"], name="payments_activity_user_type"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["type", "object_public_id"], name="payments_activity_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.amount}"


class RefusedAttempt(PublicIdModel):
    """A merchant payment or transfer that was refused: no money moved, but the customer (and
    support) can see what was tried and why. Written in its own transaction after the refused
    one rolled back (`payments.refusals`). One row per idempotency key: a retry with the same
    key updates it (`repeat_count`, `last_refused_at`) instead of adding one."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Payment")
        TRANSFER = "transfer", _("Transfer")

    user = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("customer"),
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("type"))
    reason = models.CharField(
        max_length=30, choices=RefusalReason.choices, verbose_name=_("failure reason")
    )
    error_code = models.CharField(max_length=60, verbose_name=_("error code"))
    # Values the next step names (e.g. `locked_until` "14:05"); strings only.
    details = models.JSONField(default=dict, blank=True, verbose_name=_("details"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    amount = models.BigIntegerField(verbose_name=_("amount"))
    merchant = models.ForeignKey(
        Merchant,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("merchant"),
    )
    # What the customer typed (normalised); shown masked, and never replaced by the name of the
    # wallet it reaches: a refusal must not tell who has a wallet.
    recipient = models.CharField(max_length=254, blank=True, verbose_name=_("recipient"))
    idempotency_key = models.CharField(max_length=255, blank=True, verbose_name=_("request key"))
    repeat_count = models.PositiveIntegerField(default=1, verbose_name=_("times refused"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    last_refused_at = models.DateTimeField(verbose_name=_("last refused at"))

    class Meta:
        verbose_name = _("refused attempt")
        verbose_name_plural = _("refused attempts")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="payments_refused_user"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="payments_refused_once_per_key",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_refused_amount"),
        ]

    def __str__(self) -> str:
        return f"refused {self.kind} {self.reason}"


# The sandbox rail keeps its own book (registered with this app; see rails/sandbox_models.py).
from walletdesk.payments.rails.sandbox_models import SandboxRailRecord  # noqa: E402, F401
