"""Three SLA policies to start from (operators edit them in the admin):

- complaints: a first reply within 24 hours and an update at least every 24 hours, around the
  clock (the promise the complaint form makes);
- urgent tickets (fraud, emergency freezes): a first reply within 30 minutes, next replies within
  an hour, resolution within a day, around the clock;
- everything else, on mainland business hours: first reply within 4 business hours, next reply
  within 8, the customer waits at most 3 business days in total, resolution within 5.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

POLICIES: list[dict[str, Any]] = [
    {
        "name": "投诉 Complaints",
        "position": 10,
        "kinds": ["complaint"],
        "calendar": "24x7",
        "targets": [("first_reply", 24 * 60, False), ("periodic_update", 24 * 60, False)],
    },
    {
        "name": "紧急 Urgent",
        "position": 20,
        "priorities": [40],
        "calendar": "24x7",
        "targets": [
            ("first_reply", 30, False),
            ("next_reply", 60, False),
            ("resolution", 24 * 60, False),
        ],
    },
    {
        "name": "标准 Standard",
        "position": 100,
        "calendar": "cn-mainland",
        "targets": [
            ("first_reply", 4 * 60, True),
            ("next_reply", 8 * 60, True),
            ("requester_wait", 3 * 9 * 60, True),
            ("resolution", 5 * 9 * 60, True),
        ],
    },
]


def create_policies(apps: Any, schema_editor: Any) -> None:
    BusinessCalendar = apps.get_model("tickets", "BusinessCalendar")
    SlaPolicy = apps.get_model("tickets", "SlaPolicy")
    SlaTarget = apps.get_model("tickets", "SlaTarget")
    for spec in POLICIES:
        policy, created = SlaPolicy.objects.get_or_create(
            name=spec["name"],
            defaults={
                "position": spec["position"],
                "kinds": spec.get("kinds", []),
                "priorities": spec.get("priorities", []),
                "calendar": BusinessCalendar.objects.get(name=spec["calendar"]),
            },
        )
        if created:
            SlaTarget.objects.bulk_create(
                SlaTarget(policy=policy, metric=metric, minutes=minutes, business_hours=business)
                for metric, minutes, business in spec["targets"]
            )


def remove_policies(apps: Any, schema_editor: Any) -> None:
    apps.get_model("tickets", "SlaPolicy").objects.filter(
        name__in=[spec["name"] for spec in POLICIES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0005_sla")]

    operations = [migrations.RunPython(create_policies, remove_policies)]
