"""Refuse changes to the audit table inside the database (AUD-3).

PostgreSQL: row-level UPDATE and DELETE raise. TRUNCATE stays possible for the test runner's flush;
the production database role must not hold TRUNCATE on this table (docs/security.md).
SQLite: UPDATE raises. DELETE is refused by the ORM only, because SQLite's flush is a DELETE;
a deleted row still breaks the hash chain, which `manage.py audit_verify` reports.
"""

from django.db import migrations

SQLITE = [
    "CREATE TRIGGER identity_auditevent_no_update BEFORE UPDATE ON identity_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
]
POSTGRES = [
    "CREATE OR REPLACE FUNCTION identity_auditevent_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql;",
    "CREATE TRIGGER identity_auditevent_no_change BEFORE UPDATE OR DELETE ON identity_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION identity_auditevent_append_only();",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS identity_auditevent_no_update;",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS identity_auditevent_no_change ON identity_auditevent;",
    "DROP FUNCTION IF EXISTS identity_auditevent_append_only();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("identity", "0002_security_models")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
