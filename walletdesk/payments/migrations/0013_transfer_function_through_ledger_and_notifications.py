"""The P2P transfer function moves to walletdesk/payments/sql/transfer.sql (PostgreSQL only).

It no longer writes the ledger's or the notifications' tables: the entry, the balances and the
idempotency record go through `ledger_post_entry` (ledger migration 0009), the notices through
`notifications_transaction_notice` (notifications migration 0005). The response's money and time
texts come from Python (core.money), so the function formats no amounts. The definition of 0011
is dropped. A later change to the file comes with a migration that loads it again.
"""

import importlib

from django.db import migrations

from walletdesk.core.db import sql_file

PREVIOUS = importlib.import_module(
    "walletdesk.payments.migrations.0011_transfer_function_takes_its_moment"
)

DROP_FUNCTION = """
DROP FUNCTION IF EXISTS payments_transfer(
    text, text, text, bigint, bigint, text, text, bigint, bigint, bigint, bigint, bigint, date,
    text, text, text, text, text, timestamptz, timestamptz)
"""


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS.DROP_FUNCTION, params=None)
        schema_editor.execute(sql_file("walletdesk.payments", "transfer.sql"), params=None)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_FUNCTION, params=None)
        schema_editor.execute(PREVIOUS.CREATE_FUNCTION, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0012_operations_take_their_moment"),
        ("ledger", "0009_post_entry_function"),
        ("notifications", "0005_transaction_notice_function"),
    ]

    operations = [migrations.RunPython(forward, backward)]
