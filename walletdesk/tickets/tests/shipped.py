"""Put back the rows the tickets app's data migrations ship (calendars, categories, SLA
policies) when a transactional test elsewhere in the worker has flushed them."""

from __future__ import annotations

import importlib

from django.apps import apps


def restore_shipped_rows() -> None:
    from walletdesk.tickets.models import BusinessCalendar, Category, SlaPolicy

    migrations = "walletdesk.tickets.migrations"
    if not BusinessCalendar.objects.exists():
        importlib.import_module(f"{migrations}.0002_shipped_calendars").create_calendars(apps, None)
    if not Category.objects.exists():
        importlib.import_module(f"{migrations}.0004_categories").create_categories(apps, None)
    if not SlaPolicy.objects.exists():
        importlib.import_module(f"{migrations}.0006_default_sla_policies").create_policies(
            apps, None
        )
