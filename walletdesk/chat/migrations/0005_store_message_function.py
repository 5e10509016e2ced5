"""The live chat's send as one database function on PostgreSQL (walletdesk/chat/sql/
store_message.sql); other databases keep the Python path. A later change to the file comes with
a migration that loads it again."""

from django.db import migrations

from walletdesk.core.db import sql_file

DROP_FUNCTION = """
DROP FUNCTION IF EXISTS chat_store_message(
    uuid, text, bigint, text, text, jsonb, uuid, timestamptz)
"""


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(sql_file("walletdesk.chat", "store_message.sql"), params=None)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_FUNCTION, params=None)


class Migration(migrations.Migration):
    dependencies = [("chat", "0004_chat_silent_agent")]

    operations = [migrations.RunPython(forward, backward)]
