"""Postgres timestamps parsed by psycopg 3's C loader.

Django reads every ``timestamptz`` through its own loader, a Python subclass
of psycopg's, so psycopg cannot use its C implementation and parses each
value in Python: about 300 values for a page of the inbox list, a sixth of
the CPU of reading its rows. This loader gives exactly what Django's gives
(the time with ``tzinfo`` set to the connection's zone, UTC with USE_TZ)
with the parsing done in C. It carries the ``timezone`` attribute Django
checks before each cursor, so Django keeps it instead of registering its own
again."""

from __future__ import annotations

from typing import Any


def register(connection: Any) -> None:
    """For Django's ``connection_created``: a psycopg 3 connection with its
    C extension gets the fast loader for the zone Django's own loader has."""
    if connection.vendor != "postgresql":
        return
    from django.db.backends.postgresql.psycopg_any import (  # type: ignore[import-untyped]
        is_psycopg3,
    )

    if not is_psycopg3:
        return
    loader = _fast_loader(connection.timezone)
    if loader is not None:
        connection.connection.adapters.register_loader("timestamptz", loader)


_LOADERS: dict[Any, Any] = {}


def _fast_loader(zone: Any) -> Any:
    if zone not in _LOADERS:
        _LOADERS[zone] = _make(zone)
    return _LOADERS[zone]


def _make(zone: Any) -> Any:
    from psycopg import adapters, pq
    from psycopg.adapt import Loader
    from psycopg.types.datetime import TimestamptzLoader

    # psycopg's global map holds its C loader where the extension is installed.
    found = adapters.get_loader(adapters.types["timestamptz"].oid, pq.Format.TEXT)
    if found is None or found is TimestamptzLoader:  # pure Python: nothing to gain
        return None
    c_loader: Any = found

    class CTimestamptzLoader(Loader):
        timezone = zone  # what Django compares before each cursor

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            self._parse = c_loader(oid, context).load

        def load(self, data: Any) -> Any:
            return self._parse(data).replace(tzinfo=self.timezone)

    return CTimestamptzLoader
