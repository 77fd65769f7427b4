# The Event model moves here from inbox by state alone: the table keeps its
# name (inbox_event), its rows, its indexes and its append-only trigger
# (inbox/migrations/0002), so nothing is copied and nothing is locked.
# inbox/migrations/0016_move_event_to_events removes it from inbox's state
# after this adds it to ours; the content type is renamed so admin log
# entries and permissions that name it follow the model.

import django.core.serializers.json
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_follow(apps, schema_editor, old="inbox", new="events"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if ContentType.objects.using(db).filter(app_label=new, model="event").exists():
        return
    ContentType.objects.using(db).filter(app_label=old, model="event").update(app_label=new)


def content_type_back(apps, schema_editor):
    content_type_follow(apps, schema_editor, old="events", new="inbox")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("inbox", "0015_ingest_quarantine_and_altered_flags"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Event",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("type", models.CharField(max_length=64)),
                        ("at", models.DateTimeField(db_index=True)),
                        ("data", models.JSONField(blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder)),
                        ("actor", models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("channel", models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="inbox.channel")),
                        ("conversation", models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="events", to="inbox.conversation")),
                        ("message", models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="inbox.message")),
                    ],
                    options={
                        "db_table": "inbox_event",
                        "ordering": ["at", "pk"],
                        "indexes": [
                            models.Index(fields=["type", "at"], name="event_type_at_idx"),
                            models.Index(fields=["conversation", "at"], name="event_conversation_idx"),
                            models.Index(condition=models.Q(("actor__isnull", False)), fields=["actor"], name="event_actor_idx"),
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_type_follow, content_type_back),
    ]
