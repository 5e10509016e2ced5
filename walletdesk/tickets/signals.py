"""A calendar edit moves the deadlines of the open tickets counting on it (after commit)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from walletdesk.core.db import on_commit
from walletdesk.tickets import sla
from walletdesk.tickets.models import BusinessCalendar, CalendarDay, WorkingWindow


@receiver([post_save, post_delete], sender=WorkingWindow)
@receiver([post_save, post_delete], sender=CalendarDay)
def _calendar_part_changed(
    sender: Any, instance: WorkingWindow | CalendarDay, **kwargs: Any
) -> None:
    name = BusinessCalendar.objects.filter(pk=instance.calendar_id).values_list("name", flat=True)
    for calendar_name in name:
        on_commit(sla.replan_calendar, calendar_name)


@receiver(post_save, sender=BusinessCalendar)
def _calendar_changed(
    sender: Any, instance: BusinessCalendar, created: bool, **kwargs: Any
) -> None:
    if not created:
        on_commit(sla.replan_calendar, instance.name)
