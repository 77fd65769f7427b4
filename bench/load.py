"""The whole system under a realistic load, checked for loss and double posts.

    python bench/load.py [--seconds 60] [--rate 100] [--officers 50] [--poll-every 3]
    (needs DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://...)

On loopback: the sandbox network, the app under gunicorn (2 sync workers), two
Celery worker processes and beat, Postgres and Redis. For ``--seconds``:

- the sandbox delivers ``--rate`` messages a second through signed webhooks
  (Facebook comments, Messenger messages and X mentions in turn), and one
  mention a second arrives on an X account the app polls;
- ``--officers`` signed-in officers, each a bounded client of its own, poll
  the inbox list every ``--poll-every`` seconds (with the list's change stamp,
  as the browser does), open a conversation now and then and sometimes reply.

It reports p50/p95 of each page as the officers saw it, webhook-to-visible
p95 (from the sandbox's POST to the officer's list query showing the text),
replies sent, and at the end checks against the sandbox's own records that
every message was stored exactly once and every reply was posted exactly once.
Prints figures and one JSON line; never passes or fails on time.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import requests
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

PASSWORD = "bench-officer-password-1234"
GOALS = {"list_p95_s": 0.15, "conversation_p95_s": 0.15, "visible_p95_s": 2.0}
GOAL_TEXT = (
    "under load: page p95 <= 150 ms (list and conversation), webhook-to-visible p95 <= 2 s; "
    "no message lost or stored twice, no reply posted twice or lost"
)


def add_load_arguments(parser: argparse.ArgumentParser, *, rate: float, officers: int) -> None:
    parser.add_argument("--rate", type=float, default=rate, help=f"webhook messages/s ({rate:g})")
    parser.add_argument("--officers", type=int, default=officers, help=f"officers ({officers})")
    parser.add_argument("--poll-every", type=float, default=3.0, help="list poll interval, s")
    parser.add_argument("--open-chance", type=float, default=0.3, help="P(open) per poll")
    parser.add_argument("--reply-chance", type=float, default=0.25, help="P(reply) per open")


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the load (60)")
    add_load_arguments(parser, rate=100.0, officers=50)
    return parser.parse_args()


class Timings:
    def __init__(self) -> None:
        self.by_page: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter = Counter()
        self.lock = threading.Lock()

    def add(self, page: str, seconds: float, status: int) -> None:
        with self.lock:
            self.by_page[page].append(seconds)
            self.statuses[(page, status)] += 1


class Officer(threading.Thread):
    """One signed-in officer's browser, reduced to its requests."""

    _row = re.compile(r'href="/inbox/c/(\d+)/"')
    _stamp = re.compile(r"since=([^\"&]+)")
    _hidden = re.compile(r'name="(idempotency_key|seen_outbound_id)" value="([^"]*)"')

    def __init__(self, app_url, username, args, timings, replies, stop, seed):
        super().__init__(daemon=True)
        self.app_url, self.username, self.args = app_url, username, args
        self.timings, self.replies, self.stop = timings, replies, stop
        self.rng = random.Random(seed)
        self.http = requests.Session()
        self.stamp = ""

    def _get(self, page: str, path: str, **headers) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = self.http.get(self.app_url + path, headers=headers, timeout=30)
        except requests.RequestException:
            self.timings.add(page, time.perf_counter() - started, 0)  # no answer at all
            return None
        self.timings.add(page, time.perf_counter() - started, response.status_code)
        return response

    def sign_in(self) -> None:
        self.http.get(self.app_url + "/login/", timeout=30)
        answer = self.http.post(
            self.app_url + "/login/",
            data={"username": self.username, "password": PASSWORD, "next": "/inbox/"},
            headers={"X-CSRFToken": self.http.cookies["csrftoken"], "Referer": self.app_url},
            timeout=30,
        )
        if "/login/" in answer.url:
            raise SystemExit(f"{self.username} could not sign in")

    def run(self) -> None:
        if "sessionid" not in self.http.cookies:
            self.sign_in()
        time.sleep(self.rng.uniform(0, self.args.poll_every))  # officers arrive spread out
        while not self.stop.is_set():
            began = time.monotonic()
            self.poll()
            time.sleep(max(0.0, self.args.poll_every - (time.monotonic() - began)))

    def poll(self) -> None:
        path = "/inbox/" + (f"?since={self.stamp}" if self.stamp else "")
        response = self._get("list", path, **{"HX-Request": "true"})
        if response is not None and response.status_code == 200:
            # The list carries its change stamp in its own poll URL, as the browser reads it.
            stamp = self._stamp.search(response.text)
            self.stamp = stamp.group(1) if stamp else ""
            rows = self._row.findall(response.text)
            if rows and self.rng.random() < self.args.open_chance:
                self.open(self.rng.choice(rows))

    def open(self, pk: str) -> None:
        response = self._get("conversation", f"/inbox/c/{pk}/", **{"HX-Request": "true"})
        if response is None or response.status_code != 200:
            return
        if self.rng.random() >= self.args.reply_chance:
            return
        fields = dict(self._hidden.findall(response.text))
        if "idempotency_key" not in fields:
            return  # no composer: a conversation that cannot be answered
        ref = uuid.uuid4().hex[:12]
        text = f"Thanks, we are looking into it. ref {ref}"
        if reply_post(self.http, self.app_url, pk, text, fields, self.timings):
            with self.timings.lock:
                self.replies.append(ref)


def reply_post(http, app_url: str, pk: str, text: str, fields: dict, timings) -> bool:
    """Send a reply as the composer does; True when the app queued it."""
    started = time.perf_counter()
    try:
        answer = http.post(
            f"{app_url}/inbox/c/{pk}/reply/",
            data={"text": text, "confirm": "on", **fields},
            headers={
                "HX-Request": "true",
                "X-CSRFToken": http.cookies["csrftoken"],
                "Referer": app_url,
            },
            timeout=30,
        )
    except requests.RequestException:
        timings.add("reply", time.perf_counter() - started, 0)
        return False
    timings.add("reply", time.perf_counter() - started, answer.status_code)
    return answer.status_code == 200 and "Reply queued" in answer.text


def deliver(control, app_url, args, watcher, labels, stop) -> None:
    """Webhooks at ``rate`` a second and one polled mention a second."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        start, n = time.perf_counter(), 0
        while not stop.is_set():
            due = start + n / args.rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(fire, control, app_url, n, watcher, labels)
            if n % max(1, int(args.rate)) == 0:
                label = f"load poll {n} {uuid.uuid4().hex[:10]}"
                control.post(
                    "/_sandbox/x/inject",
                    {
                        "kind": "mention",
                        "account_id": "997",
                        "text": f"@riverside_roads {label}",
                        "author": {"id": str(5_000_000 + n), "username": f"p{n}", "name": f"P {n}"},
                    },
                )
                labels.append(label)
            n += 1


def officers_create(count: int):
    from accounts.models import Membership, Role, Team, User

    team = Team.objects.create(name="Load team", slug="load-team")
    users = []
    for n in range(count):
        user = User.objects.create_user(f"load-officer-{n}", password=PASSWORD)
        Membership.objects.create(user=user, team=team, role=Role.OFFICER)
        users.append(user)
    return team, users


def check_records(control, labels: list[str], replies: list[str], timeout: float = 90) -> dict:
    # replies: the reference each queued reply carries in its text
    """Against the sandbox's own records: each message stored once, each reply posted once."""
    from inbox.models import Message

    deadline = time.monotonic() + timeout
    while True:
        stored = Counter()
        for text in Message.objects.filter(direction="in").values_list("text", flat=True):
            for label in re.findall(r"load (?:poll )?\d+ [0-9a-f]{10}", text):
                stored[label] += 1
        outbox = control.get("/_sandbox/outbox")["items"]
        posted = Counter(
            ref for e in outbox for ref in re.findall(r"ref ([0-9a-f]{12})", e.get("text") or "")
        )
        pending = Message.objects.filter(direction="out", state__in=["queued", "sending"]).count()
        lost = [label for label in labels if stored[label] == 0]
        if (not lost and not pending) or time.monotonic() > deadline:
            break
        time.sleep(1)
    return {
        "messages_sent_by_network": len(labels),
        "messages_lost": len(lost),
        "messages_duplicated": sum(1 for label in labels if stored[label] > 1),
        "replies_queued": len(replies),
        "replies_posted": sum(1 for ref in replies if posted[ref] >= 1),
        "replies_lost": sum(1 for ref in replies if posted[ref] == 0),
        "replies_double_posted": sum(1 for ref in replies if posted[ref] > 1),
        "replies_not_sent_at_end": pending,
    }


class Load:
    """The officers, the network's deliveries and the inbox watcher, together."""

    def __init__(self, args, app_url: str, control, users) -> None:
        self.timings, self.replies, self.labels = Timings(), [], []
        self.stop_event = threading.Event()
        self.watcher = InboxWatcher(users[0], every=0.1)
        self.officers = [
            Officer(app_url, u.username, args, self.timings, self.replies, self.stop_event, n)
            for n, u in enumerate(users)
        ]
        self.deliverer = threading.Thread(
            target=deliver,
            args=(control, app_url, args, self.watcher, self.labels, self.stop_event),
            daemon=True,
        )

    def sign_in(self) -> None:
        """Everyone signs in, and each web worker draws each page once, before
        the clock starts: 50 password hashes at once (a shift starting) and the
        workers' first imports are not what the load measures."""
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda officer: officer.sign_in(), self.officers))
        warm = self.officers[0]
        for _ in range(4):  # two sync workers, each page at least once each
            response = warm.http.get(
                warm.app_url + "/inbox/", headers={"HX-Request": "true"}, timeout=60
            )
            rows = warm._row.findall(response.text)
            if rows:
                warm.http.get(
                    f"{warm.app_url}/inbox/c/{rows[0]}/", headers={"HX-Request": "true"}, timeout=60
                )

    def start(self) -> None:
        self.watcher.start()
        for officer in self.officers:
            officer.start()
        self.deliverer.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.deliverer.join(150)
        for officer in self.officers:
            officer.join(60)
        self.watcher.wait_all(timeout=60)
        self.watcher.stop.set()
        self.watcher.join()

    def figures(self, percentile) -> dict:
        timings = self.timings

        def p(page: str, q: float) -> float | None:
            values = timings.by_page.get(page)
            return round(percentile(values, q), 4) if values else None

        visible = list(self.watcher.seen.values())
        return {
            "list_requests": len(timings.by_page["list"]),
            "list_204": timings.statuses[("list", 204)],
            "list_p50_s": p("list", 50),
            "list_p95_s": p("list", 95),
            "conversation_requests": len(timings.by_page["conversation"]),
            "conversation_p50_s": p("conversation", 50),
            "conversation_p95_s": p("conversation", 95),
            "reply_p95_s": p("reply", 95),
            "server_errors": sum(n for (_, st), n in timings.statuses.items() if st >= 500),
            "no_answer": sum(n for (_, st), n in timings.statuses.items() if st == 0),
            "visible_n": len(visible),
            "visible_p50_s": round(percentile(visible, 50), 4) if visible else None,
            "visible_p95_s": round(percentile(visible, 95), 4) if visible else None,
        }


def main() -> None:
    args = _parse()
    work = work_dir("load")
    from _db import bench_database, percentile

    sandbox, control = start_sandbox()
    with bench_database("load"):
        from socialdesk.celery import app as celery_app

        celery_app.control.purge()
        team, users = officers_create(args.officers)
        setup_channels(team, poll_interval=5)
        procs = app_processes(work)
        try:
            app_url = start_app(
                procs, port=free_port(), celery_workers=2, schedule=work / "beat-schedule"
            )
            print(f"sandbox {sandbox.url}, app {app_url}, logs in {work}", flush=True)
            load = Load(args, app_url, control, users)
            load.sign_in()
            cpu_before, started = procs.cpu_seconds(), time.monotonic()
            load.start()
            time.sleep(args.seconds)
            # Before the drain: the load's own seconds, not the quiet wait after.
            cpu = cpu_cores(cpu_before, procs.cpu_seconds(), time.monotonic() - started)
            load.stop()
            checks = check_records(control, load.labels, load.replies)
            checks.update(delivery_delays(percentile))
        finally:
            procs.stop()
            sandbox.stop()
            celery_app.control.purge()

    figures = {
        "seconds": args.seconds,
        "rate_per_s": args.rate,
        "officers": args.officers,
        **load.figures(percentile),
        **checks,
        "cpu_cores": cpu,
    }
    for key, value in figures.items():
        print(f"{key:>28}: {value}")
    met = (
        all(figures[k] is not None and figures[k] <= goal for k, goal in GOALS.items())
        and figures["server_errors"] == 0
        and figures["no_answer"] == 0
        and nothing_lost(checks)
    )
    worst = max((figures[k] or 0) / goal for k, goal in GOALS.items())
    print(
        json.dumps(
            {
                "bench": "load",
                **figures,
                "ratio": round(worst, 4),
                "goal": GOAL_TEXT,
                "goal_met": met,
            }
        ),
        flush=True,
    )


def delivery_delays(percentile) -> dict:
    """From each webhook delivery's arrival to its processing (stored as
    messages): the backlog the workers kept, read before the database goes."""
    from django.db.models import F

    from inbox.models import WebhookDelivery

    delays = [
        d.total_seconds()
        for d in WebhookDelivery.objects.filter(processed_at__isnull=False)
        .annotate(delay=F("processed_at") - F("received_at"))
        .values_list("delay", flat=True)
    ]
    if not delays:
        return {"stored_p50_s": None, "stored_p95_s": None, "stored_max_s": None}
    return {
        "stored_p50_s": round(percentile(delays, 50), 4),
        "stored_p95_s": round(percentile(delays, 95), 4),
        "stored_max_s": round(max(delays), 4),
    }


def cpu_cores(before: dict[str, float], after: dict[str, float], wall: float) -> dict:
    """Where the machine's CPU went during the load: cores busy on average per
    kind of process ("bench" is the sandbox network and the load client), and
    "machine", every core's busy time (of ``os.cpu_count()``), kernel included."""
    return {
        name: round((after[name] - before.get(name, 0.0)) / wall, 2)
        for name in sorted(after, key=lambda n: -(after[n] - before.get(n, 0.0)))
    }


def nothing_lost(checks: dict) -> bool:
    return not (
        checks["messages_lost"]
        or checks["messages_duplicated"]
        or checks["replies_lost"]
        or checks["replies_double_posted"]
    )


if __name__ == "__main__":
    main()
