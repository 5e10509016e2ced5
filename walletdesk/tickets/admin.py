from __future__ import annotations

from django.contrib import admin

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
