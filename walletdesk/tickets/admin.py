from __future__ import annotations

from django.contrib import admin

from walletdesk.tickets.desk_models import Macro
from walletdesk.tickets.models import (
    AutomationRule,
    BusinessCalendar,
    CalendarDay,
    Team,
    TeamMembership,
    WorkingWindow,
)


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
    list_filter = ("event", "active")
    ordering = ("position", "pk")
