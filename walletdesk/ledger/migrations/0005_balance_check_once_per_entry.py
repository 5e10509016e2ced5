"""The zero-sum check at commit runs once per entry, not once per posting.

Every posting queues the deferred check of 0002 (a constraint trigger is per row), and each run
read all of the entry's postings: an entry of two postings was summed twice. The check now
remembers, for the rest of the transaction, the last entry it found balanced and the highest
posting id it read; a queued check for a posting of that entry at or below that id has nothing
left to check and returns at once. A posting added to the entry later has a higher id (ids come
from a sequence) and is checked again, with all the others.
"""

from django.db import migrations

POSTGRES_BALANCE_CHECK = """
CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger AS $$
DECLARE
    checked text := current_setting('ledger.balanced_through', true);
    posting_count bigint;
    unbalanced boolean;
    last_posting bigint;
BEGIN
    -- Each posting queues this check at commit, but one run reads all of its entry's postings:
    -- the others of that entry, up to the last posting it read, have nothing left to check.
    IF checked IS NOT NULL AND checked <> ''
            AND split_part(checked, ':', 1)::bigint = NEW.entry_id
            AND split_part(checked, ':', 2)::bigint >= NEW.id THEN
        RETURN NULL;
    END IF;
    SELECT sum(per_currency.postings), bool_or(per_currency.total <> 0),
           max(per_currency.last_posting)
    INTO posting_count, unbalanced, last_posting
    FROM (
        SELECT count(*) AS postings, sum(amount) AS total, max(id) AS last_posting
        FROM ledger_posting WHERE entry_id = NEW.entry_id GROUP BY currency
    ) AS per_currency;
    IF posting_count < 2 THEN
        RAISE EXCEPTION 'ledger entry % has fewer than two postings', NEW.entry_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF unbalanced THEN
        RAISE EXCEPTION 'ledger entry % does not sum to zero', NEW.entry_id
            USING ERRCODE = 'check_violation';
    END IF;
    checked := set_config('ledger.balanced_through', NEW.entry_id || ':' || last_posting, true);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def once_per_entry(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_BALANCE_CHECK, params=None)


def every_posting(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        previous = import_module("walletdesk.ledger.migrations.0004_fewer_indexes")
        schema_editor.execute(previous.POSTGRES_BALANCE_CHECK, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_fewer_indexes")]

    operations = [migrations.RunPython(once_per_entry, every_posting)]
