"""Fast multi-row writes for ingest, with one interface on both databases.

On Postgres rows go in with COPY (5-10x faster than INSERT ... VALUES from
Python); when the write must skip conflicts or return ids, they are COPYed
into a session temp table first and moved with INSERT ... SELECT ... ON
CONFLICT DO NOTHING RETURNING. Elsewhere (SQLite) a multi-row INSERT does the
same job. Rows are tuples in ``columns`` order; JSON columns as dumped strings.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import connection

BATCH = 500


def db_value(value: Any) -> Any:
    """A Python value as this database's driver wants it in raw SQL."""
    return _db_value(value)


def insert_rows(
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple],
    *,
    ignore_conflicts: bool = False,
    returning: Sequence[str] = (),
    nullable: Sequence[str] = (),
) -> list[tuple]:
    """Insert ``rows``; with ``returning``, give back those columns of the rows
    this call inserted (rows skipped on conflict are not returned).
    ``nullable`` names the columns that may hold None; they must not be text
    columns (COPY cannot tell an empty string from NULL there)."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy_insert(table, columns, rows, ignore_conflicts, returning, nullable)
    return _values_insert(table, columns, rows, ignore_conflicts, returning)


def select_by_keys(
    table: str,
    columns: Sequence[str],
    *,
    key: str,
    keys: Sequence[Any],
    where: str = "",
    params: Sequence[Any] = (),
    order_by: str = "",
    lock: bool = False,
) -> list[tuple]:
    """Rows of ``table`` whose ``key`` is one of ``keys`` (plus ``where``,
    whose placeholders take ``params``). On Postgres the keys travel as one
    array parameter: a 500-item IN list from the ORM costs more to build and
    plan than to run. ``lock`` takes FOR UPDATE on the rows found."""
    if not keys:
        return []
    head = f"SELECT {', '.join(columns)} FROM {table} WHERE "  # noqa: S608
    head += f"({where}) AND " if where else ""
    # SQLite has no row locks: its write transaction already locks the file.
    locking = lock and connection.features.has_select_for_update
    tail = (f" ORDER BY {order_by}" if order_by else "") + (" FOR UPDATE" if locking else "")
    out: list[tuple] = []
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"{head}{key} = ANY(%s){tail}", [*params, list(keys)])
            return [tuple(r) for r in cur.fetchall()]
        for start in range(0, len(keys), BATCH):
            chunk = keys[start : start + BATCH]
            marks = ",".join(["%s"] * len(chunk))
            cur.execute(f"{head}{key} IN ({marks}){tail}", [*params, *chunk])
            out.extend(tuple(_aware(v) for v in r) for r in cur.fetchall())
    return out


def _aware(value: Any) -> Any:
    # SQLite hands back the naive UTC datetimes Django stored there.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def insert_rows_then(
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple],
    *,
    returning: Sequence[str],
    then: str,
    params: Sequence[Any] = (),
    nullable: Sequence[str] = (),
) -> list[tuple]:
    """Postgres only: like ``insert_rows(..., ignore_conflicts=True)``, and in
    the same statement run ``then``, a data-modifying query that reads the
    inserted rows as ``ins`` (their ``returning`` columns). One round trip
    instead of two, and the follow-up rows never cross the wire."""
    if not rows:
        return []
    cols = ", ".join(columns)
    keep = ", ".join(returning)
    with connection.cursor() as cur:
        stage = _stage(cur, table, cols)
        cur.copy_expert(
            f"COPY {stage} ({cols}) FROM STDIN WITH ({_copy_options(nullable)})", _csv(rows)
        )
        cur.execute(
            f"WITH ins AS (INSERT INTO {table} ({cols}) SELECT {cols} FROM {stage} "  # noqa: S608
            f"ON CONFLICT DO NOTHING RETURNING {keep}), then_ AS ({then}) SELECT {keep} FROM ins",
            list(params),
        )
        return [tuple(r) for r in cur.fetchall()]


def _values_insert(table, columns, rows, ignore_conflicts, returning) -> list[tuple]:
    row_sql = "(" + ",".join(["%s"] * len(columns)) + ")"
    tail = (" ON CONFLICT DO NOTHING" if ignore_conflicts else "") + (
        f" RETURNING {', '.join(returning)}" if returning else ""
    )
    out: list[tuple] = []
    with connection.cursor() as cur:
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            cur.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES "  # noqa: S608
                + ",".join([row_sql] * len(chunk))
                + tail,
                [_db_value(v) for row in chunk for v in row],
            )
            if returning:
                out.extend(tuple(r) for r in cur.fetchall())
    return out


def _copy_insert(table, columns, rows, ignore_conflicts, returning, nullable) -> list[tuple]:
    cols = ", ".join(columns)
    options = _copy_options(nullable)
    with connection.cursor() as cur:
        if not ignore_conflicts and not returning:
            cur.copy_expert(f"COPY {table} ({cols}) FROM STDIN WITH ({options})", _csv(rows))
            return []
        stage = _stage(cur, table, cols)
        cur.copy_expert(f"COPY {stage} ({cols}) FROM STDIN WITH ({options})", _csv(rows))
        cur.execute(
            f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {stage}"  # noqa: S608
            + (" ON CONFLICT DO NOTHING" if ignore_conflicts else "")
            + (f" RETURNING {', '.join(returning)}" if returning else "")
        )
        return [tuple(r) for r in cur.fetchall()] if returning else []


def _copy_options(nullable: Sequence[str]) -> str:
    # Every field is quoted, so only FORCE_NULL columns can read as NULL: a
    # citizen's empty or "\N" text stays text.
    return "FORMAT csv" + (f", FORCE_NULL ({', '.join(nullable)})" if nullable else "")


def _stage(cur, table: str, cols: str) -> str:
    """An empty session temp table shaped like these columns, emptied at each
    commit (ON COMMIT DELETE ROWS) and, for a second use in one transaction,
    by DELETE. (TRUNCATE would swap the table's file on every batch, which
    cost more than the rows.)"""
    digest = hashlib.sha1(cols.encode(), usedforsecurity=False).hexdigest()[:8]
    stage = f"_stage_{table}_{digest}"
    cur.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "  # noqa: S608
        f"SELECT {cols} FROM {table} WITH NO DATA"
    )
    cur.execute(f"DELETE FROM {stage}")  # noqa: S608
    return stage


def _db_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, datetime):
        # The backend's own format (on SQLite: naive UTC text), so raw rows
        # sort and compare like rows the ORM wrote.
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _csv(rows: Sequence[tuple]) -> io.StringIO:
    """Every field quoted; None is written as an empty quoted field, which
    FORCE_NULL turns into NULL for the nullable columns. JSON values must come
    already dumped to strings (a dict here would fail loudly in Postgres)."""
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerows(rows)
    buf.seek(0)
    return buf
