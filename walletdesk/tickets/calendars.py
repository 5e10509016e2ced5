"""Business-time arithmetic on a team's calendar: deadlines and elapsed business time.

A calendar is loaded once into an immutable `Schedule` (three queries); the arithmetic is pure, so
an SLA sweep over thousands of tickets reuses one schedule and tests need no database.

Rules (DESIGN.md "Decisions", sla_deadline):
- a deadline that falls exactly at closing time stays there (it does not move to the next opening);
- adding zero minutes gives the next business moment: the start itself when the calendar is open;
- a date outside the calendar's holiday data is an error naming the last year covered, never a
  silent weekends-only answer.
Windows are wall-clock times in the calendar's zone; durations are measured in real (UTC) time,
so a window on a daylight-saving change day is as long as it really is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from walletdesk.tickets.errors import (
    CalendarDataMissingError,
    CalendarHasNoHoursError,
    CalendarNotFoundError,
)
from walletdesk.tickets.models import BusinessCalendar, DayKind

Window = tuple[time, time]
MIDNIGHT = time(0, 0)
# A calendar with working hours is open at least once in any ten years.
SEARCH_DAYS = 3660


@dataclass(frozen=True, slots=True)
class Schedule:
    name: str
    zone: ZoneInfo
    always_open: bool = False
    weekly: tuple[tuple[Window, ...], ...] = ((),) * 7
    holidays: frozenset[date] = frozenset()
    workdays: dict[date, int] = field(default_factory=dict)
    known_from: date | None = None
    known_through: date | None = None

    def windows_on(self, day: date) -> tuple[Window, ...]:
        outside = (self.known_through is not None and day > self.known_through) or (
            self.known_from is not None and day < self.known_from
        )
        if outside:
            raise CalendarDataMissingError(
                name=self.name,
                date=day.isoformat(),
                first_year=self.known_from.year if self.known_from else "",
                last_year=self.known_through.year if self.known_through else "",
            )
        if day in self.holidays:
            return ()
        like = self.workdays.get(day)
        return self.weekly[day.weekday() if like is None else like]

    def has_hours(self) -> bool:
        return self.always_open or any(self.weekly)


def load_schedule(name: str) -> Schedule:
    calendar = BusinessCalendar.objects.filter(name=name).first()
    if calendar is None:
        raise CalendarNotFoundError(name=name)
    weekly: list[list[Window]] = [[] for _ in range(7)]
    for window in calendar.windows.order_by("weekday", "opens"):
        weekly[window.weekday].append((window.opens, window.closes))
    holidays: set[date] = set()
    workdays: dict[date, int] = {}
    for day, kind, hours_like in calendar.days.values_list("date", "kind", "hours_like"):
        if kind == DayKind.HOLIDAY:
            holidays.add(day)
        else:
            workdays[day] = hours_like
    return Schedule(
        name=calendar.name,
        zone=ZoneInfo(calendar.time_zone),
        always_open=calendar.always_open,
        weekly=tuple(tuple(day) for day in weekly),
        holidays=frozenset(holidays),
        workdays=workdays,
        known_from=calendar.holidays_known_from,
        known_through=calendar.holidays_known_through,
    )


def _instant(day: date, moment: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time of the calendar as an instant (a closing 00:00 is the next midnight)."""
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


def _open_periods(schedule: Schedule, first_day: date) -> Iterator[tuple[datetime, datetime]]:
    for offset in range(SEARCH_DAYS):
        day = first_day + timedelta(days=offset)
        for opens, closes in schedule.windows_on(day):
            end_day = day + timedelta(days=1) if closes == MIDNIGHT else day
            yield _instant(day, opens, schedule.zone), _instant(end_day, closes, schedule.zone)


def _require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("business-time arithmetic needs an aware datetime")
    return moment.astimezone(UTC)


def add_business_time(schedule: Schedule, start: datetime, duration: timedelta) -> datetime:
    """When `duration` of business time has passed after `start`, in the calendar's zone."""
    if duration < timedelta(0):
        raise ValueError("duration must not be negative")
    cursor = _require_aware(start)
    if schedule.always_open:
        return (cursor + duration).astimezone(schedule.zone)
    if not schedule.has_hours():
        raise CalendarHasNoHoursError(name=schedule.name)
    remaining = duration
    # Windows never run past midnight, so the first one that can matter is on the start's local day.
    first_day = cursor.astimezone(schedule.zone).date()
    for opens, closes in _open_periods(schedule, first_day):
        if closes <= cursor:
            continue
        begin = max(opens, cursor)
        if remaining == timedelta(0):
            return begin.astimezone(schedule.zone)
        available = closes - begin
        if remaining <= available:
            return (begin + remaining).astimezone(schedule.zone)
        remaining -= available
    raise CalendarHasNoHoursError(name=schedule.name)


def add_business_minutes(schedule: Schedule, start: datetime, minutes: int) -> datetime:
    return add_business_time(schedule, start, timedelta(minutes=minutes))


def business_time_between(schedule: Schedule, start: datetime, end: datetime) -> timedelta:
    """Business time elapsed from `start` to `end` (zero when `end` is not after `start`)."""
    begin, finish = _require_aware(start), _require_aware(end)
    if finish <= begin:
        return timedelta(0)
    if schedule.always_open:
        return finish - begin
    elapsed = timedelta(0)
    for opens, closes in _open_periods(schedule, begin.astimezone(schedule.zone).date()):
        if opens >= finish:
            break
        overlap = min(closes, finish) - max(opens, begin)
        if overlap > timedelta(0):
            elapsed += overlap
    return elapsed


def is_open(schedule: Schedule, moment: datetime) -> bool:
    return add_business_time(schedule, moment, timedelta(0)) == _require_aware(moment)
