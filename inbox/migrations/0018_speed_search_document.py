"""Search reads a stored tsvector, and messages have a newest-first index.

Postgres only for the column and its GIN index (SQLite searches with a plain
substring scan, and cannot compute a tsvector): ``search_document`` is a
generated column, ``to_tsvector('english', COALESCE(text, ''))`` kept by
Postgres itself on every insert and update (no trigger), replacing the GIN
expression index of 0005. Stored, it has its own statistics and costs nothing
to read back, so for a common word the planner walks ``message_recent_idx``
newest first and stops at the first page of hits, instead of collecting a
third of all messages and sorting them; a rare word still goes through GIN.

Adding a stored generated column rewrites the message table once (minutes
on millions of rows, under an exclusive lock): run it in a quiet hour.
Kept out of the model state on purpose, like 0005's indexes.
"""

from django.db import migrations, models

COLUMN = (
    "ALTER TABLE inbox_message ADD COLUMN IF NOT EXISTS search_document tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, COALESCE(text, ''))) STORED"
)
FTS = (
    "CREATE INDEX IF NOT EXISTS message_search_document_idx ON inbox_message "
    "USING gin (search_document)"
)
OLD_FTS = (
    "CREATE INDEX IF NOT EXISTS message_text_fts_idx ON inbox_message "
    "USING gin (to_tsvector('english'::regconfig, COALESCE(text, '')))"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(COLUMN)
    schema_editor.execute(FTS)
    schema_editor.execute("DROP INDEX IF EXISTS message_text_fts_idx")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(OLD_FTS)
    schema_editor.execute("DROP INDEX IF EXISTS message_search_document_idx")
    schema_editor.execute("ALTER TABLE inbox_message DROP COLUMN IF EXISTS search_document")


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0017_channel_stamp"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                models.F("sent_at").desc(), models.F("id").desc(), name="message_recent_idx"
            ),
        ),
    ]
