"""Celery's pool processes run below the web in CPU priority (WORKER_NICE),
so on a shared host an officer's page is served before background work."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.support.worker import WorkerProcess, wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
]


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _nice(pid: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, pid)


@pytest.mark.parametrize("nice", ["7", "0"])
def test_a_pool_process_lowers_its_priority_by_worker_nice(nice):
    ours = os.nice(0)
    worker = WorkerProcess(extra_env={"WORKER_NICE": nice}).start()
    try:
        assert worker.proc is not None
        main = worker.proc.pid
        pool = wait_for(lambda: _children(main), what="the pool process")
        assert [_nice(pid) for pid in pool] == [min(19, ours + int(nice))]
        # The main process (it only takes tasks off the broker) keeps the caller's.
        assert _nice(main) == ours
    finally:
        worker.stop()
