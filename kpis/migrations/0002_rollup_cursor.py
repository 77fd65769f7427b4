from django.db import migrations


def create_cursor(apps, schema_editor):
    # The rollup writers lock this row, so it must exist before any of them runs.
    apps.get_model("kpis", "RollupCursor").objects.get_or_create(name="events")


class Migration(migrations.Migration):
    dependencies = [("kpis", "0001_initial")]

    operations = [migrations.RunPython(create_cursor, migrations.RunPython.noop)]
