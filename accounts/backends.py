"""Signing in and the signed-in user.

Django's ModelBackend, except for one read: the user a session names is
loaded on every request, and here it comes with their team roles in one plain
statement, where the ORM took a compiled query for the user and the access
rule another for the roles (``bench/inbox.py``).
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db import connections, router

from accounts import access
from accounts.models import Membership, User

_READS: dict[str, tuple[str, list[str], list]] = {}


def _read_for(connection) -> tuple[str, list[str], list]:
    """The statement, the attribute names and each column's converters (the
    ones the ORM would apply), worked out once per database."""
    if connection.alias not in _READS:
        fields = User._meta.concrete_fields
        quote = connection.ops.quote_name
        columns = ", ".join(f"u.{quote(f.column)}" for f in fields)
        sql = (
            f"SELECT {columns}, m.role FROM {quote(User._meta.db_table)} u"  # noqa: S608
            f" LEFT JOIN {quote(Membership._meta.db_table)} m ON m.user_id = u.id"
            " WHERE u.id = %s"
        )
        converters = [
            (i, converter, field.cached_col)
            for i, field in enumerate(fields)
            for converter in connection.ops.get_db_converters(field.cached_col)
            + field.get_db_converters(connection)
        ]
        _READS[connection.alias] = (sql, [f.attname for f in fields], converters)
    return _READS[connection.alias]


def user_with_roles(user_id) -> User | None:
    """The user (a normal model instance) with ``access.role_of`` already
    answered, or None when there is no such user."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    connection = connections[router.db_for_read(User)]
    sql, names, converters = _read_for(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        rows = cursor.fetchall()
    if not rows:
        return None
    values = list(rows[0][: len(names)])
    for i, converter, column in converters:
        values[i] = converter(values[i], column, connection)
    user = User.from_db(connection.alias, names, values)
    access.remember_roles(user, [row[-1] for row in rows if row[-1]])
    return user


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        user = user_with_roles(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
