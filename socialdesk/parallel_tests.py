"""The test suite in parallel processes (pytest-xdist, ``make test``).

pytest-django gives each process its own test database; this gives each its
own Redis database (broker and cache) and its own file-system broker folder,
so one process's real Celery workers never take another's tasks and one's
cache never answers another. It runs when the settings load, before anything
reads the broker's address, and writes what it chose back to the environment
with a mark, so the workers, servers and benches a test starts inherit the
same choice instead of moving it again.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

REDIS_DATABASES = 16  # Redis's default ``databases``


def _redis_database(url: str, offset: int) -> str:
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    number = base + offset
    if number >= REDIS_DATABASES:
        raise ImproperlyConfigured(
            f"{url} leaves no Redis database for test process {offset}: "
            "use a lower database number or fewer processes (make test TEST_PROCESSES=...)"
        )
    return urlunsplit((parts.scheme, parts.netloc, f"/{number}", parts.query, parts.fragment))


def isolate_parallel_test_process(var_dir: Path) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", ...
    if not worker or os.environ.get("SOCIALDESK_TEST_PROCESS") == worker:
        return
    # gw0 takes the next database after the run's own, which the processes
    # run alone afterwards (``make test``) keep.
    offset = int(worker.removeprefix("gw")) + 1
    for name in ("CELERY_BROKER_URL", "CACHE_URL"):
        url = os.environ.get(name, "")
        if url.startswith(("redis://", "rediss://")):
            os.environ[name] = _redis_database(url, offset)
    base_dir = os.environ.get("SOCIALDESK_BROKER_DIR") or str(var_dir / "test-broker")
    os.environ["SOCIALDESK_BROKER_DIR"] = f"{base_dir}-{worker}"
    os.environ["SOCIALDESK_TEST_PROCESS"] = worker
