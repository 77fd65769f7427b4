from django.db import migrations, models
from django.db.models import F


def connected_channels_went_live_when_created(apps, schema_editor):
    # Channels connected before this field existed went live when they were
    # created (connected): what they imported or first polled is history.
    Channel = apps.get_model("inbox", "Channel")
    Channel.objects.filter(live_since__isnull=True).update(live_since=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0009_message_channel_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="channel",
            name="live_since",
            field=models.DateTimeField(
                blank=True,
                help_text="When SocialDesk started watching the account; older messages are history.",
                null=True,
            ),
        ),
        migrations.RunPython(
            connected_channels_went_live_when_created, migrations.RunPython.noop, elidable=True
        ),
    ]
