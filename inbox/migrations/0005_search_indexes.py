"""Search indexes, Postgres only (SQLite searches with a plain substring scan).

- Full-text: a GIN index on exactly the expression ``inbox.services.search``
  queries, ``to_tsvector('english', COALESCE(text, ''))``, so the planner uses it.
- Names and handles: trigram GIN indexes on ``UPPER(col::text)``, the
  expression Django's ``icontains`` produces on Postgres. pg_trgm is a trusted
  extension (the database owner may create it); where it cannot be created the
  indexes are skipped and search still works, only slower.

Kept out of the model state on purpose: the indexes are expressions that SQLite
cannot build, so ``makemigrations`` never sees them.
"""

import logging

from django.db import migrations, transaction

log = logging.getLogger(__name__)

FTS = (
    "CREATE INDEX IF NOT EXISTS message_text_fts_idx ON inbox_message "
    "USING gin (to_tsvector('english'::regconfig, COALESCE(text, '')))"
)
TRIGRAM = [
    "CREATE INDEX IF NOT EXISTS contact_name_trgm_idx ON inbox_contact "
    "USING gin (UPPER(display_name::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS contact_handle_trgm_idx ON inbox_contact "
    "USING gin (UPPER(handle::text) gin_trgm_ops)",
]
DROP = [
    "DROP INDEX IF EXISTS message_text_fts_idx",
    "DROP INDEX IF EXISTS contact_name_trgm_idx",
    "DROP INDEX IF EXISTS contact_handle_trgm_idx",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FTS)
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for sql in TRIGRAM:
                schema_editor.execute(sql)
    except Exception as exc:  # noqa: BLE001 - permission or missing contrib package
        log.warning("pg_trgm unavailable, name search will not be indexed: %s", exc)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in DROP:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("inbox", "0004_inbox_ui")]

    operations = [migrations.RunPython(forwards, backwards)]
