"""bench/load.py, run tiny so it never rots: the whole stack under load, and
its end-of-run checks against the sandbox's records."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres")
    or not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"),
    reason="the load bench runs on Postgres and Redis only",
)
def test_the_load_bench_runs_end_to_end_tiny():
    bench = Path(__file__).resolve().parents[2] / "bench" / "load.py"
    done = subprocess.run(
        [
            sys.executable,
            str(bench),
            "--seconds",
            "4",
            "--rate",
            "3",
            "--officers",
            "2",
            "--poll-every",
            "1",
            "--open-chance",
            "1",
            "--reply-chance",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "BENCH_DB_SUFFIX": "smoke"},
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["bench"] == "load" and {"ratio", "goal", "goal_met"} <= set(result)
    assert result["list_requests"] > 0 and result["messages_sent_by_network"] > 0
    assert result["messages_lost"] == 0 and result["messages_duplicated"] == 0
    assert result["replies_queued"] > 0
    assert result["replies_posted"] == result["replies_queued"]
    assert result["replies_double_posted"] == 0 and result["server_errors"] == 0
