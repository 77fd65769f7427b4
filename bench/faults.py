"""The load of bench/load.py with faults on top, one after another.

    python bench/faults.py [--gap 20] [--rate 20] [--officers 10] [--poll-every 3]
    (needs DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://... started by
    scripts/local-services.sh, which this bench calls to restart them)

While the load runs, it:
1. kills a Celery worker process group with SIGKILL (a supervisor starts it again);
2. restarts Redis, which loses every queued task (no persistence, as configured);
3. restarts Postgres with a fast shutdown (every connection is cut).

After each fault a probe sends one message through a signed webhook and one
reply through the composer, again every second, and the bench notes how long
after the fault the first of them became visible to officers (ingest
recovered) and the first reached the network (sending recovered). At the end
it checks against the sandbox's records that no message was lost or stored
twice and no reply was lost or posted twice. Prints figures and one JSON line;
never passes or fails on time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

from _stack import (
    ROOT,
    Processes,
    app_processes,
    fire,
    free_port,
    setup_channels,
    start_app,
    start_sandbox,
    work_dir,
)
from load import (
    Load,
    Officer,
    add_load_arguments,
    check_records,
    nothing_lost,
    officers_create,
    reply_post,
)

RECOVERY_GOAL_S = 30.0
GOAL_TEXT = (
    "after a worker SIGKILL, a Redis restart and a Postgres restart: ingest and sending "
    "recover within 30 s each; no message lost or stored twice, no reply lost or posted twice"
)


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gap", type=float, default=20.0, help="seconds between faults (20)")
    add_load_arguments(parser, rate=20.0, officers=10)
    parser.add_argument("--recover-timeout", type=float, default=120.0)
    return parser.parse_args()


def _services(command: str) -> None:
    subprocess.run([str(ROOT / "scripts" / "local-services.sh"), command], check=True)


class Faults:
    def __init__(self, procs: Processes) -> None:
        self.procs = procs

    def worker_sigkill(self) -> None:
        worker = next(p for p in self.procs.procs if "bench0@%h" in p.args)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        self.procs.procs.remove(worker)
        # A supervisor (systemd, compose) starts it again.
        self.procs.start("worker0", *worker.args[2:])

    def redis_restart(self) -> None:
        _services("restart-redis")

    def postgres_restart(self) -> None:
        _services("restart-postgres")


class Probe:
    """After a fault: a message and a reply every second until each gets through."""

    def __init__(self, app_url: str, control, load: Load, username: str, timings) -> None:
        self.app_url, self.control, self.load = app_url, control, load
        self.officer = Officer(app_url, username, None, timings, [], threading.Event(), 0)
        self.officer.sign_in()

    def _conversation(self) -> tuple[str, dict] | None:
        response = self.officer._get("list", "/inbox/", **{"HX-Request": "true"})
        if response is None or response.status_code != 200:
            return None
        for pk in Officer._row.findall(response.text):
            opened = self.officer._get("conversation", f"/inbox/c/{pk}/", **{"HX-Request": "true"})
            if opened is not None and opened.status_code == 200:
                fields = dict(Officer._hidden.findall(opened.text))
                if "idempotency_key" in fields:
                    return pk, fields
        return None

    def recovery(self, since: float, timeout: float) -> tuple[float | None, float | None]:
        """Seconds from the fault until ingest, and sending, worked again."""
        watcher = self.load.watcher
        ingest = sending = None
        probes: list[tuple[float, str]] = []  # (sent at, text) of each probe message
        refs: list[str] = []
        deadline = time.perf_counter() + timeout
        n = 0
        while (ingest is None or sending is None) and time.perf_counter() < deadline:
            if ingest is None:
                probes.append(
                    fire(self.control, self.app_url, 9_000_000 + n, watcher, self.load.labels)
                )
            if sending is None:
                found = self._conversation()
                if found:
                    pk, fields = found
                    ref = uuid.uuid4().hex[:12]
                    text = f"Probe reply ref {ref}"
                    if reply_post(
                        self.officer.http, self.app_url, pk, text, fields, self.officer.timings
                    ):
                        refs.append(ref)
                        self.load.replies.append(ref)
            time.sleep(1)
            n += 1
            with watcher.lock:
                visible = [
                    sent + watcher.seen[text] for sent, text in probes if text in watcher.seen
                ]
            if ingest is None and visible:
                ingest = min(visible) - since
            if sending is None and refs and self._posted(refs):
                sending = time.perf_counter() - since
        return ingest, sending

    def _posted(self, refs: list[str]) -> bool:
        outbox = self.control.get("/_sandbox/outbox")["items"]
        texts = " ".join(e.get("text") or "" for e in outbox)
        return any(f"ref {ref}" in texts for ref in refs)


def main() -> None:
    args = _parse()
    if not os.environ.get("SERVICES_DIR"):
        sys.exit(
            "start Postgres and Redis with scripts/local-services.sh and source var/services.env"
        )
    work = work_dir("faults")
    from _db import bench_database, percentile

    sandbox, control = start_sandbox()
    results: dict[str, dict] = {}
    with bench_database("faults"):
        from socialdesk.celery import app as celery_app

        celery_app.control.purge()
        team, users = officers_create(args.officers + 1)
        setup_channels(team, poll_interval=5)
        procs = app_processes(work)
        try:
            app_url = start_app(
                procs, port=free_port(), celery_workers=2, schedule=work / "beat-schedule"
            )
            print(f"sandbox {sandbox.url}, app {app_url}, logs in {work}", flush=True)
            load = Load(args, app_url, control, users[:-1])
            load.sign_in()
            load.start()
            probe = Probe(app_url, control, load, users[-1].username, load.timings)
            faults = Faults(procs)
            for name, fault in (
                ("worker_sigkill", faults.worker_sigkill),
                ("redis_restart", faults.redis_restart),
                ("postgres_restart", faults.postgres_restart),
            ):
                time.sleep(args.gap)
                at = time.perf_counter()
                fault()
                print(f"{name}: done in {time.perf_counter() - at:.2f} s", flush=True)
                ingest, sending = probe.recovery(at, args.recover_timeout)
                results[name] = {
                    "ingest_recovered_s": _r(ingest),
                    "sending_recovered_s": _r(sending),
                }
                print(f"{name}: {results[name]}", flush=True)
            time.sleep(args.gap)
            load.stop()
            checks = check_records(control, load.labels, load.replies, timeout=180)
        finally:
            procs.stop()
            sandbox.stop()
            with contextlib.suppress(Exception):
                celery_app.control.purge()

    recoveries = [v for r in results.values() for v in r.values()]
    met = (
        len(results) == 3
        and all(v is not None and v <= RECOVERY_GOAL_S for v in recoveries)
        and nothing_lost(checks)
    )
    worst = (
        max((v if v is not None else args.recover_timeout) for v in recoveries) if recoveries else 0
    )
    figures = {
        "rate_per_s": args.rate,
        "officers": args.officers,
        **{f"{name}_{k}": v for name, r in results.items() for k, v in r.items()},
        **load.figures(percentile),
        **checks,
    }
    for key, value in figures.items():
        print(f"{key:>40}: {value}")
    print(
        json.dumps(
            {
                "bench": "faults",
                **figures,
                "ratio": round(worst / RECOVERY_GOAL_S, 4),
                "goal": GOAL_TEXT,
                "goal_met": met,
            }
        ),
        flush=True,
    )


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


if __name__ == "__main__":
    main()
