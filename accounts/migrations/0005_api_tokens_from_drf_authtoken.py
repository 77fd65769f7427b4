"""Carry DRF authtoken keys (``rest_framework.authtoken``, no longer installed)
over to personal API tokens.

Nothing recorded whether the session that made an old key had passed the
second factor, so none is taken as having done so: an officer's old key keeps
working, while a manager's or admin's is refused until they make a new one
from a verified session. The old table's plain-text keys are then deleted.
"""

from __future__ import annotations

import hashlib

from django.db import migrations

OLD_TABLE = "authtoken_token"


def copy_old_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    quoted = connection.ops.quote_name(OLD_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name('key')}, user_id, created FROM {quoted}")  # noqa: S608
        rows = cursor.fetchall()
    ApiToken.objects.bulk_create(
        ApiToken(
            user_id=user_id,
            name="API token from before personal tokens",
            key_hash=hashlib.sha256(key.encode()).hexdigest(),
            prefix=key[:8],
            created_with_verified_mfa=False,
        )
        for key, user_id, created in rows
    )
    for key, _user_id, created in rows:
        # auto_now_add stamped them now; keep when they were really made.
        ApiToken.objects.filter(key_hash=hashlib.sha256(key.encode()).hexdigest()).update(
            created_at=created
        )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quoted}")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_api_token")]

    operations = [migrations.RunPython(copy_old_tokens, migrations.RunPython.noop)]
