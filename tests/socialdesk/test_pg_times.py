"""Postgres timestamps parsed in C (socialdesk.pg_times) read exactly as
Django's own loader reads them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs Postgres (DATABASE_URL=postgres://...)"
)

SQL = "SELECT %s::timestamptz, %s::text::timestamptz"


def _django_loader():
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    class DjangoLoader(BaseTzLoader):
        timezone = connection.timezone

    return DjangoLoader


def _read_both(value: datetime, text: str) -> tuple[tuple, tuple]:
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as fast:
        fast.execute(SQL, [value, text])
        ours = fast.fetchone()
    with raw.cursor() as slow:
        slow.adapters.register_loader("timestamptz", _django_loader())
        slow.execute(SQL, [value, text])
        theirs = slow.fetchone()
    return ours, theirs


@pytest.mark.django_db
def test_connections_read_times_with_the_c_loader():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(1184, 0)
    assert loader.__module__ == "socialdesk.pg_times"
    # What Django checks before each cursor, so it keeps this loader.
    assert loader.timezone == connection.timezone
    with connection.cursor():
        pass
    assert connection.connection.adapters.get_loader(1184, 0) is loader


@pytest.mark.django_db
@settings(max_examples=200, deadline=None)
@given(
    at=st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=-5, minutes=-30)), timezone(timedelta(hours=14))]
        ),
    )
)
def test_every_time_reads_as_djangos_loader_reads_it(at):
    ours, theirs = _read_both(at, at.isoformat())
    assert ours == theirs
    assert [v.tzinfo for v in ours] == [v.tzinfo for v in theirs] == [connection.timezone] * 2
    assert ours[0] == at


@pytest.mark.django_db
def test_nulls_and_old_dates_read_as_django_reads_them():
    for text in (
        "0001-01-01 00:00:00+00",
        "1883-11-18 12:00:00-04:56:02",
        "2026-03-29 01:30:00+01",
    ):
        ours, theirs = _read_both(datetime(2026, 1, 1, tzinfo=UTC), text)
        assert ours == theirs
    connection.ensure_connection()
    with connection.connection.cursor() as cur:
        cur.execute("SELECT NULL::timestamptz")
        assert cur.fetchone() == (None,)
