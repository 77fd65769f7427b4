"""The whole system on loopback for the end-to-end benches: the sandbox
network, the app under gunicorn, Celery workers and beat, each its own process
group, on the bench's throwaway Postgres database and the Redis broker."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PAGE = "104857600000"
PAGE_TOKEN = "sbx-page-104857600000-bench"


def work_dir(name: str) -> Path:
    """The bench's own folder for logs and state, after checking it runs on the
    real services (these benches need Redis as the broker and Postgres)."""
    if not os.environ.get("CELERY_BROKER_URL", "").startswith(("redis://", "rediss://")):
        sys.exit("this bench needs CELERY_BROKER_URL=redis://... and DATABASE_URL=postgres://...")
    work = Path(tempfile.mkdtemp(prefix=f"sd-bench-{name}-"))
    os.environ["SOCIALDESK_VAR_DIR"] = str(work)
    return work


def app_processes(work: Path) -> Processes:
    """The processes' environment: a real broker (never eager) and beat
    dispatching polls every second."""
    from django.db import connections

    connections.close_all()  # the bench's threads and the app open their own
    env = {**os.environ, "POLL_DISPATCH_SECONDS": "1", "CELERY_TASK_ALWAYS_EAGER": "0"}
    return Processes(env, work)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    """The app's processes, started and stopped by their own process groups."""

    def __init__(self, env: dict[str, str], logs: Path):
        self.env, self.logs, self.procs = env, logs, []
        self.names: dict[int, str] = {}

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        self.names[proc.pid] = name.rstrip("0123456789")  # worker0, worker1: "worker"
        return proc

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds (user + system) used so far by each kind of process, with
        its children (gunicorn's and Celery's pool workers), by this process (the
        load client runs here), by the sandbox network, by Postgres and Redis, and
        by the whole machine ("machine")."""
        import psutil

        used: dict[str, float] = {}

        def add(name: str, proc: psutil.Process) -> None:
            try:
                t = proc.cpu_times()
                used[name] = used.get(name, 0.0) + t.user + t.system
            except psutil.Error:  # gone meanwhile
                pass

        for proc in self.procs:
            try:
                parent = psutil.Process(proc.pid)
                family = [parent, *parent.children(recursive=True)]
            except psutil.Error:
                continue
            for member in family:
                add(self.names[proc.pid], member)
        add("bench", psutil.Process())
        for child in psutil.Process().children():  # the sandbox network (SandboxProcess)
            with contextlib.suppress(psutil.Error):
                if child.cmdline()[1:3] == ["-m", "sandbox"]:
                    add("sandbox", child)
        for proc in psutil.process_iter(["name"]):
            name = proc.info["name"] or ""
            if name.startswith("postgres") or name == "postmaster":
                add("postgres", proc)
            elif name.startswith("redis-server"):
                add("redis", proc)
        # The whole machine, kernel included: the processes above miss what ran
        # in processes that have exited (a Postgres backend per new connection).
        machine = psutil.cpu_times()
        used["machine"] = sum(
            getattr(machine, field, 0.0) for field in ("user", "nice", "system", "irq", "softirq")
        )
        return used

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def wait_until(predicate, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def x_creds(account: str) -> dict[str, str]:
    return {
        "consumer_key": "sandbox-consumer-key",
        "consumer_secret": "sandbox-consumer-secret",
        "access_token": f"{account}-bench",
        "access_token_secret": "bench",
    }


class InboxWatcher(threading.Thread):
    """Runs the officer's inbox list query in a loop and notes when each awaited
    text first shows."""

    def __init__(self, officer, every: float = 0.02):
        super().__init__(daemon=True)
        self.officer, self.every = officer, every
        self.waiting: dict[str, float] = {}  # text -> start (perf_counter)
        self.seen: dict[str, float] = {}  # text -> latency (s)
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def expect(self, text: str, started: float) -> None:
        with self.lock:
            self.waiting[text] = started

    def run(self) -> None:
        from django.db import DatabaseError, connection

        from inbox import selectors

        try:
            while not self.stop.is_set():
                try:
                    previews = list(
                        selectors.conversation_list(user=self.officer).values_list(
                            "last_message_preview", flat=True
                        )[:200]
                    )
                except DatabaseError:  # the database restarting (bench/faults.py)
                    connection.close()
                    time.sleep(0.2)
                    continue
                now = time.perf_counter()
                with self.lock:
                    for text in set(previews) & set(self.waiting):
                        self.seen[text] = now - self.waiting.pop(text)
                time.sleep(self.every)
        finally:
            connection.close()

    def wait_all(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if not self.waiting:
                    return
            time.sleep(0.05)


def reachable(url: str) -> bool:
    import requests

    try:
        return requests.get(url + "/webhooks/x/", params={"crc_token": "up"}, timeout=2).ok
    except requests.RequestException:
        return False


def worker_ready(celery_app) -> bool:
    try:
        return bool(celery_app.control.ping(timeout=1))
    except Exception:  # not up yet
        return False


class SandboxProcess:
    """The sandbox network as its own process (``python -m sandbox``), as it
    runs beside the demo: the networks are not on the app's machine, and in
    the bench's own process its threads would share one interpreter lock with
    the officers' clients, whose page timings would then include the wait."""

    def __init__(self, seed: int):
        self.url = f"http://127.0.0.1:{free_port()}"
        port = self.url.rsplit(":", 1)[1]
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sandbox",
                "--port",
                port,
                "--scenario",
                "none",
                "--quiet",
                "--seed",
                str(seed),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )

    def answers(self) -> bool:
        import requests

        try:
            return requests.get(self.url + "/_sandbox/faults", timeout=2).ok
        except requests.RequestException:
            return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def start_sandbox(seed: int = 11):
    """The sandbox network with the bench's Facebook Page and two X accounts
    (999 @council_help for webhooks, 997 @riverside_roads for polling)."""
    from sandbox.control_client import Control

    sandbox = SandboxProcess(seed)
    wait_until(sandbox.answers, "the sandbox network")
    os.environ["SOCIAL_SANDBOX_URL"] = sandbox.url
    control = Control(sandbox.url)
    control.post(
        "/_sandbox/fb/pages", {"id": PAGE, "name": "Riverside Council", "access_token": PAGE_TOKEN}
    )
    for account, username in (("999", "council_help"), ("997", "riverside_roads")):
        control.post(
            "/_sandbox/x/accounts", {"id": account, "username": username, "name": username}
        )
    return sandbox, control


def setup_channels(team, poll_interval: int) -> list:
    """A Facebook Page and an X account for webhooks (never polled during the
    bench), and an X account polled every ``poll_interval`` seconds."""
    from datetime import timedelta

    from django.utils import timezone

    from inbox.models import Channel

    later = timezone.now() + timedelta(days=1)
    specs = [
        (
            "facebook",
            PAGE,
            {"page_access_token": PAGE_TOKEN, "app_secret": "sandbox-app-secret"},
            later,
            3600,
        ),
        ("x", "999", x_creds("999"), later, 3600),
        ("x", "997", x_creds("997"), None, poll_interval),
    ]
    channels = []
    for network, account, creds, next_poll, interval in specs:
        channel = Channel(
            network=network,
            name=f"Bench {network} {account}",
            handle=account,
            external_account_id=account,
            is_sandbox=True,
            next_poll_at=next_poll,
            poll_interval_seconds=interval,
        )
        channel.set_credentials(creds)
        channel.save()
        channel.teams.add(team)
        channels.append(channel)
    return channels


def start_app(
    procs: Processes,
    *,
    port: int,
    web_workers: int = 2,
    celery_workers: int = 1,
    concurrency: int = 2,
    schedule: Path,
) -> str:
    """gunicorn, ``celery_workers`` worker processes and beat; waits until the
    web answers and a worker replies to a ping. Returns the app's URL."""
    from socialdesk.celery import app as celery_app

    procs.start(
        "web", "gunicorn", "socialdesk.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(web_workers)
    )
    for n in range(celery_workers):
        procs.start(
            f"worker{n}",
            "celery",
            "-A",
            "socialdesk",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "-n",
            f"bench{n}@%h",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        )
    procs.start(
        "beat", "celery", "-A", "socialdesk", "beat", "--loglevel", "WARNING", "-s", str(schedule)
    )
    app_url = f"http://127.0.0.1:{port}"
    wait_until(lambda: reachable(app_url), "gunicorn")
    wait_until(lambda: worker_ready(celery_app), "a celery worker")
    return app_url


def fire(
    control, app_url: str, n: int, watcher: InboxWatcher, labels: list, prefix: str = "load"
) -> tuple[float, str]:
    """One message from the network by signed webhook; the network retries a
    delivery the app did not take, as X and Facebook do. Returns when it was
    first sent and the text officers will see."""
    kind = ("comment", "message", "mention")[n % 3]
    label = f"{prefix} {n} {uuid.uuid4().hex[:10]}"  # unique, and found again by its label
    if kind == "mention":
        [item] = control.post(
            "/_sandbox/x/inject",
            {
                "kind": "mention",
                "account_id": "999",
                "text": f"@council_help {label}",
                "author": {"id": str(800_000 + n), "username": f"load{n}", "name": f"Load {n}"},
            },
        )["items"]
        text, body = item["text"], {"for_event": item["id"], "url": app_url + "/webhooks/x/"}
    else:
        [item] = control.post(
            "/_sandbox/fb/inject",
            {
                "page_id": PAGE,
                "kind": kind,
                "text": label,
                "author": {"id": str(7_200_000_000_000_000 + n), "name": f"Load {n}"},
            },
        )["items"]
        text = label
        body = {"network": "fb", "for_event": item["id"], "url": app_url + "/webhooks/facebook/"}
    sent = time.perf_counter()
    watcher.expect(text, sent)
    labels.append(label)
    deadline = time.monotonic() + 120
    while control.post("/_sandbox/webhooks/fire", body)["status"] != 200:
        if time.monotonic() > deadline:
            break  # counted as lost at the end, if it is
        time.sleep(1)
    return sent, text
