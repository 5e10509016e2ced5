"""The notifications' database function, from walletdesk/notifications/sql/
transaction_notice.sql (PostgreSQL only): `notifications_transaction_notice` queues a transaction
notice as the Python path does, for other apps' database functions (payments migration 0013). A
later change to the file comes with a migration that loads it again.
"""

from django.db import migrations

from walletdesk.core.db import sql_file

DROP = "DROP FUNCTION IF EXISTS notifications_transaction_notice(bigint, text, jsonb, timestamptz)"


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            sql_file("walletdesk.notifications", "transaction_notice.sql"), params=None
        )


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_staff_pages")]

    operations = [migrations.RunPython(forward, backward)]
