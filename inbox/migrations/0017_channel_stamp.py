"""Change stamps per channel, bumped by a trigger on every event written.

Postgres: one statement-level trigger per INSERT statement on the event log,
so a bulk insert of a thousand events bumps each channel once. Channels are
bumped in id order, so two transactions touching the same channels take
their row locks in the same order. SQLite (the embedded default): a row
trigger with an upsert."""

import django.db.models.deletion
from django.db import migrations, models

PG_FORWARD = """
CREATE OR REPLACE FUNCTION inbox_channelstamp_bump() RETURNS trigger AS $$
BEGIN
    INSERT INTO inbox_channelstamp (channel_id, version, changed_at)
    SELECT DISTINCT n.channel_id, 1, now() FROM new_events n
    WHERE n.channel_id IS NOT NULL
    ORDER BY n.channel_id
    ON CONFLICT (channel_id) DO UPDATE
        SET version = inbox_channelstamp.version + 1, changed_at = now();
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER inbox_event_bumps_channel_stamp
    AFTER INSERT ON inbox_event REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION inbox_channelstamp_bump();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS inbox_event_bumps_channel_stamp ON inbox_event;
DROP FUNCTION IF EXISTS inbox_channelstamp_bump();
"""
SQLITE_FORWARD = """
CREATE TRIGGER inbox_event_bumps_channel_stamp AFTER INSERT ON inbox_event
WHEN NEW.channel_id IS NOT NULL
BEGIN
    INSERT INTO inbox_channelstamp (channel_id, version, changed_at)
    VALUES (NEW.channel_id, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'))
    ON CONFLICT (channel_id) DO UPDATE
        SET version = version + 1, changed_at = excluded.changed_at;
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS inbox_event_bumps_channel_stamp;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD, params=None)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("inbox", "0016_move_event_to_events"), ("events", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="ChannelStamp",
            fields=[
                (
                    "channel",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="stamp",
                        serialize=False,
                        to="inbox.channel",
                    ),
                ),
                ("version", models.BigIntegerField(default=0)),
                ("changed_at", models.DateTimeField()),
            ],
        ),
        migrations.RunPython(forward, backward),
    ]
