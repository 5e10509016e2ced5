from django.contrib import admin

from walletdesk.identity.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin[User]):
    list_display = ("login_name", "display_name", "role", "kyc_level", "is_active", "date_joined")
    list_filter = ("role", "kyc_level", "is_active")
    search_fields = ("login_name", "display_name")
    exclude = ("password",)
    readonly_fields = ("public_id", "last_login", "date_joined")
