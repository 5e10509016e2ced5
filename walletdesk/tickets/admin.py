from __future__ import annotations

from django.contrib import admin

from walletdesk.tickets.models import BusinessCalendar, CalendarDay, WorkingWindow


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
