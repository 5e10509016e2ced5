"""The two calendars WalletDesk ships: mainland China business hours with its public holidays and
make-up working days (调休), and 24x7.

Holiday data comes from the `chinese-calendar` package as installed when this migration runs; later
years are added with `manage.py calendar_holidays --calendar cn-mainland` once the package has them
(the State Council publishes each year's schedule in November or December).
"""

from __future__ import annotations

from datetime import time
from typing import Any

from django.db import migrations

from walletdesk.tickets.holiday_data import mainland_days

MAINLAND = "cn-mainland"
ALWAYS = "24x7"


def create_calendars(apps: Any, schema_editor: Any) -> None:
    BusinessCalendar = apps.get_model("tickets", "BusinessCalendar")
    WorkingWindow = apps.get_model("tickets", "WorkingWindow")
    CalendarDay = apps.get_model("tickets", "CalendarDay")

    days, first, last = mainland_days()
    mainland, created = BusinessCalendar.objects.get_or_create(
        name=MAINLAND,
        defaults={
            "title_zh": "中国大陆工作日（9:00–18:00）",
            "title_en": "Mainland China business hours (9:00–18:00)",
            "time_zone": "Asia/Shanghai",
            "holidays_known_from": first,
            "holidays_known_through": last,
        },
    )
    if created:
        WorkingWindow.objects.bulk_create(
            WorkingWindow(calendar=mainland, weekday=weekday, opens=time(9), closes=time(18))
            for weekday in range(5)
        )
        CalendarDay.objects.bulk_create(
            CalendarDay(calendar=mainland, **day.as_fields()) for day in days
        )
    BusinessCalendar.objects.get_or_create(
        name=ALWAYS,
        defaults={
            "title_zh": "全天候（7×24 小时）",
            "title_en": "Around the clock (24x7)",
            "time_zone": "Asia/Shanghai",
            "always_open": True,
        },
    )


def remove_calendars(apps: Any, schema_editor: Any) -> None:
    apps.get_model("tickets", "BusinessCalendar").objects.filter(
        name__in=(MAINLAND, ALWAYS)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_business_calendars")]

    operations = [migrations.RunPython(create_calendars, remove_calendars)]
