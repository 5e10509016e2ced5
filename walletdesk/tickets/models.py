"""Support desk models. Business calendars first: SLA targets in business time count on them."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from walletdesk.core.models import TimeStampedModel


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(zone)s is not a known time zone."), params={"zone": value})


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class BusinessCalendar(TimeStampedModel):
    """When a team works: weekly windows in one time zone, holidays and make-up working days."""

    name = models.SlugField(_("name"), max_length=40, unique=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=80)
    title_en = models.CharField(_("title (English)"), max_length=80)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    always_open = models.BooleanField(
        _("always open"), default=False, help_text=_("Every minute counts (24x7).")
    )
    holidays_known_from = models.DateField(
        _("holiday data from"),
        null=True,
        blank=True,
        help_text=_("Deadlines before this date are refused. Empty: no holiday data needed."),
    )
    holidays_known_through = models.DateField(
        _("holiday data through"),
        null=True,
        blank=True,
        help_text=_("Deadlines after this date are refused until next year's holidays are added."),
    )

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name


class WorkingWindow(models.Model):
    """One open period of a weekday. Several per day are allowed (a lunch break is a gap)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="windows")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    # 00:00 as the closing time means midnight at the end of the day.
    closes = models.TimeField(
        _("closes"), help_text=_("00:00 means midnight at the end of the day.")
    )

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ("calendar", "weekday", "opens")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=F("opens")) | Q(closes="00:00:00"),
                name="tickets_window_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", pgettext_lazy("calendar day", "Holiday")
    WORKDAY = "workday", pgettext_lazy("calendar day", "Make-up working day")


class CalendarDay(models.Model):
    """A date that breaks the weekly pattern: a public holiday, or a make-up working day (调休)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    hours_like = models.PositiveSmallIntegerField(
        _("hours as on"),
        choices=Weekday.choices,
        default=Weekday.MONDAY,
        help_text=_("A make-up working day keeps the working hours of this weekday."),
    )

    class Meta:
        verbose_name = _("holiday or make-up day")
        verbose_name_plural = _("holidays and make-up days")
        ordering = ("calendar", "date")
        constraints = [
            models.UniqueConstraint(fields=("calendar", "date"), name="tickets_one_entry_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"
