"""PostgreSQL only: keep the tsvector of `search_document` in a stored generated column, so
matching and ranking read a ready vector instead of re-parsing every document per query."""

from django.db import migrations

FORWARD = [
    "ALTER TABLE helpcenter_articletranslation ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_document)) STORED",
    "CREATE INDEX IF NOT EXISTS hc_article_tr_vector ON helpcenter_articletranslation "
    "USING gin (search_vector)",
    "DROP INDEX IF EXISTS hc_article_tr_fts",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS hc_article_tr_fts ON helpcenter_articletranslation "
    "USING gin (to_tsvector('simple'::regconfig, search_document))",
    "DROP INDEX IF EXISTS hc_article_tr_vector",
    "ALTER TABLE helpcenter_articletranslation DROP COLUMN IF EXISTS search_vector",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARD:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("helpcenter", "0004_index_token")]

    operations = [migrations.RunPython(forward, backward)]
