"""Django's database sessions, read with one plain statement.

Every request reads its session before anything else. Django's store builds
and compiles an ORM query for that each time, which cost several times what
the database takes to answer (``bench/inbox.py``). Here the read is a fixed
statement; writing, expiry and clearing stay Django's own, on the same table.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def load(self) -> dict:
        data = self._read_session_data()
        if data is None:
            # As Django's store does: an unknown or expired key is not reused.
            self._session_key = None
            return {}
        return self.decode(data)

    def _read_session_data(self) -> str | None:
        if self.session_key is None:
            return None
        connection = connections[router.db_for_read(self.model)]
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",  # noqa: S608
                [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        return row[0] if row else None
