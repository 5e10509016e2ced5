from __future__ import annotations

import importlib

import pytest
from django.apps import apps


@pytest.fixture(autouse=True)
def _shipped_desk_data(request: pytest.FixtureRequest) -> None:
    """The calendars and categories come from data migrations; a transactional test elsewhere in
    the same worker flushes them, so put them back when they are missing."""
    if "django_db_setup" not in request.fixturenames and not request.node.get_closest_marker(
        "django_db"
    ):
        return
    request.getfixturevalue("django_db_blocker")
    from walletdesk.tickets.models import BusinessCalendar, Category, SlaPolicy

    if not BusinessCalendar.objects.exists():
        importlib.import_module(
            "walletdesk.tickets.migrations.0002_shipped_calendars"
        ).create_calendars(apps, None)
    if not Category.objects.exists():
        importlib.import_module("walletdesk.tickets.migrations.0004_categories").create_categories(
            apps, None
        )
    if not SlaPolicy.objects.exists():
        importlib.import_module(
            "walletdesk.tickets.migrations.0006_default_sla_policies"
        ).create_policies(apps, None)
    from walletdesk.tickets.models import AutomationRule

    if not AutomationRule.objects.exists():
        importlib.import_module(
            "walletdesk.tickets.migrations.0009_security_rules"
        ).create_teams_and_rules(apps, None)
