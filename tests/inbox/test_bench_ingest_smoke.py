"""bench/ingest.py runs end to end on a tiny batch (Postgres only), so it never rots."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="bench/ingest.py needs Postgres (DATABASE_URL=postgres://...)",
)


def test_bench_ingest_prints_one_json_line_with_its_figures():
    result = subprocess.run(
        [sys.executable, "bench/ingest.py", "2000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "BENCH_DB_SUFFIX": "smoke"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["bench"] == "ingest"
    assert figures["items"] == 2000 and figures["stored"] == 1800  # 10% re-deliveries stored once
    assert figures["networks"] == ["x", "facebook", "instagram", "bluesky", "mastodon"]
    assert isinstance(figures["goal_met"], bool) and figures["ratio"] > 0
