"""The officer's inbox under load: server time of the real views, against
absolute goals (what an officer waits for), same run, same data.

    python bench/inbox.py [N_CONVERSATIONS]   (default 200000; DATABASE_URL=postgres://...)

Seeds N conversations with 5 messages each (1,000,000 messages at the
default) on 40 channels of 10 teams, 90% of them resolved, with COPY; the
open ones carry response targets, some an open escalation, and one channel
is in crisis mode, so the rows' flags cost what they cost in service. A
third of the messages say "please" (the common search word). Two people are
measured: an officer in 2 teams (8 channels, about a fifth of the data) and
an admin who sees everything. Through Django's test Client (the whole
middleware stack, the real views and templates) it times, for each:

- the inbox list: htmx fragment, full page, a filtered page (one channel,
  open, needs a reply) and the due-sorted page: goal p95 <= 50 ms;
- an unchanged poll (``?since=`` the stamp the list was drawn at): goal
  always 204 and p95 <= 5 ms;
- the conversation view of a 5-message conversation, fragment and full
  page: goal p95 <= 25 ms and at most 12 queries;
- search, a common word and a word with no hits: goal p95 <= 100 ms.

Then the same data served by gunicorn (2 sync workers, as in production) on
loopback, driven by a small bounded client (2 connections, one thread each,
for ``BENCH_INBOX_HTTP_SECONDS`` per kind of request): goal >= 300 requests/s
for unchanged polls, >= 100 for list fragments and conversation fragments,
>= 40 for searches (the common word).

Then how the figures grow with the data: the same bench run first at a
tenth of the size (a child process, its own database), and every figure at
full size compared with the same figure there: goal at most 1.5x (a p95
time against its smaller p95; a request rate, the smaller rate against this
one). ``BENCH_INBOX_GROWTH=0`` skips the smaller run.

Prints figures; never fails on time. The last line is one JSON object with
the figures, the goals and ``goal_met``.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from _db import bench_database, percentile
from _stack import Processes, free_port, wait_until

TEAMS = 10
CHANNELS_PER_TEAM = 4
OFFICER_TEAMS = 2
MESSAGES_PER_CONVERSATION = 5
ROUNDS = int(os.environ.get("BENCH_INBOX_ROUNDS", "120"))
WARMUP = min(10, ROUNDS)
BLOCK = min(10, ROUNDS)

STREETS = [
    f"{a} {b}"
    for a in (
        "Mill",
        "Oak",
        "Elm",
        "Church",
        "Station",
        "Park",
        "High",
        "Victoria",
        "Queens",
        "Kings",
        "Albert",
        "Manor",
        "School",
        "North",
        "South",
        "West",
        "East",
        "Green",
        "Chapel",
        "Bridge",
    )
    for b in (
        "Lane",
        "Road",
        "Street",
        "Avenue",
        "Close",
        "Way",
        "Drive",
        "Crescent",
        "Grove",
        "Terrace",
    )
]
TOPICS = [
    "the bins were not collected on {street}",
    "a streetlight is out on {street}",
    "there is a pothole outside my house on {street}",
    "fly-tipping again behind {street}",
    "when does the library on {street} open",
    "parking permits for {street} are broken online",
    "the recycling centre near {street} is closed",
    "council tax bill wrong for my flat on {street}",
    "a fallen tree is blocking {street}",
    "flooding on {street} after the rain",
    "thanks for fixing the lights on {street}",
    "noise complaint about the works on {street}",
]
FIRST = [
    "Jo",
    "Sam",
    "Alex",
    "Priya",
    "Tom",
    "Aisha",
    "Chris",
    "Megan",
    "Omar",
    "Ruth",
    "Dan",
    "Li",
]
LAST = ["Smith", "Jones", "Patel", "Khan", "Brown", "Taylor", "Wilson", "Evans", "Walker", "Wright"]


# --- seeding ------------------------------------------------------------------------------


def _csv_value(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return '"' + str(value).replace('"', '""') + '"'


def copy_rows(model, rows, *, chunk: int = 200_000) -> int:
    """COPY rows (dicts of column -> value) into the model's table. Columns a
    row leaves out get the model field's default, so a field added later by
    someone else does not break the bench."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields]
    columns = [f.column for f in fields]
    defaults = {}
    for f in fields:
        if f.has_default():
            defaults[f.column] = f.get_default()
        elif f.null or f.primary_key:
            defaults[f.column] = None
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.column] = datetime.now(UTC)
        else:
            defaults[f.column] = ""
    table = model._meta.db_table
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    total = 0
    batch: list[str] = []
    raw = connection.connection

    def flush():
        nonlocal batch
        if batch:
            with raw.cursor() as cur, cur.copy(sql) as copy:
                copy.write("".join(batch))
            batch = []

    for row in rows:
        batch.append(",".join(_csv_value(row.get(c, defaults[c])) for c in columns) + "\n")
        total += 1
        if len(batch) >= chunk:
            flush()
    flush()
    raw.commit()
    return total


def _reset_sequence(model) -> None:
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )


def seed(n_conversations: int, rng: random.Random) -> dict:
    from django.db import connection

    from accounts.models import Membership, Team, User
    from inbox.models import Channel, Contact, Conversation, Label, Message

    teams = [Team.objects.create(name=f"Team {i}", slug=f"team-{i}") for i in range(TEAMS)]
    channels = []
    for t, team in enumerate(teams):
        for c in range(CHANNELS_PER_TEAM):
            channel = Channel.objects.create(
                network="x",
                name=f"Channel {t}-{c}",
                handle=f"@council_{t}_{c}",
                external_account_id=str(90_000 + t * 10 + c),
            )
            channel.teams.add(team)
            channels.append(channel)
    officer = User.objects.create_user(
        username="bench_officer", password="x" * 16, display_name="Bench Officer"
    )
    colleagues = [
        User.objects.create_user(username=f"colleague{i}", display_name=f"Colleague {i}")
        for i in range(20)
    ]
    admin = User.objects.create_user(
        username="bench_admin", password="x" * 16, display_name="Bench Admin", is_superuser=True
    )
    for team in teams[:OFFICER_TEAMS]:
        Membership.objects.create(user=officer, team=team, role="officer")
    for i, user in enumerate(colleagues):
        Membership.objects.create(user=user, team=teams[i % TEAMS], role="officer")
    labels = [
        Label.objects.create(name=n)
        for n in ("bins", "potholes", "parking", "complaint", "praise", "flooding", "council tax")
    ]

    n_contacts = max(100, n_conversations // 4)
    now = datetime.now(UTC)
    contacts = (
        {
            "id": i + 1,
            "network": "x",
            "external_id": str(1_000_000 + i),
            "handle": f"{rng.choice(FIRST).lower()}_{i}",
            "followers_count": rng.randint(0, 9000),
            "display_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "verified": rng.random() < 0.02,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(n_contacts)
    )
    t0 = time.perf_counter()
    copy_rows(Contact, contacts)
    span = 365 * 24 * 3600
    conv_rows = []
    message_rows = []
    label_rows = []
    mid = 0
    for i in range(n_conversations):
        pk = i + 1
        channel = channels[i % len(channels)]
        contact_id = rng.randint(1, n_contacts)
        # Newer conversations are the open ones, as in a real inbox.
        age = span * (1 - (i / n_conversations)) * rng.uniform(0.95, 1.0)
        first_at = now - timedelta(seconds=age)
        r = rng.random()
        status = (
            "resolved"
            if i < n_conversations * 0.9
            else ("open" if r < 0.5 else ("new" if r < 0.8 else "pending"))
        )
        street = rng.choice(STREETS)
        texts = [
            f"@{channel.handle[1:]} "
            + rng.choice(TOPICS).format(street=street)
            + (" please" if rng.random() < 1 / 3 else "")  # the common search word
            for _ in range(MESSAGES_PER_CONVERSATION)
        ]
        last_at = first_at + timedelta(minutes=MESSAGES_PER_CONVERSATION * 7)
        awaiting = first_at if status in ("new", "open") else None
        conv_rows.append(
            {
                "id": pk,
                "channel_id": channel.pk,
                "contact_id": contact_id,
                "kind": "public",
                "thread_key": f"tw:{pk}:{contact_id}",
                "status": status,
                "priority": 1,
                "assignee_id": (
                    rng.choice(colleagues).pk if status != "new" and rng.random() < 0.7 else None
                ),
                "team_id": None,
                "last_message_at": last_at,
                "last_message_preview": texts[-1][:280],
                "last_inbound_at": last_at,
                "awaiting_since": awaiting,
                "first_response_at": None if awaiting else first_at + timedelta(minutes=20),
                "due_at": awaiting + timedelta(minutes=60) if awaiting else None,
                "created_at": first_at,
            }
        )
        for k, text in enumerate(texts):
            mid += 1
            inbound = k != 2
            message_rows.append(
                {
                    "id": mid,
                    "conversation_id": pk,
                    "channel_id": channel.pk,
                    "direction": "in" if inbound else "out",
                    "kind": "mention" if inbound else "reply",
                    "external_id": str(1_700_000_000_000_000_000 + mid),
                    "in_reply_to_external_id": "",
                    "author_contact_id": contact_id if inbound else None,
                    "author_user_id": None if inbound else rng.choice(colleagues).pk,
                    "text": text,
                    "sent_at": first_at + timedelta(minutes=7 * k),
                    "received_at": now,
                    "metrics": {},
                    "raw": {},
                    "state": "received" if inbound else "sent",
                    "idempotency_key": None if inbound else f"bench-{mid}",
                }
            )
        if rng.random() < 0.3:
            label_rows.append({"conversation_id": pk, "label_id": rng.choice(labels).pk})
    _drop_search_indexes()
    copy_rows(Conversation, conv_rows)
    copy_rows(Message, message_rows)
    copy_rows(Conversation.labels.through, ({"id": i + 1, **r} for i, r in enumerate(label_rows)))
    for model in (Contact, Conversation, Message, Conversation.labels.through):
        _reset_sequence(model)
    _seed_escalation(conv_rows, channels, admin, rng)
    _create_search_indexes()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
        # Write the seed's dirty pages now: a checkpoint spread over the next
        # minutes would otherwise run under the measurements.
        cur.execute("CHECKPOINT")
    seed_s = time.perf_counter() - t0
    visible = [
        c for c in channels if c.teams.filter(pk__in=[t.pk for t in teams[:OFFICER_TEAMS]]).exists()
    ]
    return {
        "officer": officer,
        "admin": admin,
        "visible_channels": visible,
        "labels": labels,
        "seed_s": seed_s,
        "messages": len(message_rows),
        "conversations": len(conv_rows),
    }


def _seed_escalation(conv_rows: list[dict], channels: list, admin, rng: random.Random) -> None:
    """What escalation keeps beside the open conversations: a response
    target on each one awaiting an answer, an open escalation on one in
    twenty, and one of the officer's channels in crisis mode."""
    from escalation.models import ConversationTarget, CrisisMode, Escalation, EscalationRule

    now = datetime.now(UTC)
    awaiting = [r for r in conv_rows if r["awaiting_since"] is not None]
    ConversationTarget.objects.bulk_create(
        [
            ConversationTarget(
                conversation_id=r["id"],
                channel_id=r["channel_id"],
                status=r["status"],
                priority=r["priority"],
                cycle_start=r["awaiting_since"],
                clock="calendar",
                target_seconds=3600,
                limit_seconds=4 * 3600,
                warning_percent=80,
                warn_at=r["awaiting_since"] + timedelta(minutes=48),
                due_at=r["due_at"],
                limit_at=r["awaiting_since"] + timedelta(hours=4),
                computed_at=now,
            )
            for r in awaiting
        ],
        batch_size=5000,
    )
    rule = EscalationRule.objects.create(name="Bench rule", keywords="flooding")
    Escalation.objects.bulk_create(
        [
            Escalation(
                rule=rule,
                conversation_id=r["id"],
                channel_id=r["channel_id"],
                trigger_key=f"bench:{r['id']}",
                cycle=r["awaiting_since"],
                reason="Keyword: flooding",
                level=rng.choice((1, 2)),
                raised_at=r["awaiting_since"],
            )
            for r in awaiting[::20]
        ],
        batch_size=5000,
    )
    crisis = CrisisMode.objects.create(
        title="Flooding on the Riverside estate",
        holding_statement="We are on it.",
        started_at=now,
        started_by=admin,
    )
    crisis.channels.add(channels[0])


SEARCH_INDEXES = (
    "message_search_document_idx",
    "message_recent_idx",
    "contact_name_trgm_idx",
    "contact_handle_trgm_idx",
)


def _drop_search_indexes() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for name in SEARCH_INDEXES:
            cur.execute(f"DROP INDEX IF EXISTS {name}")


def _create_search_indexes() -> None:
    """Rebuilt after the COPY (far faster than maintaining them row by row),
    with the same definitions as migrations inbox.0005 and 0018 and the model."""
    import importlib

    from django.db import connection

    from inbox.models import Message

    trigram = importlib.import_module("inbox.migrations.0005_search_indexes")
    document = importlib.import_module("inbox.migrations.0018_speed_search_document")
    [recent] = [i for i in Message._meta.indexes if i.name == "message_recent_idx"]
    with connection.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '256MB'")
        cur.execute(document.FTS)
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for sql in trigram.TRIGRAM:
            cur.execute(sql)
    with connection.schema_editor() as editor:
        editor.add_index(Message, recent)


# --- measuring -----------------------------------------------------------------------------

HX = {"HTTP_HX_REQUEST": "true"}
GOALS = {
    "list_p95_ms": 50,
    "poll_p95_ms": 5,
    "conversation_p95_ms": 25,
    "conversation_queries": 12,
    "search_p95_ms": 100,
}


def ms(values: list[float], pct: float) -> float:
    return round(percentile(values, pct) * 1000, 2)


def _queries(client, url: str, extra: dict) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url, **extra)
    return len(captured.captured_queries)


def measure(client, url: str, *, htmx: bool, name: str, expect: int = 200) -> dict:
    """Server time of one request through the whole Django stack, after a
    warm-up; ``statuses`` counts every answer that was not ``expect``."""
    extra = HX if htmx else {}
    for _ in range(WARMUP):
        client.get(url, **extra)
    queries = _queries(client, url, extra)
    samples, wrong = [], 0
    for _ in range(ROUNDS):
        start = time.perf_counter()
        response = client.get(url, **extra)
        samples.append(time.perf_counter() - start)
        wrong += response.status_code != expect
    row = {"p50_ms": ms(samples, 50), "p95_ms": ms(samples, 95), "queries": queries}
    if wrong:
        row["unexpected_status"] = wrong
    print(
        f"{name:<44} p50 {row['p50_ms']:>7.2f} p95 {row['p95_ms']:>7.2f} ms, "
        f"{queries:>2} queries{f', {wrong} not {expect}' if wrong else ''}"
    )
    return row


def measure_person(client, who: str, data: dict, rng: random.Random) -> dict:
    """The in-process figures; ``out["urls"]`` keeps the poll and conversation
    URLs for the gunicorn run."""
    from inbox.models import Conversation

    channel = data["visible_channels"][0]
    lists = {
        "list": ("/inbox/", True),
        "list_page": ("/inbox/", False),
        "filtered": (f"/inbox/?view=all&channel={channel.pk}&status=open&needs_reply=on", True),
        "due_sorted": ("/inbox/?sort=due", True),
    }
    out = {
        key: measure(client, url, htmx=hx, name=f"{who}: {key}") for key, (url, hx) in lists.items()
    }
    body = client.get("/inbox/", **HX).content.decode()
    stamp = re.search(r'data-list-stamp="([0-9a-f]+)"', body).group(1)
    out["poll_unchanged"] = measure(
        client, f"/inbox/?since={stamp}", htmx=True, name=f"{who}: unchanged poll", expect=204
    )
    recent = list(
        Conversation.objects.filter(channel__in=data["visible_channels"])
        .order_by("-last_message_at")
        .values_list("pk", flat=True)[:2000]
    )
    url = f"/inbox/c/{rng.choice(recent)}/"
    out["conversation"] = measure(client, url, htmx=True, name=f"{who}: conversation (htmx)")
    out["conversation_page"] = measure(client, url, htmx=False, name=f"{who}: conversation page")
    out["search_common"] = measure(
        client, "/inbox/search/?q=please", htmx=False, name=f"{who}: search, common word"
    )
    out["search_none"] = measure(
        client, "/inbox/search/?q=zeppelin", htmx=False, name=f"{who}: search, no hits"
    )
    # Figures beside the goal: the common word within the list's filters on a
    # second page, and with operators (unread, on one channel by name).
    out["search_filtered"] = measure(
        client,
        f"/inbox/search/?q=please&channel={channel.pk}&needs_reply=on&page=2",
        htmx=False,
        name=f"{who}: search, filtered, page 2",
    )
    out["search_operators"] = measure(
        client,
        f"/inbox/search/?{urlencode({'q': f'please is:unread channel:{channel.handle}'})}",
        htmx=False,
        name=f"{who}: search, operators",
    )
    out["urls"] = {"poll": f"/inbox/?since={stamp}", "conversation": url}
    return out


# --- gunicorn on loopback ------------------------------------------------------------------

HTTP_GOALS = {"poll_rps": 300, "list_rps": 100, "conversation_rps": 100, "search_rps": 40}
HTTP_PLAN_KEYS = ("poll_unchanged", "list", "conversation", "search_common")
HTTP_SECONDS = float(os.environ.get("BENCH_INBOX_HTTP_SECONDS", "5"))
CONNECTIONS = 2


def _get(conn: http.client.HTTPConnection, path: str, headers: dict) -> int:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status


def drive(port: int, headers: dict, path: str, *, expect: int, seconds: float) -> dict:
    """Requests per second from CONNECTIONS clients, each sending the next
    request when the last answered (a bounded load: it never queues more)."""
    done = [0] * CONNECTIONS
    wrong = [0] * CONNECTIONS
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        # Sync workers close the connection after each answer; http.client
        # opens a new one for the next request, as a browser would.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            while time.monotonic() < stop:
                wrong[i] += _get(conn, path, headers) != expect
                done[i] += 1
        finally:
            conn.close()

    start = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    row = {"rps": round(sum(done) / (time.monotonic() - start), 1), "requests": sum(done)}
    if sum(wrong):
        row["unexpected_status"] = sum(wrong)
    return row


def serve_and_drive(sessions: dict[str, str], urls: dict[str, dict]) -> dict:
    """gunicorn with 2 sync workers on the bench database; each person's
    requests driven in turn. ``sessions``: person -> session cookie value."""
    from django.conf import settings
    from django.db import connections

    connections.close_all()
    port = free_port()
    # The admin's second factor is not what is measured (as with force_login).
    env = {**os.environ, "MFA_ENFORCED": "0", "DEBUG": "0"}
    procs = Processes(env, Path(tempfile.mkdtemp(prefix="sd-bench-inbox-")))
    procs.start("web", "gunicorn", "socialdesk.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2")
    out: dict[str, dict] = {}
    try:
        for who, cookie in sessions.items():
            headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"}
            hx = {**headers, "HX-Request": "true"}
            plan = {
                "poll_unchanged": (urls[who]["poll"], hx, 204),
                "list": ("/inbox/", hx, 200),
                "conversation": (urls[who]["conversation"], hx, 200),
                "search_common": ("/inbox/search/?q=please", headers, 200),
            }
            if not out:
                wait_until(lambda h=headers: _answers(port, h), "gunicorn", timeout=120)
            for path, h, _ in plan.values():  # warm both workers
                for _ in range(4):
                    _get(http.client.HTTPConnection("127.0.0.1", port, timeout=60), path, h)
            out[who] = {}
            for key, (path, h, expect) in plan.items():
                row = drive(port, h, path, expect=expect, seconds=HTTP_SECONDS)
                out[who][key] = row
                bad = row.get("unexpected_status")
                print(
                    f"gunicorn {who}: {key:<33} {row['rps']:>7.1f} requests/s"
                    f"{f', {bad} not {expect}' if bad else ''}"
                )
    finally:
        procs.stop()
    return out


def _answers(port: int, headers: dict) -> bool:
    try:
        return (
            _get(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/inbox/", headers) > 0
        )
    except OSError:
        return False


def http_goals_met(http_results: dict) -> dict[str, bool]:
    wanted = {
        "poll_unchanged": HTTP_GOALS["poll_rps"],
        "list": HTTP_GOALS["list_rps"],
        "conversation": HTTP_GOALS["conversation_rps"],
        "search_common": HTTP_GOALS["search_rps"],
    }
    return {
        f"{who}_http": all(
            r[k]["rps"] >= goal and "unexpected_status" not in r[k] for k, goal in wanted.items()
        )
        for who, r in http_results.items()
    }


def goals_met(results: dict) -> dict[str, bool]:
    met = {}
    for who, r in results.items():
        met[f"{who}_lists"] = all(
            r[k]["p95_ms"] <= GOALS["list_p95_ms"]
            for k in ("list", "list_page", "filtered", "due_sorted")
        )
        poll = r["poll_unchanged"]
        met[f"{who}_poll"] = (
            "unexpected_status" not in poll and poll["p95_ms"] <= GOALS["poll_p95_ms"]
        )
        met[f"{who}_conversation"] = all(
            r[k]["p95_ms"] <= GOALS["conversation_p95_ms"]
            and r[k]["queries"] <= GOALS["conversation_queries"]
            for k in ("conversation",)
        )
        met[f"{who}_search"] = all(
            r[k]["p95_ms"] <= GOALS["search_p95_ms"] for k in ("search_common", "search_none")
        )
    return met


# --- growth with the data ------------------------------------------------------------------

GROWTH_GOAL = 1.5
# The figures the goals name; the others (a filtered search on a
# later page, operators) are shown beside them.
GROWTH_GOAL_KEYS = (
    "list",
    "list_page",
    "filtered",
    "due_sorted",
    "poll_unchanged",
    "conversation",
    "conversation_page",
    "search_common",
    "search_none",
)


def smaller_run(n: int) -> dict | None:
    """This bench at ``n`` conversations in a child process (its own database
    and gunicorn), or None when growth is not measured."""
    if os.environ.get("BENCH_INBOX_GROWTH", "1") == "0":
        return None
    suffix = "_".join(filter(None, [os.environ.get("BENCH_DB_SUFFIX", ""), "smaller"]))
    env = {**os.environ, "BENCH_INBOX_GROWTH": "0", "BENCH_DB_SUFFIX": suffix}
    print(f"--- first at {n:,} conversations, to compare")
    out = subprocess.run(
        [sys.executable, __file__, str(n)], env=env, capture_output=True, text=True, check=True
    ).stdout
    for line in out.splitlines():
        if not line.startswith("{"):
            print(line)
    return json.loads(out.strip().splitlines()[-1])


def growth(results: dict, http_results: dict, smaller: dict) -> dict[str, dict[str, float]]:
    """Each figure at this size over the same figure at the smaller size
    (rates the other way round), per person."""
    out: dict[str, dict[str, float]] = {}
    for who, rows in results.items():
        small = smaller["details"][who]
        out[who] = {
            key: round(row["p95_ms"] / max(small[key]["p95_ms"], 0.01), 2)
            for key, row in rows.items()
        }
        for key, row in http_results.get(who, {}).items():
            rate = smaller["gunicorn"][who][key]["rps"]
            out[who][f"{key}_rps"] = round(rate / max(row["rps"], 0.1), 2)
    return out


def growth_met(grown: dict[str, dict[str, float]]) -> dict[str, bool]:
    wanted = (*GROWTH_GOAL_KEYS, *(f"{k}_rps" for k in HTTP_PLAN_KEYS))
    return {
        f"{who}_growth": all(v <= GROWTH_GOAL for k, v in rows.items() if k in wanted)
        for who, rows in grown.items()
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    smaller = smaller_run(max(n // 10, 1))
    rng = random.Random(5)
    with bench_database("inbox"):
        from django.conf import settings
        from django.test import Client

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        # Signed in with force_login: the admin's second factor is not what is measured.
        settings.MFA_ENFORCED = False
        data = seed(n, rng)
        print(
            f"seeded {data['conversations']:,} conversations and {data['messages']:,} messages "
            f"in {data['seed_s']:.1f} s; officer sees {len(data['visible_channels'])} of "
            f"{TEAMS * CHANNELS_PER_TEAM} channels"
        )
        results, sessions = {}, {}
        for who in ("officer", "admin"):
            client = Client()
            client.force_login(data[who])
            results[who] = measure_person(client, who, data, rng)
            sessions[who] = client.cookies[settings.SESSION_COOKIE_NAME].value
        urls = {who: results[who].pop("urls") for who in results}
        http_results = serve_and_drive(sessions, urls)
    met = {**goals_met(results), **http_goals_met(http_results)}
    grown = growth(results, http_results, smaller) if smaller else {}
    if smaller:
        met.update(growth_met(grown))
        print(
            f"growth from {smaller['conversations']:,} to {data['conversations']:,} conversations:"
        )
        for who, rows in grown.items():
            for key, ratio in rows.items():
                beside = (
                    "" if key.removesuffix("_rps") in GROWTH_GOAL_KEYS else " (beside the goal)"
                )
                print(f"  {who}: {key:<33} {ratio:>5.2f}x{beside}")
    officer = results["officer"]
    print(
        json.dumps(
            {
                "bench": "inbox",
                "conversations": data["conversations"],
                "messages": data["messages"],
                "list_p50_ms": officer["list"]["p50_ms"],
                "list_p95_ms": officer["list"]["p95_ms"],
                "list_page_p95_ms": officer["list_page"]["p95_ms"],
                "filtered_p95_ms": officer["filtered"]["p95_ms"],
                "due_sorted_p95_ms": officer["due_sorted"]["p95_ms"],
                "poll_p95_ms": officer["poll_unchanged"]["p95_ms"],
                "conversation_p95_ms": officer["conversation"]["p95_ms"],
                "conversation_queries": officer["conversation"]["queries"],
                "search_p95_ms": max(
                    officer["search_common"]["p95_ms"], officer["search_none"]["p95_ms"]
                ),
                "details": results,
                "gunicorn": http_results,
                "growth_from": smaller["conversations"] if smaller else None,
                "growth": grown,
                "goals": {
                    **GOALS,
                    **HTTP_GOALS,
                    "gunicorn": f"2 sync workers, {CONNECTIONS} client connections",
                    "poll": "always 204",
                    "who": "an officer who sees a fifth of the data, and an admin who sees all",
                    "growth": f"each figure at most {GROWTH_GOAL}x its figure at a tenth of the data",
                },
                "goals_met": met,
                "goal_met": all(met.values()),
            }
        )
    )


if __name__ == "__main__":
    main()
