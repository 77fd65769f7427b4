"""Mastodon contacts' handles were stored with their leading "@" (every other
network stores them bare, and the pages add one), so they showed as "@@jo@mas.to"."""

from django.db import migrations
from django.db.models import F, Func, Value


def strip_at(apps, schema_editor):
    Contact = apps.get_model("inbox", "Contact")
    Contact.objects.filter(network="mastodon", handle__startswith="@").update(
        handle=Func(F("handle"), Value("@"), function="LTRIM")
    )


class Migration(migrations.Migration):
    dependencies = [("inbox", "0026_instagram")]

    operations = [migrations.RunPython(strip_at, migrations.RunPython.noop)]
