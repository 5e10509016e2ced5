"""Admin for operator configuration. Money-bearing rows are read-only here: they change only
through the wallet operations, never by hand."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from walletdesk.payments.models import (
    BankCard,
    FeeRule,
    FxRate,
    LimitRule,
    Merchant,
    Payment,
    RefundRequest,
    RefusedAttempt,
    TopUp,
    Transfer,
    Wallet,
    Withdrawal,
)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin[Merchant]):
    list_display = ("name", "name_en", "currency", "country", "category", "is_active")
    list_filter = ("currency", "country", "is_active")
    search_fields = ("name", "name_en")
    readonly_fields = ("public_id",)


@admin.register(FeeRule)
class FeeRuleAdmin(admin.ModelAdmin[FeeRule]):
    list_display = (
        "operation",
        "method",
        "currency",
        "rate_bp",
        "fixed",
        "minimum",
        "maximum",
        "is_active",
    )
    list_filter = ("operation", "currency", "is_active")


@admin.register(LimitRule)
class LimitRuleAdmin(admin.ModelAdmin[LimitRule]):
    list_display = (
        "operation",
        "kyc_level",
        "currency",
        "per_transaction",
        "per_day",
        "per_hour_count",
    )
    list_filter = ("operation", "kyc_level")


@admin.register(FxRate)
class FxRateAdmin(admin.ModelAdmin[FxRate]):
    """New rates are added (the newest per pair applies); old ones stay as history."""

    list_display = ("base", "quote", "rate", "source", "valid_from")
    list_filter = ("base", "quote", "source")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ("user", "status", "frozen_by", "frozen_reason", "status_changed_at")
    list_filter = ("status", "frozen_by")
    search_fields = ("user__login_name", "user__display_name")
    list_select_related = ("user",)


@admin.register(TopUp)
class TopUpAdmin(ReadOnlyAdmin):
    list_display = (
        "public_id",
        "user",
        "method",
        "amount",
        "currency",
        "status",
        "failure_reason",
        "rail_trace_id",
        "created_at",
    )
    list_filter = ("status", "method")
    search_fields = ("public_id", "rail_trace_id", "user__login_name")
    list_select_related = ("user",)


@admin.register(Withdrawal)
class WithdrawalAdmin(TopUpAdmin):
    pass


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "public_id",
        "user",
        "merchant",
        "amount",
        "currency",
        "debit_amount",
        "status",
        "created_at",
    )
    list_filter = ("status", "currency")
    search_fields = ("public_id", "user__login_name", "merchant__name")
    list_select_related = ("user", "merchant")


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "sender", "recipient", "amount", "currency", "created_at")
    search_fields = ("public_id", "sender__login_name", "recipient__login_name")
    list_select_related = ("sender", "recipient")


@admin.register(RefusedAttempt)
class RefusedAttemptAdmin(ReadOnlyAdmin):
    list_display = (
        "public_id",
        "user",
        "kind",
        "reason",
        "amount",
        "currency",
        "repeat_count",
        "created_at",
    )
    list_filter = ("kind", "reason")
    search_fields = ("public_id", "user__login_name")
    list_select_related = ("user",)


@admin.register(RefundRequest)
class RefundRequestAdmin(ReadOnlyAdmin):
    """Read-only: a request moves only through its actions (the merchant's answer is recorded
    with `POST /api/v1/payments/<id>/refund-requests/<id>/answer`)."""

    list_display = (
        "public_id",
        "user",
        "payment",
        "amount",
        "currency",
        "reason",
        "status",
        "expires_at",
        "created_at",
    )
    list_filter = ("status", "reason")
    search_fields = ("public_id", "user__login_name", "payment__public_id")
    list_select_related = ("user", "payment")


@admin.register(BankCard)
class BankCardAdmin(ReadOnlyAdmin):
    list_display = ("user", "brand", "bank_name", "last4", "status", "bound_at")
    list_filter = ("brand", "status")
    list_select_related = ("user",)
