# Event now belongs to the events app (events/migrations/0001_initial). Its
# table (inbox_event) stays where it is with every row: this only forgets the
# model in inbox's state, after events has taken it over.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("inbox", "0015_ingest_quarantine_and_altered_flags"),
        ("events", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="Event")],
        ),
    ]
