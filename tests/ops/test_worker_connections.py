"""A real Celery worker keeps its database connection between tasks (Celery's
Django fix-up would open a new Postgres backend for every task), and a
connection that died under it (the backend terminated, as a failover or a
restart does) is replaced before the next task uses it, not trusted."""

from __future__ import annotations

import pytest
from django.db import connection

from ops.heartbeat import WORKER, heartbeats_get
from ops.tasks import worker_heartbeat
from tests.support.worker import wait_for

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="counts Postgres backends"
)


def worker_backends() -> set[int]:
    """Backends on the test database other than this test's own."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return {pid for (pid,) in cur.fetchall()}


def beat_seen_after(previous):
    beat = heartbeats_get().get(WORKER)
    return beat is not None and (previous is None or beat.seen_at > previous)


def run_heartbeat() -> None:
    before = heartbeats_get().get(WORKER)
    worker_heartbeat.delay()
    wait_for(
        lambda: beat_seen_after(before.seen_at if before else None),
        timeout=20,
        what="the worker's heartbeat task",
    )


def test_tasks_share_one_connection_and_a_killed_one_is_replaced(celery_worker_process):
    run_heartbeat()
    first = worker_backends()
    assert first, "the worker holds no connection after a task"
    for _ in range(5):
        run_heartbeat()
    assert worker_backends() == first, "a task opened a new database connection"

    with connection.cursor() as cur:
        for pid in first:
            cur.execute("SELECT pg_terminate_backend(%s)", [pid])
    wait_for(lambda: not (worker_backends() & first), timeout=10, what="the backends to end")

    # The next task finds its connection dead, reconnects and does its work.
    run_heartbeat()
    replaced = worker_backends()
    assert replaced and not (replaced & first)
    run_heartbeat()
    assert worker_backends() == replaced
