"""Database-level guards for the ledger's invariants.

PostgreSQL: a deferred constraint trigger checks at commit that every entry touched by the
transaction has at least two postings summing to zero per currency, and row triggers refuse
UPDATE and DELETE of postings and journal entries.

SQLite: triggers refuse UPDATE of postings and entries. DELETE stays possible on SQLite because
Django's test flush empties tables with DELETE; the zero-sum check runs in code inside the same
BEGIN IMMEDIATE transaction (see ledger.actions.post_entry). On PostgreSQL the flush uses TRUNCATE,
which row triggers do not see; production deployments revoke TRUNCATE from the app's role
(docs/deployment.md).
"""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger AS $$
DECLARE
    posting_count integer;
BEGIN
    SELECT count(*) INTO posting_count FROM ledger_posting WHERE entry_id = NEW.entry_id;
    IF posting_count < 2 THEN
        RAISE EXCEPTION 'ledger entry % has fewer than two postings', NEW.entry_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (
        SELECT 1 FROM ledger_posting WHERE entry_id = NEW.entry_id
        GROUP BY currency HAVING sum(amount) <> 0
    ) THEN
        RAISE EXCEPTION 'ledger entry % does not sum to zero', NEW.entry_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER ledger_posting_balanced
    AFTER INSERT ON ledger_posting
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();

CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: post a reversing entry instead', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_posting_append_only
    BEFORE UPDATE OR DELETE ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE TRIGGER ledger_entry_append_only
    BEFORE UPDATE OR DELETE ON ledger_journalentry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
"""

POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_journalentry;
DROP TRIGGER IF EXISTS ledger_posting_append_only ON ledger_posting;
DROP TRIGGER IF EXISTS ledger_posting_balanced ON ledger_posting;
DROP FUNCTION IF EXISTS ledger_refuse_change();
DROP FUNCTION IF EXISTS ledger_check_entry_balanced();
"""

SQLITE_FORWARD = [
    """CREATE TRIGGER ledger_posting_append_only BEFORE UPDATE ON ledger_posting
       BEGIN SELECT RAISE(ABORT, 'ledger_posting is append-only: post a reversing entry instead'); END""",
    """CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE ON ledger_journalentry
       BEGIN SELECT RAISE(ABORT, 'ledger_journalentry is append-only: post a reversing entry instead'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS ledger_posting_append_only",
    "DROP TRIGGER IF EXISTS ledger_entry_append_only",
]


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
