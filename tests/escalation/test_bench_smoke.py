"""The escalation benchmark runs end to end on a tiny N (Postgres only)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
@pytest.mark.skipif(
    not settings.DB_IS_POSTGRES or not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the benchmark needs DATABASE_URL=postgres://...",
)
def test_bench_runs_with_200_conversations():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "escalation.py"), "200"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ.copy(),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    last = json.loads(done.stdout.strip().splitlines()[-1])
    assert last["bench"] == "escalation" and last["conversations"] == 200
    assert last["pass_ms"] > 0 and last["bare_sql_ms"] > 0
    assert isinstance(last["goal_met"], bool)
