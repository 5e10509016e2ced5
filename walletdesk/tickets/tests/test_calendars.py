"""Business-time arithmetic: windows, weekends, mainland holidays and make-up working days (调休),
closing-time edges, daylight saving, and the shipped calendars."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from walletdesk.tickets.calendars import (
    Schedule,
    add_business_minutes,
    add_business_time,
    business_time_between,
    is_open,
    load_schedule,
)
from walletdesk.tickets.errors import (
    CalendarDataMissingError,
    CalendarHasNoHoursError,
    CalendarNotFoundError,
)
from walletdesk.tickets.models import BusinessCalendar, CalendarDay, DayKind

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
NINE_TO_SIX = ((time(9), time(18)),)
WEEKDAYS_NINE_TO_SIX = (NINE_TO_SIX,) * 5 + ((), ())


def beijing(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def office(**overrides: object) -> Schedule:
    fields: dict[str, object] = {
        "name": "office",
        "zone": SHANGHAI,
        "weekly": WEEKDAYS_NINE_TO_SIX,
    }
    fields.update(overrides)
    return Schedule(**fields)  # type: ignore[arg-type]


# --- Pure arithmetic -----------------------------------------------------------------------------


def test_minutes_inside_one_window() -> None:
    assert add_business_minutes(office(), beijing(2026, 11, 3, 10, 0), 90) == beijing(
        2026, 11, 3, 11, 30
    )


def test_minutes_carry_over_the_night_and_the_weekend() -> None:
    # Friday 17:00 + 120 min: one hour on Friday, the second on Monday morning.
    assert add_business_minutes(office(), beijing(2026, 11, 6, 17, 0), 120) == beijing(
        2026, 11, 9, 10, 0
    )


def test_a_start_before_opening_or_at_the_weekend_counts_from_the_next_opening() -> None:
    assert add_business_minutes(office(), beijing(2026, 11, 3, 7, 15), 30) == beijing(
        2026, 11, 3, 9, 30
    )
    assert add_business_minutes(office(), beijing(2026, 11, 7, 12, 0), 30) == beijing(
        2026, 11, 9, 9, 30
    )


def test_a_deadline_exactly_at_closing_time_stays_there() -> None:
    assert add_business_minutes(office(), beijing(2026, 11, 3, 17, 0), 60) == beijing(
        2026, 11, 3, 18, 0
    )
    # A whole working day from the opening ends at that day's closing, not the next morning.
    assert add_business_minutes(office(), beijing(2026, 11, 3, 9, 0), 9 * 60) == beijing(
        2026, 11, 3, 18, 0
    )


def test_zero_minutes_is_the_next_business_moment() -> None:
    inside = beijing(2026, 11, 3, 10, 17)
    assert add_business_minutes(office(), inside, 0) == inside
    assert add_business_minutes(office(), beijing(2026, 11, 3, 18, 0), 0) == beijing(
        2026, 11, 4, 9, 0
    )
    assert add_business_minutes(office(), beijing(2026, 11, 7, 9, 0), 0) == beijing(
        2026, 11, 9, 9, 0
    )


def test_several_windows_a_day_skip_the_lunch_break() -> None:
    lunch_break = ((time(9), time(12)), (time(13), time(18)))
    schedule = office(weekly=(lunch_break,) * 5 + ((), ()))
    assert add_business_minutes(schedule, beijing(2026, 11, 3, 11, 30), 60) == beijing(
        2026, 11, 3, 13, 30
    )
    assert business_time_between(
        schedule, beijing(2026, 11, 3, 11, 0), beijing(2026, 11, 3, 14, 0)
    ) == timedelta(hours=2)


def test_a_holiday_is_closed_and_a_make_up_day_is_open() -> None:
    schedule = office(
        holidays=frozenset({date(2026, 11, 4)}),
        workdays={date(2026, 11, 7): 0},  # a Saturday worked with Monday's hours
    )
    # Tuesday 17:30 + 60: 30 min on Tuesday, Wednesday is a holiday, 30 min on Thursday.
    assert add_business_minutes(schedule, beijing(2026, 11, 3, 17, 30), 60) == beijing(
        2026, 11, 5, 9, 30
    )
    # Friday 17:30 + 60: 30 min on Friday, 30 min on the make-up Saturday.
    assert add_business_minutes(schedule, beijing(2026, 11, 6, 17, 30), 60) == beijing(
        2026, 11, 7, 9, 30
    )


def test_dates_beyond_the_holiday_data_are_refused_with_the_last_year_covered() -> None:
    schedule = office(known_from=date(2004, 1, 1), known_through=date(2026, 12, 31))
    with pytest.raises(CalendarDataMissingError) as caught:
        add_business_minutes(schedule, beijing(2026, 12, 31, 17, 0), 120)
    assert caught.value.details["last_year"] == 2026
    assert "2026" in caught.value.user_message
    with pytest.raises(CalendarDataMissingError):
        add_business_minutes(schedule, beijing(2003, 12, 31, 10, 0), 10)
    # Within the data the answer is given even on the last day.
    assert add_business_minutes(schedule, beijing(2026, 12, 31, 17, 0), 60) == beijing(
        2026, 12, 31, 18, 0
    )


def test_a_calendar_without_hours_is_an_error_not_an_endless_loop() -> None:
    with pytest.raises(CalendarHasNoHoursError):
        add_business_minutes(office(weekly=((),) * 7), beijing(2026, 11, 3, 10, 0), 1)


def test_always_open_counts_every_minute() -> None:
    schedule = Schedule(name="24x7", zone=SHANGHAI, always_open=True)
    start = beijing(2026, 10, 1, 23, 30)
    assert add_business_minutes(schedule, start, 90) == beijing(2026, 10, 2, 1, 0)
    assert business_time_between(schedule, start, beijing(2026, 10, 2, 1, 0)) == timedelta(
        minutes=90
    )


def test_a_start_given_in_another_zone_is_placed_in_the_calendars_day() -> None:
    # 2026-11-03 23:30 UTC is Wednesday 07:30 in Beijing: the clock starts at 09:00 Wednesday.
    start = datetime(2026, 11, 3, 23, 30, tzinfo=UTC)
    assert add_business_minutes(office(), start, 15) == beijing(2026, 11, 4, 9, 15)


def test_daylight_saving_weekend_for_a_team_in_new_york() -> None:
    nine_to_five = ((time(9), time(17)),)
    schedule = office(zone=NEW_YORK, weekly=(nine_to_five,) * 5 + ((), ()))
    # Friday 2026-03-06 16:00 EST + 120: one hour Friday, one hour Monday (EDT from 8 March).
    due = add_business_minutes(schedule, datetime(2026, 3, 6, 16, 0, tzinfo=NEW_YORK), 120)
    assert due == datetime(2026, 3, 9, 10, 0, tzinfo=NEW_YORK)
    assert due.utcoffset() == timedelta(hours=-4)


def test_a_midnight_to_midnight_window_on_the_spring_forward_day_lasts_23_hours() -> None:
    all_sunday = ((time(0), time(0)),)
    schedule = office(zone=NEW_YORK, weekly=((),) * 6 + (all_sunday,))
    sunday = datetime(2026, 3, 8, 0, 0, tzinfo=NEW_YORK)
    monday = datetime(2026, 3, 9, 0, 0, tzinfo=NEW_YORK)
    assert business_time_between(schedule, sunday, monday) == timedelta(hours=23)
    assert add_business_time(schedule, sunday, timedelta(hours=23)) == monday


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        add_business_minutes(office(), datetime(2026, 11, 3, 10, 0), 5)  # noqa: DTZ001


def test_is_open() -> None:
    assert is_open(office(), beijing(2026, 11, 3, 9, 0))
    assert not is_open(office(), beijing(2026, 11, 3, 18, 0))
    assert not is_open(office(), beijing(2026, 11, 7, 10, 0))


moments = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001 (hypothesis bounds are naive)
    max_value=datetime(2026, 11, 30),  # noqa: DTZ001
    timezones=st.just(SHANGHAI),
)


@settings(max_examples=200, deadline=None)
@given(start=moments, minutes=st.integers(min_value=0, max_value=20 * 9 * 60))
def test_adding_then_measuring_gives_back_the_minutes(start: datetime, minutes: int) -> None:
    schedule = office(
        holidays=frozenset({date(2026, 5, 1), date(2026, 5, 4), date(2026, 10, 1)}),
        workdays={date(2026, 5, 9): 0},
    )
    due = add_business_minutes(schedule, start, minutes)
    assert due >= start
    assert business_time_between(schedule, start, due) == timedelta(minutes=minutes)
    assert add_business_minutes(schedule, start, minutes + 1) > due
    assert is_open(schedule, due) or due.time() == time(18)


# --- The shipped calendars -----------------------------------------------------------------------


@pytest.mark.django_db
def test_mainland_calendar_skips_national_day_and_works_the_make_up_saturday() -> None:
    mainland = load_schedule("cn-mainland")
    # Wednesday 30 September 2026, 17:00 + 120: 60 min that day; 1–7 October are holidays.
    assert add_business_minutes(mainland, beijing(2026, 9, 30, 17, 0), 120) == beijing(
        2026, 10, 8, 10, 0
    )
    # Friday 9 October 17:30 + 60: Saturday 10 October is a make-up working day (调休).
    assert add_business_minutes(mainland, beijing(2026, 10, 9, 17, 30), 60) == beijing(
        2026, 10, 10, 9, 30
    )
    # Sunday 20 September 2026 is a make-up working day too.
    assert is_open(mainland, beijing(2026, 9, 20, 10, 0))


@pytest.mark.django_db
def test_mainland_calendar_over_the_spring_festival() -> None:
    mainland = load_schedule("cn-mainland")
    # Friday 13 February 2026 17:00 + 120: Saturday 14 February is worked; 15–23 are holidays.
    assert add_business_minutes(mainland, beijing(2026, 2, 13, 17, 0), 120) == beijing(
        2026, 2, 14, 10, 0
    )
    assert add_business_minutes(mainland, beijing(2026, 2, 14, 17, 30), 60) == beijing(
        2026, 2, 24, 9, 30
    )


@pytest.mark.django_db
def test_mainland_calendar_holiday_data_ends_with_its_last_year() -> None:
    calendar = BusinessCalendar.objects.get(name="cn-mainland")
    assert calendar.holidays_known_through is not None
    assert calendar.holidays_known_through.month == 12
    assert calendar.holidays_known_through.day == 31
    assert CalendarDay.objects.filter(
        calendar=calendar, date=date(2026, 10, 10), kind=DayKind.WORKDAY, name_zh="国庆节调休"
    ).exists()


@pytest.mark.django_db
def test_an_edited_calendar_is_used_at_once() -> None:
    calendar = BusinessCalendar.objects.get(name="cn-mainland")
    start = beijing(2026, 11, 3, 17, 30)
    assert add_business_minutes(load_schedule("cn-mainland"), start, 60) == beijing(
        2026, 11, 4, 9, 30
    )
    CalendarDay.objects.create(
        calendar=calendar, date=date(2026, 11, 4), kind=DayKind.HOLIDAY, name_en="Company day"
    )
    assert add_business_minutes(load_schedule("cn-mainland"), start, 60) == beijing(
        2026, 11, 5, 9, 30
    )


@pytest.mark.django_db
def test_unknown_calendar() -> None:
    with pytest.raises(CalendarNotFoundError):
        load_schedule("mars")
