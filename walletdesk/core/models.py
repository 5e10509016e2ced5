from __future__ import annotations

import uuid

from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class PublicIdModel(models.Model):
    """Rows that are exposed to clients carry a random public id next to the integer key.

    Object-level checks are still done on every lookup; the UUID is defence in depth against
    enumeration (security guide ACC-1).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class StatusChangeQuerySet(models.QuerySet["StatusChange"]):
    def update(self, **kwargs: object) -> int:
        raise TypeError("status history is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("status history is append-only")


class StatusChange(models.Model):
    """One row per status change of any model (`core.statemachine.change_status` writes it).

    The subject is named by its model label and primary key rather than a foreign key, so every
    app's state machine shares one append-only history without core importing any app.
    """

    subject_type = models.CharField(max_length=100)
    subject_id = models.BigIntegerField()
    field = models.CharField(max_length=32, default="status")
    from_status = models.CharField(max_length=32)
    to_status = models.CharField(max_length=32)
    actor = models.CharField(max_length=64)
    reason = models.CharField(max_length=200, blank=True)
    occurred_at = models.DateTimeField()

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="status_change_subject")
        ]

    def __str__(self) -> str:
        return f"{self.subject_type}#{self.subject_id} {self.from_status}→{self.to_status}"
