"""A calendar edit moves the deadlines of the open tickets counting on it, and so does an edit of
an SLA policy or of its targets (after commit)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from walletdesk.core.db import on_commit
from walletdesk.tickets import sla
from walletdesk.tickets.models import (
    BusinessCalendar,
    CalendarDay,
    SlaPolicy,
    SlaTarget,
    WorkingWindow,
)


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


@receiver(post_save, sender=SlaPolicy)
def _policy_changed(sender: Any, instance: SlaPolicy, created: bool, **kwargs: Any) -> None:
    if not created:
        on_commit(sla.replan_policy, instance.pk)


@receiver([post_save, post_delete], sender=SlaTarget)
def _policy_target_changed(sender: Any, instance: SlaTarget, **kwargs: Any) -> None:
    on_commit(sla.replan_policy, instance.policy_id)
