"""Webhook and polling latency: from the network to the officer's inbox list.

    python bench/webhook_latency.py [N] [--rate R] [--poll-samples K] [--poll-interval S]
    (N default 200; needs DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://...)

Real parts only: the sandbox network, the app under gunicorn (2 sync workers)
on a free port, a real Celery worker (2 processes) and beat, Postgres and Redis.

1. Webhooks: N signed deliveries (Facebook comments, Messenger messages and X
   mentions in turn) are fired by the sandbox at the app, R per second from a
   few threads. Each is timed from just before the sandbox's POST to the moment
   the inbox list query (``selectors.conversation_list``, as an officer's page
   runs it) shows its text. Polling is kept out of the way for these channels.
   A warm-up of W deliveries (default 10) runs first and is reported apart:
   freshly started processes pay for imports and new database connections.
2. Polling alone: K mentions are injected into the sandbox at random moments
   for a channel polled every S seconds (beat dispatching every second) and
   timed to the same inbox query.

Goal: webhook p95 <= 2 s; polling <= poll interval + 2 s. Prints figures and
one JSON line; never passes or fails on time.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from concurrent.futures import ThreadPoolExecutor

from _stack import (
    InboxWatcher,
    app_processes,
    fire,
    free_port,
    setup_channels,
    start_app,
    start_sandbox,
    work_dir,
)

WEBHOOK_GOAL_S = 2.0


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=200, help="webhook deliveries (200)")
    parser.add_argument("--rate", type=float, default=20.0, help="deliveries per second (20)")
    parser.add_argument(
        "--warmup", type=int, default=10, help="deliveries first sent and not counted (10)"
    )
    parser.add_argument(
        "--poll-samples", type=int, default=12, help="mentions timed by polling (12)"
    )
    parser.add_argument("--poll-interval", type=int, default=5, help="channel poll interval, s (5)")
    return parser.parse_args()


def _setup(poll_interval: int):
    from accounts.models import Membership, Role, Team, User

    team = Team.objects.create(name="Bench team", slug="bench-team")
    officer = User.objects.create_user("bench-officer", password="unused-password-1234")
    Membership.objects.create(user=officer, team=team, role=Role.OFFICER)
    return officer, setup_channels(team, poll_interval)


def _bench_webhooks(
    control, app_url: str, officer, n: int, rate: float, first: int = 0
) -> list[float]:
    watcher = InboxWatcher(officer)
    watcher.start()
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = []
        start = time.perf_counter()
        for i in range(n):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(fire, control, app_url, first + i, watcher, [], "bench"))
        for future in futures:
            future.result()
    watcher.wait_all(timeout=60)
    watcher.stop.set()
    watcher.join()
    if watcher.waiting:
        raise SystemExit(f"{len(watcher.waiting)} deliveries never reached the inbox")
    return list(watcher.seen.values())


def _bench_polling(control, officer, samples: int, interval: int) -> list[float]:
    watcher = InboxWatcher(officer, every=0.05)
    watcher.start()
    rng = random.Random(7)
    for i in range(samples):
        time.sleep(rng.uniform(0, interval))  # arrive anywhere in the poll cycle
        text = f"@riverside_roads bench poll {i} {rng.random():.8f}"
        watcher.expect(text, time.perf_counter())
        control.post(
            "/_sandbox/x/inject",
            {
                "kind": "mention",
                "account_id": "997",
                "text": text,
                "author": {"id": str(5_000_000 + i), "username": f"poll{i}", "name": f"Poll {i}"},
            },
        )
        watcher.wait_all(timeout=interval + 30)
    watcher.stop.set()
    watcher.join()
    if watcher.waiting:
        raise SystemExit(f"{len(watcher.waiting)} mentions never reached the inbox by polling")
    return list(watcher.seen.values())


def main() -> None:
    args = _parse()
    work = work_dir("webhooks")

    from _db import bench_database, percentile

    sandbox, control = start_sandbox()
    with bench_database("webhook_latency"):
        from socialdesk.celery import app as celery_app

        celery_app.control.purge()
        officer, _ = _setup(args.poll_interval)
        procs = app_processes(work)
        try:
            app_url = start_app(procs, port=free_port(), schedule=work / "beat-schedule")
            print(f"sandbox {sandbox.url}, app {app_url}, logs in {work}", flush=True)

            # The first requests after start pay for imports and new connections
            # in each gunicorn and Celery process: timed, reported, not counted.
            warm = _bench_webhooks(control, app_url, officer, args.warmup, args.rate, 100_000)
            webhook = _bench_webhooks(control, app_url, officer, args.n, args.rate)
            polling = _bench_polling(control, officer, args.poll_samples, args.poll_interval)
        finally:
            procs.stop()
            sandbox.stop()
            celery_app.control.purge()

    w50, w95, wmax = (percentile(webhook, p) for p in (50, 95, 100))
    p50, p95, pmax = (percentile(polling, p) for p in (50, 95, 100))
    poll_goal = args.poll_interval + 2.0
    if warm:
        print(f"warm-up (not counted): n={len(warm)}  max {max(warm):.3f} s")
    print(
        f"webhook -> inbox list: n={len(webhook)} at {args.rate:g}/s  p50 {w50:.3f} s  p95 {w95:.3f} s  max {wmax:.3f} s (goal p95 <= {WEBHOOK_GOAL_S:g} s)"
    )
    print(
        f"polling -> inbox list: n={len(polling)}, interval {args.poll_interval} s  p50 {p50:.3f} s  p95 {p95:.3f} s  max {pmax:.3f} s (goal <= {poll_goal:g} s)"
    )
    result = {
        "bench": "webhook_latency",
        "n": len(webhook),
        "rate_per_s": args.rate,
        "warmup_n": len(warm),
        "warmup_max_s": round(max(warm), 4) if warm else None,
        "webhook_p50_s": round(w50, 4),
        "webhook_p95_s": round(w95, 4),
        "webhook_max_s": round(wmax, 4),
        "poll_interval_s": args.poll_interval,
        "polling_n": len(polling),
        "polling_p50_s": round(p50, 4),
        "polling_p95_s": round(p95, 4),
        "polling_max_s": round(pmax, 4),
        "polling_ratio": round(pmax / poll_goal, 4),
        "ratio": round(w95 / WEBHOOK_GOAL_S, 4),
        "goal": "webhook p95 <= 2 s; polling <= interval + 2 s",
        "goal_met": w95 <= WEBHOOK_GOAL_S and pmax <= poll_goal,
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
