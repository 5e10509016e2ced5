"""`manage.py sla_deadline` (a stable interface): output, defaults, and exit 2 on bad input."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def deadline(*args: str) -> dict[str, str]:
    out = StringIO()
    call_command("sla_deadline", *args, "--json", stdout=out)
    result: dict[str, str] = json.loads(out.getvalue().strip().splitlines()[-1])
    return result


def test_default_calendar_is_mainland_and_a_start_without_offset_is_beijing_time() -> None:
    assert deadline("--start", "2026-09-30T17:00", "--business-minutes", "120") == {
        "due": "2026-10-08T10:00:00+08:00"
    }


def test_the_due_time_is_given_in_the_calendars_zone() -> None:
    # 09:00 UTC is 17:00 in Beijing.
    assert deadline("--start", "2026-11-03T09:00:00Z", "--business-minutes", "30") == {
        "due": "2026-11-03T17:30:00+08:00"
    }


def test_closing_time_and_zero_minutes() -> None:
    assert deadline("--start", "2026-11-03T17:00+08:00", "--business-minutes", "60") == {
        "due": "2026-11-03T18:00:00+08:00"
    }
    assert deadline("--start", "2026-11-03T18:00+08:00", "--business-minutes", "0") == {
        "due": "2026-11-04T09:00:00+08:00"
    }
    assert deadline("--start", "2026-11-03T10:05+08:00", "--business-minutes", "0") == {
        "due": "2026-11-03T10:05:00+08:00"
    }


def test_24x7_calendar() -> None:
    assert deadline(
        "--start", "2026-10-01T23:00", "--business-minutes", "90", "--calendar", "24x7"
    ) == {"due": "2026-10-02T00:30:00+08:00"}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--start", "2026-12-31T17:00", "--business-minutes", "120"], "2026"),
        (["--start", "2026-11-03T10:00", "--business-minutes", "5", "--calendar", "x"], "24x7"),
        (["--start", "yesterday", "--business-minutes", "5"], "ISO 8601"),
        (["--start", "2026-11-03T10:00", "--business-minutes", "-5"], "between 0"),
    ],
)
def test_bad_input_exits_2_with_a_message_that_says_what_to_do(args: list[str], says: str) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("sla_deadline", *args, "--json", stdout=StringIO())
    assert caught.value.returncode == 2
    assert says in str(caught.value)


def test_calendar_holidays_keeps_edited_days_and_adds_missing_ones() -> None:
    from datetime import date

    from walletdesk.tickets.models import BusinessCalendar, CalendarDay

    calendar = BusinessCalendar.objects.get(name="cn-mainland")
    edited = calendar.days.get(date=date(2026, 10, 10))
    edited.name_en = "Worked Saturday"
    edited.save()
    calendar.days.filter(date__year=2025).delete()

    out = StringIO()
    call_command("calendar_holidays", stdout=out)

    assert CalendarDay.objects.get(calendar=calendar, date=date(2026, 10, 10)).name_en == (
        "Worked Saturday"
    )
    assert calendar.days.filter(date__year=2025).exists()
    assert "days added" in out.getvalue()
