"""PostgreSQL-only search indexes: full-text GIN over the analysed tokens and a trigram GIN
over titles. On other databases this migration does nothing (the embedded backend is used)."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS hc_article_tr_fts ON helpcenter_articletranslation "
    "USING gin (to_tsvector('simple'::regconfig, search_document))",
    "CREATE INDEX IF NOT EXISTS hc_article_tr_title_trgm ON helpcenter_articletranslation "
    "USING gin (title gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS hc_article_tr_title_trgm",
    "DROP INDEX IF EXISTS hc_article_tr_fts",
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
    dependencies = [("helpcenter", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
