from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from walletdesk.identity.models import ApprovalRequest, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin[User]):
    list_display = ("login_name", "display_name", "role", "kyc_level", "is_active", "date_joined")
    list_filter = ("role", "groups", "kyc_level", "is_active")
    search_fields = ("login_name", "display_name")
    exclude = ("password", "user_permissions")
    filter_horizontal = ("groups",)
    readonly_fields = ("public_id", "last_login", "date_joined")


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(admin.ModelAdmin[ApprovalRequest]):
    """For looking: approvals are decided on the staff approval page, with step-up."""

    list_display = ("kind", "status", "subject", "requested_by", "amount", "currency", "created_at")
    list_filter = ("kind", "status")
    exclude = ("payload",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
