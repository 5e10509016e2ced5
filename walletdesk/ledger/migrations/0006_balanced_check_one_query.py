"""The zero-sum check at commit groups postings by currency only for an entry in several.

The deferred trigger of 0002 runs for every posting; since 0004 it grouped the entry's postings by
currency in one read. Most entries are in one currency: one aggregate without grouping gives the
count, the sum and whether there is a second currency, and only an entry in several currencies is
grouped. Going back restores 0004's function.
"""

import importlib

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger AS $$
DECLARE
    posting_count integer;
    total numeric;
    one_currency boolean;
    balanced boolean;
BEGIN
    SELECT count(*), sum(amount), min(currency) = max(currency)
    INTO posting_count, total, one_currency
    FROM ledger_posting WHERE entry_id = NEW.entry_id;
    IF posting_count < 2 THEN
        RAISE EXCEPTION 'ledger entry % has fewer than two postings', NEW.entry_id
            USING ERRCODE = 'check_violation';
    END IF;
    -- Separate IFs: a condition with a subquery runs through the executor even when it is not
    -- needed, a plain comparison does not.
    IF one_currency THEN
        balanced := total = 0;
    ELSE
        balanced := NOT EXISTS (
            SELECT 1 FROM ledger_posting WHERE entry_id = NEW.entry_id
            GROUP BY currency HAVING sum(amount) <> 0);
    END IF;
    IF NOT balanced THEN
        RAISE EXCEPTION 'ledger entry % does not sum to zero', NEW.entry_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        previous = importlib.import_module("walletdesk.ledger.migrations.0004_fewer_indexes")
        schema_editor.execute(previous.POSTGRES_BALANCE_CHECK, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_idempotency_status_plain_integer")]

    operations = [migrations.RunPython(forward, backward)]
