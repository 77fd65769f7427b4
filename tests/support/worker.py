"""A real Celery worker process for tests, on the same database and broker as
the test run (needs ``transactional_db`` so the worker sees committed rows)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


class WorkerProcess:
    """Start, kill (-9) and restart a ``celery worker`` with one prefork child."""

    def __init__(self, extra_env: dict[str, str] | None = None):
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen | None = None
        self.log_path = Path(settings.VAR_DIR) / f"test-worker-{os.getpid()}.log"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=test_database_url(),
            CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
            SOCIALDESK_VAR_DIR=str(settings.VAR_DIR),
            SOCIALDESK_BROKER_DIR=str(
                Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", ".")).parent
            ),
            SOCIAL_SANDBOX_URL=settings.SOCIAL_SANDBOX_URL,
            NETWORK_HTTP_TIMEOUT=str(settings.NETWORK_HTTP_TIMEOUT),
            OUTBOUND_SEND_LEASE_SECONDS=str(settings.OUTBOUND_SEND_LEASE_SECONDS),
            CELERY_TASK_ALWAYS_EAGER="0",
        )
        env.update(self.extra_env)
        return env

    def start(self) -> WorkerProcess:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "socialdesk",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so kill() reaches the pool child too
        )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log_path.read_text()[-2000:]}")
            if b"ready." in self.log_path.read_bytes():
                return
            time.sleep(0.1)
        raise RuntimeError("worker did not become ready")

    def kill(self) -> None:
        """SIGKILL the worker and its pool children at once: no clean-up runs."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.log_path.write_bytes(b"")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


def purge_broker() -> None:
    """Drop every queued task, as a broker restart without persistence would,
    with the mark that says a webhook run is queued (it lives in the same Redis)."""
    from django.core.cache import cache

    from inbox.webhooks.services import WAKE_KEY
    from socialdesk.celery import app

    app.control.purge()
    cache.delete(WAKE_KEY)


def wait_for(predicate, *, timeout: float = 30, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
