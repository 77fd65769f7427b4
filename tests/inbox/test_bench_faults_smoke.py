"""bench/faults.py, run tiny so it never rots: the load with a worker killed,
Redis restarted and Postgres restarted, and nothing lost or sent twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connections


@pytest.mark.alone  # restarts the shared services
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres")
    or not os.environ.get("CELERY_BROKER_URL", "").startswith("redis")
    or not os.environ.get("SERVICES_DIR"),
    reason="the faults bench restarts the Postgres and Redis of scripts/local-services.sh",
)
def test_the_faults_bench_runs_end_to_end_tiny():
    bench = Path(__file__).resolve().parents[2] / "bench" / "faults.py"
    try:
        done = subprocess.run(
            [
                sys.executable,
                str(bench),
                "--gap",
                "3",
                "--rate",
                "2",
                "--officers",
                "1",
                "--poll-every",
                "1",
                "--open-chance",
                "1",
                "--reply-chance",
                "1",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            env={**os.environ, "BENCH_DB_SUFFIX": "smoke"},
        )
    finally:
        # Postgres was restarted under this process's connections too.
        connections.close_all()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["bench"] == "faults" and {"ratio", "goal", "goal_met"} <= set(result)
    for fault in ("worker_sigkill", "redis_restart", "postgres_restart"):
        assert result[f"{fault}_ingest_recovered_s"] is not None, fault
        assert result[f"{fault}_sending_recovered_s"] is not None, fault
    assert result["messages_lost"] == 0 and result["messages_duplicated"] == 0
    assert result["replies_posted"] == result["replies_queued"] > 0
    assert result["replies_double_posted"] == 0
