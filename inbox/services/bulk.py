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
    constants: dict[str, Any] | None = None,
) -> list[tuple]:
    """Insert ``rows``; with ``returning``, give back those columns of the rows
    this call inserted (rows skipped on conflict are not returned).
    ``nullable`` names the columns that may hold None; they must not be text
    columns (COPY cannot tell an empty string from NULL there). ``constants``
    are columns with the same value in every row: sent once, not per row."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy_insert(
            table, columns, rows, ignore_conflicts, returning, nullable, constants or {}
        )
    if constants:
        columns = (*columns, *constants)
        rows = [(*row, *constants.values()) for row in rows]
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
    whose placeholders take ``params``). ``lock`` takes FOR UPDATE on the rows
    found, in ``order_by`` order.

    On Postgres the keys travel as one array and each is looked up on its own
    (a LATERAL probe of the unique index). ``key = ANY(array)`` let the plan
    depend on statistics: while a channel's rows were young (a first import,
    a new busy channel) Postgres read every row of the channel for each
    batch, and a 200,000-item import slowed as it grew."""
    if not keys:
        return []
    cols = ", ".join(columns)
    cond = f"({where}) AND " if where else ""
    # SQLite has no row locks: its write transaction already locks the file.
    locking = lock and connection.features.has_select_for_update
    tail = (f" ORDER BY {order_by}" if order_by else "") + (" FOR UPDATE" if locking else "")
    out: list[tuple] = []
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # Typed: parameters are bound by the server, which cannot guess
            # the type of a bare array.
            array = "bigint[]" if all(isinstance(k, int) for k in keys) else "text[]"
            probe = (
                f"SELECT {{}} FROM unnest(%s::{array}) AS k(key) CROSS JOIN LATERAL "  # noqa: S608
                f"(SELECT {{}} FROM {table} WHERE {cond}{key} = k.key) AS f"
            )
            if locking:
                # Found first, then locked by primary key in order: concurrent
                # batches take their locks in the same order and cannot deadlock.
                ids = probe.format("f.id", "id")
                sql = f"SELECT {cols} FROM {table} WHERE id IN ({ids}){tail}"  # noqa: S608
            else:
                sql = probe.format(", ".join(f"f.{c}" for c in columns), cols) + tail
            cur.execute(sql, [list(keys), *params])
            return [tuple(r) for r in cur.fetchall()]
        head = f"SELECT {cols} FROM {table} WHERE {cond}"  # noqa: S608
        for start in range(0, len(keys), BATCH):
            chunk = keys[start : start + BATCH]
            marks = ",".join(["%s"] * len(chunk))
            cur.execute(f"{head}{key} IN ({marks}){tail}", [*params, *chunk])
            out.extend(tuple(as_aware(v) for v in r) for r in cur.fetchall())
    return out


def as_aware(value: Any) -> Any:
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
    constants: dict[str, Any] | None = None,
) -> list[tuple]:
    """Postgres only: like ``insert_rows(..., ignore_conflicts=True)``, and in
    the same statement run ``then``, a data-modifying query that reads the
    inserted rows as ``ins`` (their ``returning`` columns). One round trip
    instead of two, and the follow-up rows never cross the wire."""
    if not rows:
        return []
    cols = ", ".join(columns)
    keep = ", ".join(returning)
    target, values, fixed = _with_constants(cols, constants or {})
    with connection.cursor() as cur:
        stage = _stage(cur, table, cols)
        _copy(cur, f"COPY {stage} ({cols}) FROM STDIN WITH ({_copy_options(nullable)})", rows)
        cur.execute(
            f"WITH ins AS (INSERT INTO {table} ({target}) SELECT {values} FROM {stage} "  # noqa: S608
            f"ON CONFLICT DO NOTHING RETURNING {keep}), then_ AS ({then}) SELECT {keep} FROM ins",
            [*fixed, *params],
        )
        return [tuple(r) for r in cur.fetchall()]


def _with_constants(cols: str, constants: dict[str, Any]) -> tuple[str, str, list]:
    """The INSERT's column list, its SELECT list (staged columns, then one
    placeholder per constant) and the constants' values."""
    if not constants:
        return cols, cols, []
    names = ", ".join(constants)
    marks = ", ".join(["%s"] * len(constants))
    return f"{cols}, {names}", f"{cols}, {marks}", [_db_value(v) for v in constants.values()]


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


def _copy_insert(
    table, columns, rows, ignore_conflicts, returning, nullable, constants
) -> list[tuple]:
    cols = ", ".join(columns)
    options = _copy_options(nullable)
    with connection.cursor() as cur:
        if not ignore_conflicts and not returning and not constants:
            _copy(cur, f"COPY {table} ({cols}) FROM STDIN WITH ({options})", rows)
            return []
        target, values, fixed = _with_constants(cols, constants)
        stage = _stage(cur, table, cols)
        _copy(cur, f"COPY {stage} ({cols}) FROM STDIN WITH ({options})", rows)
        cur.execute(
            f"INSERT INTO {table} ({target}) SELECT {values} FROM {stage}"  # noqa: S608
            + (" ON CONFLICT DO NOTHING" if ignore_conflicts else "")
            + (f" RETURNING {', '.join(returning)}" if returning else ""),
            fixed,
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
    # One round trip for both (no parameters, so the driver sends them as
    # one simple query).
    cur.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "  # noqa: S608
        f"SELECT {cols} FROM {table} WITH NO DATA; DELETE FROM {stage}"
    )
    return stage


def _db_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, datetime):
        # The backend's own format (on SQLite: naive UTC text), so raw rows
        # sort and compare like rows the ORM wrote.
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _copy(cur, sql: str, rows: Sequence[tuple]) -> None:
    """COPY ``rows`` in, as CSV, through psycopg 3's copy (one round trip)."""
    with cur.copy(sql) as copy:
        copy.write(_csv(rows))


def _csv(rows: Sequence[tuple]) -> str:
    """Every field quoted; None is written as an empty quoted field, which
    FORCE_NULL turns into NULL for the nullable columns. JSON values must come
    already dumped to strings (a dict here would fail loudly in Postgres)."""
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerows(rows)
    return buf.getvalue()
