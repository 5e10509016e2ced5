"""The ledger in the admin: for looking, never for editing (the database refuses edits too)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from walletdesk.ledger.models import Hold, JournalEntry, LedgerAccount, Posting


class LookOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PostingInline(admin.TabularInline[Posting, JournalEntry]):
    model = Posting
    fields = ("account", "amount", "currency")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LedgerAccount)
class LedgerAccountAdmin(LookOnlyAdmin):
    list_display = ("code", "kind", "currency", "posted", "held", "debits_blocked")
    list_filter = ("kind", "currency", "debits_blocked")
    search_fields = ("code",)


@admin.register(JournalEntry)
class JournalEntryAdmin(LookOnlyAdmin):
    list_display = ("id", "kind", "reference", "memo", "actor", "created_at")
    list_filter = ("kind",)
    search_fields = ("reference", "public_id")
    inlines = [PostingInline]


@admin.register(Hold)
class HoldAdmin(LookOnlyAdmin):
    list_display = ("public_id", "account", "amount", "captured_amount", "status", "expires_at")
    list_filter = ("status",)
    list_select_related = ("account",)
