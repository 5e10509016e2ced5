"""Writes of the support desk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from walletdesk.tickets.errors import CalendarNotFoundError
from walletdesk.tickets.holiday_data import mainland_days
from walletdesk.tickets.models import BusinessCalendar, CalendarDay


@dataclass(frozen=True, slots=True)
class HolidayImport:
    added: int
    known_from: date
    known_through: date


def import_mainland_holidays(calendar_name: str) -> HolidayImport:
    """Add the package's days the calendar lacks; a date already present (edited by an operator)
    is left as it is. The covered range only grows."""
    days, first, last = mainland_days()
    with transaction.atomic():
        calendar = BusinessCalendar.objects.select_for_update().filter(name=calendar_name).first()
        if calendar is None:
            raise CalendarNotFoundError(name=calendar_name)
        present = set(calendar.days.values_list("date", flat=True))
        missing = [
            CalendarDay(calendar=calendar, **d.as_fields()) for d in days if d.date not in present
        ]
        CalendarDay.objects.bulk_create(missing)
        calendar.holidays_known_from = min(filter(None, (calendar.holidays_known_from, first)))
        calendar.holidays_known_through = max(filter(None, (calendar.holidays_known_through, last)))
        calendar.save(update_fields=["holidays_known_from", "holidays_known_through", "updated_at"])
    return HolidayImport(
        len(missing), calendar.holidays_known_from, calendar.holidays_known_through
    )
