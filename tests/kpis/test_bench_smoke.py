"""bench/kpis.py runs end to end on a tiny data set (Postgres only)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="the KPI bench needs DATABASE_URL=postgres://...",
    ),
]


def test_the_kpi_bench_prints_one_json_line_with_matching_numbers():
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "kpis.py"), "3000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env={**os.environ, "KPI_BENCH_NAME": "kpis_smoke"},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    last = json.loads(run.stdout.strip().splitlines()[-1])
    assert last["bench"] == "kpis" and last["messages"] >= 3000
    assert last["rollups_equal_raw"] is True and last["raw_equals_bare_sql"] is True
    assert {"ratio", "goal", "goal_met", "overview_rollups_ms", "bare_sql_ms"} <= set(last)
