"""`ledger_post_entry` keeps the generic plan of its lines' query (PostgreSQL only).

Loads walletdesk/ledger/sql/post_entry.sql again: the function now carries
`SET plan_cache_mode = force_generic_plan`, so the query that reads the lines' accounts in lock
order is no longer planned again in every call (its arrays made each call's own plan look
cheaper than the generic one, which is the same plan). Same behaviour; going back loads 0009's
definition without the setting.
"""

from django.db import migrations

from walletdesk.core.db import sql_file


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(sql_file("walletdesk.ledger", "post_entry.sql"), params=None)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER FUNCTION ledger_post_entry(text, text, text, integer, json, text, text, text, "
            "text, bigint[], bigint[], timestamptz, timestamptz) RESET plan_cache_mode",
            params=None,
        )


class Migration(migrations.Migration):
    dependencies = [("ledger", "0009_post_entry_function")]

    operations = [migrations.RunPython(forward, backward)]
