"""The ledger's database functions, from walletdesk/ledger/sql/post_entry.sql (PostgreSQL only).

`ledger_post_entry` posts a balanced entry and stores the command's idempotent outcome;
`ledger_stored_outcome` reads one back. Other apps' database functions call them instead of
writing ledger rows (payments migration 0013). A later change to the file comes with a migration
that loads it again.
"""

from django.db import migrations

from walletdesk.core.db import sql_file

DROP = """
DROP FUNCTION IF EXISTS ledger_post_entry(
    text, text, text, integer, json, text, text, text, text, bigint[], bigint[], timestamptz,
    timestamptz);
DROP FUNCTION IF EXISTS ledger_stored_outcome(text, text);
"""


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(sql_file("walletdesk.ledger", "post_entry.sql"), params=None)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0008_operations_take_their_moment")]

    operations = [migrations.RunPython(forward, backward)]
