"""bench/inbox.py runs end to end on a tiny data set (Postgres only)."""

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
    reason="bench/inbox.py needs Postgres (DATABASE_URL=postgres://...)",
)


def test_bench_inbox_prints_one_json_line_with_its_figures():
    result = subprocess.run(
        [sys.executable, "bench/inbox.py", "300"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "BENCH_INBOX_ROUNDS": "5", "BENCH_INBOX_HTTP_SECONDS": "0.5"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    last = result.stdout.strip().splitlines()[-1]
    figures = json.loads(last)
    assert figures["bench"] == "inbox"
    assert figures["conversations"] == 300 and figures["messages"] == 1500
    assert figures["goals"]["list_p95_ms"] == 50 and figures["goals"]["poll_p95_ms"] == 5
    assert isinstance(figures["goal_met"], bool)
    assert "ratio" not in figures  # the bare-SQL ratio goal is withdrawn
    for key in (
        "list_p95_ms",
        "filtered_p95_ms",
        "due_sorted_p95_ms",
        "poll_p95_ms",
        "conversation_p95_ms",
        "search_p95_ms",
    ):
        assert figures[key] > 0, key
    # Growth: the same bench at a tenth of the size first, each figure compared.
    assert figures["growth_from"] == 30
    for who in ("officer", "admin"):
        assert figures["growth"][who]["conversation"] > 0
        assert figures["growth"][who]["list_rps"] > 0
        assert f"{who}_growth" in figures["goals_met"]
    for who in ("officer", "admin"):
        # An unchanged poll always answered 204.
        assert "unexpected_status" not in figures["details"][who]["poll_unchanged"], who
