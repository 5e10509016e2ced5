from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from walletdesk.tickets import outbox, webhooks
from walletdesk.tickets.desk_models import Macro
from walletdesk.tickets.models import (
    AutomationRule,
    BusinessCalendar,
    CalendarDay,
    Category,
    ChannelMessage,
    IntegrationChannel,
    SlaPolicy,
    SlaTarget,
    Team,
    TeamMembership,
    WebhookDelivery,
    WebhookEndpoint,
    WorkingWindow,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    """Topics and subtopics; a subtopic's intent ties it to the assistant (docs/support-desk.md)."""

    list_display = ("slug", "name_zh", "name_en", "parent", "intent", "position", "active")
    list_editable = ("position", "active")
    list_filter = ("active", "parent")
    search_fields = ("slug", "name_zh", "name_en", "intent")
    ordering = ("parent__position", "position", "slug")


class SlaTargetInline(admin.TabularInline[SlaTarget, SlaPolicy]):
    model = SlaTarget
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin[SlaPolicy]):
    """The first active policy by position whose conditions match a ticket sets its targets."""

    list_display = ("name", "position", "active", "calendar", "warn_at_percent")
    list_editable = ("position", "active")
    list_filter = ("active", "calendar")
    filter_horizontal = ("categories",)
    inlines = (SlaTargetInline,)


class WorkingWindowInline(admin.TabularInline[WorkingWindow, BusinessCalendar]):
    model = WorkingWindow
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin[BusinessCalendar]):
    list_display = (
        "name",
        "title_zh",
        "title_en",
        "time_zone",
        "always_open",
        "holidays_known_through",
    )
    inlines = (WorkingWindowInline,)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin[CalendarDay]):
    list_display = ("date", "calendar", "kind", "name_zh", "name_en", "hours_like")
    list_filter = ("calendar", "kind")
    date_hierarchy = "date"
    search_fields = ("name_zh", "name_en")


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin[Macro]):
    """Canned replies; the bodies may use {customer_name}, {ticket_number}, {amount} and
    {record_link} (tickets/desk_actions.py fills them in the ticket's language)."""

    list_display = ("name", "set_status", "set_priority", "active", "position")
    list_editable = ("active", "position")
    list_filter = ("active", "set_status")
    search_fields = ("name", "body_zh", "body_en")


class TeamMembershipInline(admin.TabularInline[TeamMembership, Team]):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ("agent",)
    fields = ("agent", "capacity", "available", "shift")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ("name", "title_zh", "title_en", "strategy", "auto_assign", "calendar", "active")
    list_filter = ("active", "strategy")
    inlines = (TeamMembershipInline,)


@admin.register(AutomationRule)
class AutomationRuleAdmin(admin.ModelAdmin[AutomationRule]):
    list_display = ("name", "event", "position", "active")
    list_editable = ("position", "active")
    list_filter = ("event", "active")
    search_fields = ("name",)
    ordering = ("position", "pk")


# --- Channels and outgoing webhooks (admins: every permission; docs/support-desk.md) ----------


@admin.register(IntegrationChannel)
class IntegrationChannelAdmin(admin.ModelAdmin[IntegrationChannel]):
    list_display = ("name", "kind", "category", "language", "active")
    list_filter = ("kind", "active")
    fields = (
        "name",
        "kind",
        "active",
        "category",
        "language",
        "secret",
        "reply_url",
        "api_base",
        "bot_token",
    )

    def save_model(
        self, request: HttpRequest, obj: IntegrationChannel, form: Any, change: bool
    ) -> None:
        obj.full_clean()
        super().save_model(request, obj, form, change)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin[WebhookEndpoint]):
    list_display = ("name", "url", "active", "previous_secret_expires_at")
    list_filter = ("active",)
    readonly_fields = ("secret", "previous_secret_expires_at")
    fields = ("name", "url", "events", "active", "secret", "previous_secret_expires_at")
    actions = ("rotate_secret",)

    @admin.action(description=_("Rotate the signing secret (the old one signs for 24 more hours)"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            webhooks.rotate_secret(endpoint)
        self.message_user(request, _("New secrets issued. Update the receivers within 24 hours."))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    """The outbox and its dead letters: filter by state "failed (dead letter)" and retry."""

    list_display = (
        "event_id",
        "event_type",
        "endpoint",
        "state",
        "attempts",
        "last_status",
        "last_error",
        "next_attempt_at",
        "created_at",
    )
    list_filter = ("state", "event_type", "endpoint")
    list_select_related = ("endpoint",)
    search_fields = ("event_id",)
    actions = ("retry_now",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Retry the selected failed deliveries now"))
    def retry_now(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        count = outbox.retry_dead(queryset.values_list("pk", flat=True))
        self.message_user(request, _("%(count)d deliveries queued again.") % {"count": count})


@admin.register(ChannelMessage)
class ChannelMessageAdmin(admin.ModelAdmin[ChannelMessage]):
    """Messages that crossed a channel; the outbound ones are the replies' outbox and dead
    letters (retried like webhook deliveries)."""

    list_display = (
        "external_id",
        "channel",
        "direction",
        "state",
        "attempts",
        "last_error",
        "next_attempt_at",
        "created_at",
    )
    list_filter = ("direction", "state", "channel")
    list_select_related = ("channel",)
    search_fields = ("external_id",)
    actions = ("retry_now",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in ChannelMessage._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Retry the selected failed deliveries now"))
    def retry_now(self, request: HttpRequest, queryset: QuerySet[ChannelMessage]) -> None:
        count = outbox.retry_dead(queryset.values_list("pk", flat=True), ChannelMessage)
        self.message_user(request, _("%(count)d deliveries queued again.") % {"count": count})
