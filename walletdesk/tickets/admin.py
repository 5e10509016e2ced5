from __future__ import annotations

from django.contrib import admin

from walletdesk.tickets.desk_models import Macro
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


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin[Macro]):
    """Canned replies; the bodies may use {customer_name}, {ticket_number}, {amount} and
    {record_link} (tickets/desk_actions.py fills them in the ticket's language)."""

    list_display = ("name", "set_status", "set_priority", "active", "position")
    list_editable = ("active", "position")
    list_filter = ("active", "set_status")
    search_fields = ("name", "body_zh", "body_en")
