"""On Postgres the database itself refuses UPDATE and DELETE on the event log,
so even code that bypasses the ORM guard cannot rewrite history."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION inbox_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'inbox_event is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER inbox_event_no_update_delete
    BEFORE UPDATE OR DELETE ON inbox_event
    FOR EACH ROW EXECUTE FUNCTION inbox_event_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS inbox_event_no_update_delete ON inbox_event;
DROP FUNCTION IF EXISTS inbox_event_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("inbox", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
