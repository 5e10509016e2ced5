"""The security and supervisors teams and the rules the support-desk issue asks for: fraud and
emergency-freeze tickets jump to the top and page the security team; a complaint nearing its
deadline (75 %) or missing it escalates to the supervisors. Members are added in the admin."""

from __future__ import annotations

from typing import Any

from django.db import migrations

URGENT = 40

TEAMS = [
    {
        "name": "security",
        "title_zh": "安全与反诈组",
        "title_en": "Security and fraud",
        "skills": ["fraud"],
        "calendar": "24x7",
        "strategy": "least_loaded",
        "position": 10,
    },
    {
        "name": "supervisors",
        "title_zh": "客服主管",
        "title_en": "Supervisors",
        "skills": [],
        "calendar": "cn-mainland",
        "strategy": "least_loaded",
        "position": 90,
    },
]

FRAUD = [{"field": "category", "op": "in", "value": ["fraud", "emergency_freeze"]}]
FRAUD_ACTIONS = [
    {"type": "set_priority", "value": URGENT},
    {"type": "add_tag", "value": "security"},
    {"type": "assign_team", "value": "security"},
    {"type": "page_team", "value": "security"},
]
COMPLAINT = [{"field": "kind", "op": "eq", "value": "complaint"}]
ESCALATE = [
    {"type": "set_priority", "value": URGENT},
    {"type": "assign_team", "value": "supervisors"},
    {"type": "escalate", "value": "supervisors"},
    {"type": "page_team", "value": "supervisors"},
]

RULES = [
    ("Fraud and emergency freeze: new ticket", "created", FRAUD, FRAUD_ACTIONS, 10),
    ("Fraud and emergency freeze: recategorised", "updated", FRAUD, FRAUD_ACTIONS, 11),
    ("Complaint nearing its deadline", "sla_warning", COMPLAINT, ESCALATE, 20),
    ("Complaint past its deadline", "sla_breached", COMPLAINT, ESCALATE, 21),
]


def create_teams_and_rules(apps: Any, schema_editor: Any) -> None:
    BusinessCalendar = apps.get_model("tickets", "BusinessCalendar")
    Team = apps.get_model("tickets", "Team")
    AutomationRule = apps.get_model("tickets", "AutomationRule")
    for spec in TEAMS:
        fields = dict(spec)
        calendar = BusinessCalendar.objects.filter(name=fields.pop("calendar")).first()
        if calendar is None:
            continue
        Team.objects.get_or_create(
            name=fields.pop("name"), defaults={**fields, "calendar": calendar}
        )
    for name, event, conditions, actions, position in RULES:
        AutomationRule.objects.get_or_create(
            name=name,
            defaults={
                "event": event,
                "conditions": conditions,
                "actions": actions,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0010_teams_assignment")]

    operations = [migrations.RunPython(create_teams_and_rules, migrations.RunPython.noop)]
