"""Explicit state machines: a status enum, the map of allowed transitions, and one primitive that
changes a status and writes its history row together.

`change_status` is the only way a model's status should move: it checks the map, moves the status
with a conditional UPDATE (so two racing writers cannot both move it from the same state) and
appends a `StatusChange` row (who, when, old → new, reason) in the same transaction. A caller that
holds no transaction gets one; a failure afterwards in the caller's transaction undoes both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from walletdesk.core.errors import InvalidStateTransitionError


def check_transition(transitions: Mapping[Any, frozenset[Any]], current: str, target: str) -> None:
    """Raise unless `current → target` is in the map (statuses are TextChoices values)."""
    if target not in transitions.get(str(current), frozenset()):
        raise InvalidStateTransitionError(current=str(current), target=str(target))


def change_status(
    obj: models.Model,
    target: str,
    *,
    transitions: Mapping[Any, frozenset[Any]],
    actor: str,
    reason: str = "",
    field: str = "status",
    also: Mapping[str, Any] | None = None,
) -> Any:
    """Move `obj.<field>` to `target` and record who did it and why; returns the history row.

    `actor` names who acted, in the house form `customer:<id>`, `agent:<id>`, `system` or
    `assistant`. `also` holds further fields written by the same UPDATE (e.g. `completed_at`).
    The UPDATE only matches while the row still has the status `obj` was read with: if someone
    else moved it first, nothing is written and `invalid_state_transition` (409) is raised, which
    is what makes "approve" run at most once even without a row lock.
    """
    from walletdesk.core.models import StatusChange

    current = str(getattr(obj, field))
    target = str(target)
    check_transition(transitions, current, target)
    values: dict[str, Any] = {field: target, **(also or {})}
    model = type(obj)
    with transaction.atomic():
        moved = model._default_manager.filter(pk=obj.pk, **{field: current}).update(**values)
        if moved != 1:
            raise InvalidStateTransitionError(current=current, target=target)
        for name, value in values.items():
            setattr(obj, name, value)
        return StatusChange.objects.create(
            subject_type=model._meta.label_lower,
            subject_id=obj.pk,
            field=field,
            from_status=current,
            to_status=target,
            actor=actor[:64],
            reason=reason[:200],
            occurred_at=timezone.now(),
        )


def status_history(obj: models.Model, field: str = "status") -> models.QuerySet[Any]:
    """The history rows of one object's status, oldest first."""
    from walletdesk.core.models import StatusChange

    return StatusChange.objects.filter(
        subject_type=type(obj)._meta.label_lower, subject_id=obj.pk, field=field
    ).order_by("occurred_at", "pk")
