# Indexes that no query uses, or that a composite index already covers, are dropped:
# each one costs every money command a write.
#
# On SQLite, altering a column rebuilds the table, and the rebuilt table has lost the
# append-only triggers of 0002_database_guards: they are created again at the end.
#
# On PostgreSQL, the zero-sum check at commit (0002) reads an entry's postings once instead of
# twice.

import django.db.models.deletion
from django.db import migrations, models

SQLITE_APPEND_ONLY = [
    "DROP TRIGGER IF EXISTS ledger_posting_append_only",
    "DROP TRIGGER IF EXISTS ledger_entry_append_only",
    """CREATE TRIGGER ledger_posting_append_only BEFORE UPDATE ON ledger_posting
       BEGIN SELECT RAISE(ABORT, 'ledger_posting is append-only: post a reversing entry instead'); END""",
    """CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE ON ledger_journalentry
       BEGIN SELECT RAISE(ABORT, 'ledger_journalentry is append-only: post a reversing entry instead'); END""",
]


POSTGRES_BALANCE_CHECK = """
CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger AS $$
DECLARE
    posting_count bigint;
    unbalanced boolean;
BEGIN
    SELECT sum(per_currency.postings), bool_or(per_currency.total <> 0)
    INTO posting_count, unbalanced
    FROM (
        SELECT count(*) AS postings, sum(amount) AS total FROM ledger_posting
        WHERE entry_id = NEW.entry_id GROUP BY currency
    ) AS per_currency;
    IF posting_count < 2 THEN
        RAISE EXCEPTION 'ledger entry % has fewer than two postings', NEW.entry_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF unbalanced THEN
        RAISE EXCEPTION 'ledger entry % does not sum to zero', NEW.entry_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def one_read_balance_check(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_BALANCE_CHECK, params=None)


def restore_sqlite_triggers(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_APPEND_ONLY:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0003_idempotency_response_text'),
    ]

    operations = [
        # Undoing this migration rebuilds the tables again: the triggers come back last.
        migrations.RunPython(migrations.RunPython.noop, restore_sqlite_triggers),
        migrations.RemoveIndex(
            model_name='idempotencyrecord',
            name='ledger_idempotency_created',
        ),
        migrations.RemoveIndex(
            model_name='journalentry',
            name='ledger_entry_reference',
        ),
        migrations.AlterField(
            model_name='journalentry',
            name='reverses',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reversals', to='ledger.journalentry'),
        ),
        migrations.AlterField(
            model_name='posting',
            name='account',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='postings', to='ledger.ledgeraccount'),
        ),
        migrations.AddConstraint(
            model_name='journalentry',
            constraint=models.UniqueConstraint(condition=models.Q(('reverses__isnull', False)), fields=('reverses',), name='ledger_entry_reversed_once'),
        ),
        migrations.RunPython(restore_sqlite_triggers, migrations.RunPython.noop),
        # Same behaviour as 0002's function: nothing to undo.
        migrations.RunPython(one_read_balance_check, migrations.RunPython.noop),
    ]
