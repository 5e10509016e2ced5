"""Seed the staff role groups (agent, senior agent, supervisor, admin) and their permissions."""

from typing import Any

from django.contrib.auth.management import create_permissions
from django.db import migrations


def seed_groups(apps: Any, schema_editor: Any) -> None:
    # Permissions are normally created after `migrate` finishes; create them now so the groups
    # can hold them (post_migrate runs the same sync again for apps migrated later).
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    from walletdesk.identity.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("identity", "0006_staff_roles_and_approvals"),
    ]

    operations = [migrations.RunPython(seed_groups, migrations.RunPython.noop)]
