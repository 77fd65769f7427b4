"""Multi-row INSERT ... ON CONFLICT with RETURNING, for claims.

The ORM's ``bulk_create(ignore_conflicts=True)`` cannot say which rows it
inserted; a claim needs exactly that (only the pass that inserted a row may
act on it). Postgres and SQLite (3.35+) both speak this SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.db.models import DateTimeField, Func

BATCH = 500


def _columns(model: type[models.Model]) -> dict[str, models.Field]:
    return {f.attname: f for f in model._meta.concrete_fields}


def _converter(field: models.Field):
    """How a Python value of this column goes into raw SQL. The driver takes
    plain values as they are; only datetimes on SQLite (text in the ORM's
    format) and anything unusual go through the field (slow per value)."""
    if isinstance(field, models.DateTimeField):
        if connection.vendor == "sqlite":
            return connection.ops.adapt_datetimefield_value
        return None
    if isinstance(
        field,
        (
            models.IntegerField,
            models.CharField,
            models.TextField,
            models.BooleanField,
            models.FloatField,
            models.ForeignKey,
            models.AutoField,
        ),
    ):
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def insert_rows(
    model: type[models.Model],
    rows: Sequence[dict[str, Any]],
    *,
    returning: Sequence[str] = ("id",),
    conflict: str = "ON CONFLICT DO NOTHING",
) -> list[tuple]:
    """Insert ``rows`` (dicts keyed by column attname, all with the same keys)
    and return the ``returning`` columns of the rows this statement wrote."""
    if not rows:
        return []
    fields = _columns(model)
    names = list(rows[0])
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(fields[n].column) for n in names)
    ret = ", ".join(connection.ops.quote_name(fields[n].column) for n in returning)
    convert = [(n, _converter(fields[n])) for n in names]
    written: list[tuple] = []
    with connection.cursor() as cur:
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            params: list[Any] = []
            for row in chunk:
                params.extend(row[n] if c is None else c(row[n]) for n, c in convert)
            values = ",".join(["(" + ",".join(["%s"] * len(names)) + ")"] * len(chunk))
            cur.execute(
                f"INSERT INTO {table} ({cols}) VALUES {values} {conflict} RETURNING {ret}",  # noqa: S608
                params,
            )
            written.extend(tuple(r) for r in cur.fetchall())
    return written


def upsert_conflict(model: type[models.Model], *, key: str, update: Sequence[str]) -> str:
    """``ON CONFLICT (key) DO UPDATE SET col = excluded.col, ...``."""
    fields = _columns(model)
    q = connection.ops.quote_name
    sets = ", ".join(f"{q(fields[n].column)} = excluded.{q(fields[n].column)}" for n in update)
    return f"ON CONFLICT ({q(fields[key].column)}) DO UPDATE SET {sets}"


def db_value(model: type[models.Model], attname: str, value: Any) -> Any:
    """A Python value as the database wants it in raw SQL (datetimes on SQLite)."""
    return _columns(model)[attname].get_db_prep_save(value, connection)


class Instant(Func):
    """A datetime compared as an instant, whatever its storage format.

    On SQLite, rows written by raw SQL (ingest's multi-row insert) keep an
    offset suffix ("...10:00:00+00:00") while the ORM writes none, so text
    comparison of equal instants fails; ``julianday()`` parses both. On
    Postgres (timestamptz) it is the value itself. For filters only."""

    template = "%(expressions)s"
    output_field = DateTimeField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="julianday(%(expressions)s)", **extra_context
        )


def same_instant_sql(left: str, right: str) -> str:
    """Raw-SQL twin of ``Instant``: ``left = right`` as instants."""
    if connection.vendor == "sqlite":
        return f"julianday({left}) = julianday({right})"
    return f"{left} = {right}"


def refresh_statistics(model: type[models.Model]) -> None:
    """ANALYZE a table after a burst of writes (Postgres only).

    Escalations and targets can grow by thousands within a minute, faster
    than autovacuum re-analyses them; with the old row estimates Postgres
    plans the rules' NOT EXISTS as a nested loop over a materialised scan,
    which at 20k candidates costs seconds instead of milliseconds."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
