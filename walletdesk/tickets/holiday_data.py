"""Mainland China public holidays and make-up working days (调休), from `chinese-calendar`.

The package is maintained from the State Council's yearly notices; we read its tables rather than
keep our own copy, and store them in the calendar's rows so operators can edit them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from chinese_calendar import constants


@dataclass(frozen=True, slots=True)
class SpecialDay:
    date: date
    kind: str  # "holiday" or "workday" (tickets.models.DayKind values)
    name_zh: str
    name_en: str

    def as_fields(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "kind": self.kind,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
        }


def _names(english: str) -> tuple[str, str]:
    holiday = constants.Holiday(english)
    return holiday.chinese, holiday.value


def mainland_days() -> tuple[list[SpecialDay], date, date]:
    """Every holiday and make-up working day the package knows, and the first and last date."""
    days: list[SpecialDay] = []
    for day, english in sorted(constants.holidays.items()):
        name_zh, name_en = _names(english)
        days.append(SpecialDay(day, "holiday", name_zh, name_en))
    for day, english in sorted(constants.workdays.items()):
        name_zh, name_en = _names(english)
        days.append(
            SpecialDay(day, "workday", f"{name_zh}调休", f"{name_en} (make-up working day)")
        )
    first_year = min(constants.holidays).year
    last_year = max(constants.holidays).year
    return sorted(days, key=lambda d: d.date), date(first_year, 1, 1), date(last_year, 12, 31)
