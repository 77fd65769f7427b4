"""Start the message scan at the newest message present when escalation is
installed, so existing history gets no out-of-hours replies or keyword
escalations (new messages from here on do)."""

from __future__ import annotations

from django.db import migrations
from django.db.models import Max


def start_cursor(apps, schema_editor):
    Message = apps.get_model("inbox", "Message")
    ScanCursor = apps.get_model("escalation", "ScanCursor")
    newest = Message.objects.aggregate(m=Max("pk"))["m"] or 0
    ScanCursor.objects.get_or_create(name="messages", defaults={"last_message_id": newest})


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0001_initial"),
        ("inbox", "0003_networks_and_outbound"),
    ]

    operations = [migrations.RunPython(start_cursor, migrations.RunPython.noop)]
