"""Put back the rows the tickets app's data migrations ship (calendars, categories, SLA policies,
macros, the security and supervisor teams and their automation rules) when a transactional test
elsewhere in the worker has flushed them."""

from __future__ import annotations

import importlib

from django.apps import apps


def restore_shipped_rows() -> None:
    from walletdesk.tickets.models import (
        AutomationRule,
        BusinessCalendar,
        Category,
        Macro,
        SlaPolicy,
    )

    def run(migration: str, function: str) -> None:
        module = importlib.import_module(f"walletdesk.tickets.migrations.{migration}")
        getattr(module, function)(apps, None)

    if not BusinessCalendar.objects.exists():
        run("0002_shipped_calendars", "create_calendars")
    if not Category.objects.exists():
        run("0004_categories", "create_categories")
    if not SlaPolicy.objects.exists():
        run("0006_default_sla_policies", "create_policies")
    if not Macro.objects.exists():
        run("0009_desk_seed_macros", "create_macros")
    if not AutomationRule.objects.exists():
        run("0011_security_rules", "create_teams_and_rules")
