"""Shared set-up for benchmarks: a throwaway Postgres database per bench.

Each bench creates ``sd_bench_<name>`` on the server named by DATABASE_URL,
migrates it, runs, and drops it, so it never touches real or test data.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


@contextmanager
def bench_database(name: str):
    """Point Django at a fresh database for this bench, migrate, yield, drop."""
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("benchmarks need DATABASE_URL=postgres://... (see scripts/local-services.sh)")
    # A suffix keeps a smoke run from dropping the database of a full run.
    suffix = os.environ.get("BENCH_DB_SUFFIX", "")
    db = f"sd_bench_{name}" + (f"_{suffix}" if suffix else "")
    admin = psycopg.connect(_with_db(url, "postgres"), autocommit=True)
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{db}"')
        cur.execute(f'CREATE DATABASE "{db}"')
    admin.close()
    os.environ["DATABASE_URL"] = _with_db(url, db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialdesk.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    try:
        yield
    finally:
        connections.close_all()
        # A new connection: bench/faults.py restarts the server in between.
        admin = psycopg.connect(_with_db(url, "postgres"), autocommit=True)
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.close()


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]
