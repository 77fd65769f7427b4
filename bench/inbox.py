"""The officer's inbox under load: server time of the real views beside the
bare SQL they run, same run, same data.

    python bench/inbox.py [N_CONVERSATIONS]   (default 200000; DATABASE_URL=postgres://...)

Seeds N conversations with 5 messages each (1,000,000 messages at the
default) on 40 channels of 10 teams, 90% of them resolved, with COPY. The
measured officer belongs to 2 teams (8 channels, about a fifth of the data).
Then, through Django's test Client (the whole middleware stack, the real
views and templates), it times:

- the inbox list, first page (the htmx list fragment the browser polls, and
  the full page),
- a filtered list page (one channel, status open, needs a reply),
- the list sorted by response due soonest,
- the conversation view (htmx fragment),
- a search (Postgres full-text search plus name and handle match),

each beside "bare SQL": the very statements that view ran, captured and
replayed through a raw cursor (rows fetched, nothing rendered). View and SQL
are timed in alternating blocks of ten, so both see the same machine. The
ratio is list p95 / bare list p95. Goal: list p95 < 50 ms and within 2x of bare SQL.
Prints figures; never fails on time.
"""

from __future__ import annotations

import io
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from _db import bench_database, percentile

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
            with raw.cursor() as cur:
                cur.copy_expert(sql, io.StringIO("".join(batch)))
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
            f"@{channel.handle[1:]} " + rng.choice(TOPICS).format(street=street)
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
        "visible_channels": visible,
        "labels": labels,
        "seed_s": seed_s,
        "messages": len(message_rows),
        "conversations": len(conv_rows),
    }


def _drop_search_indexes() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for name in ("message_text_fts_idx", "contact_name_trgm_idx", "contact_handle_trgm_idx"):
            cur.execute(f"DROP INDEX IF EXISTS {name}")


def _create_search_indexes() -> None:
    """Rebuilt after the COPY (far faster than maintaining them row by row),
    with the same definitions as migration inbox.0005."""
    import importlib

    from django.db import connection

    migration = importlib.import_module("inbox.migrations.0005_search_indexes")
    with connection.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '256MB'")
        cur.execute(migration.FTS)
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for sql in migration.TRIGRAM:
            cur.execute(sql)


# --- measuring -----------------------------------------------------------------------------


def captured_statements(client, url: str, *, htmx: bool) -> list[str]:
    """Warm the view up, then the SQL one request of it runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    for _ in range(WARMUP):
        assert client.get(url, **extra).status_code == 200, url
    with CaptureQueriesContext(connection) as captured:
        client.get(url, **extra)
    return [q["sql"] for q in captured.captured_queries]


def timed_view(client, url: str, *, htmx: bool, rounds: int) -> list[float]:
    """Server time of one request through the whole Django stack."""
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(url, **extra)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return samples


def timed_sql(statements: list[str], *, rounds: int) -> list[float]:
    """The same statements, replayed raw: parse, plan, execute, fetch."""
    from django.db import connection

    samples = []
    reads = [s for s in statements if not s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    writes = [s for s in statements if s not in reads]
    with connection.cursor() as cur:
        for _ in range(rounds):
            start = time.perf_counter()
            for sql in reads + writes:
                cur.execute(sql)
                if cur.description:
                    cur.fetchall()
            samples.append(time.perf_counter() - start)
    return samples


def _main_statement(statements: list[str], marker: str) -> list[str]:
    return [s for s in statements if marker in s][:1]


def ms(values: list[float], pct: float) -> float:
    return round(percentile(values, pct) * 1000, 2)


def report(name: str, view: list[float], bare: list[float], bare_main: list[float]) -> dict:
    row = {
        "view_p50_ms": ms(view, 50),
        "view_p95_ms": ms(view, 95),
        "bare_sql_p50_ms": ms(bare, 50),
        "bare_sql_p95_ms": ms(bare, 95),
        "main_query_p50_ms": ms(bare_main, 50),
        "main_query_p95_ms": ms(bare_main, 95),
    }
    print(
        f"{name:<28} view p50 {row['view_p50_ms']:>7.2f} p95 {row['view_p95_ms']:>7.2f} ms | "
        f"its SQL p50 {row['bare_sql_p50_ms']:>6.2f} p95 {row['bare_sql_p95_ms']:>6.2f} ms | "
        f"main query p50 {row['main_query_p50_ms']:>6.2f} p95 {row['main_query_p95_ms']:>6.2f} ms"
    )
    return row


def measure(client, url: str, *, htmx: bool, marker: str, name: str) -> dict:
    """The view and its SQL, timed in alternating blocks so that both see the
    same machine (a shared, 2-core machine drifts over a minute)."""
    statements = captured_statements(client, url, htmx=htmx)
    main_statement = _main_statement(statements, marker)
    view, bare, bare_main = [], [], []
    for _ in range(max(1, ROUNDS // BLOCK)):
        view += timed_view(client, url, htmx=htmx, rounds=BLOCK)
        bare += timed_sql(statements, rounds=BLOCK)
        bare_main += timed_sql(main_statement, rounds=BLOCK)
    row = report(name, view, bare, bare_main)
    row["queries"] = len(statements)
    return row


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    rng = random.Random(5)
    with bench_database("inbox"):
        from django.conf import settings
        from django.test import Client

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        data = seed(n, rng)
        print(
            f"seeded {data['conversations']:,} conversations and {data['messages']:,} messages "
            f"in {data['seed_s']:.1f} s; officer sees {len(data['visible_channels'])} of "
            f"{TEAMS * CHANNELS_PER_TEAM} channels"
        )
        client = Client()
        client.force_login(data["officer"])
        results = run_measurements(client, data, rng)
    list_ratio = results["list"]["view_p95_ms"] / max(results["list"]["bare_sql_p95_ms"], 1e-6)
    goal_met = results["list"]["view_p95_ms"] < 50 and list_ratio <= 2
    print(
        json.dumps(
            {
                "bench": "inbox",
                "conversations": data["conversations"],
                "messages": data["messages"],
                "list_p50_ms": results["list"]["view_p50_ms"],
                "list_p95_ms": results["list"]["view_p95_ms"],
                "list_bare_sql_p95_ms": results["list"]["bare_sql_p95_ms"],
                "list_page_p95_ms": results["list_page"]["view_p95_ms"],
                "filtered_p95_ms": results["filtered"]["view_p95_ms"],
                "filtered_bare_sql_p95_ms": results["filtered"]["bare_sql_p95_ms"],
                "due_first_p95_ms": results["due_first"]["view_p95_ms"],
                "due_first_bare_sql_p95_ms": results["due_first"]["bare_sql_p95_ms"],
                "conversation_p95_ms": results["conversation"]["view_p95_ms"],
                "conversation_bare_sql_p95_ms": results["conversation"]["bare_sql_p95_ms"],
                "search_p95_ms": results["search"]["view_p95_ms"],
                "search_bare_sql_p95_ms": results["search"]["bare_sql_p95_ms"],
                "details": results,
                "ratio": round(list_ratio, 2),
                "goal": "list p95 < 50 ms and within 2x of bare SQL",
                "goal_met": goal_met,
            }
        )
    )


def run_measurements(client, data, rng) -> dict:
    from inbox.models import Conversation

    channel = data["visible_channels"][0]
    results = {
        "list": measure(
            client,
            "/inbox/",
            htmx=True,
            marker="inbox_conversation",
            name="list, first page (htmx)",
        ),
        "list_page": measure(
            client, "/inbox/", htmx=False, marker="inbox_conversation", name="list, full page"
        ),
        "filtered": measure(
            client,
            f"/inbox/?view=all&channel={channel.pk}&status=open&needs_reply=on",
            htmx=True,
            marker="inbox_conversation",
            name="list, filtered page (htmx)",
        ),
        "due_first": measure(
            client,
            "/inbox/?sort=due",
            htmx=True,
            marker="inbox_conversation",
            name="list, due soonest (htmx)",
        ),
    }
    visible = list(
        Conversation.objects.filter(channel__in=data["visible_channels"])
        .order_by("-last_message_at")
        .values_list("pk", flat=True)[:2000]
    )
    results["conversation"] = measure(
        client,
        f"/inbox/c/{rng.choice(visible)}/",
        htmx=True,
        marker='FROM "inbox_message"',
        name="conversation view (htmx)",
    )
    results["search"] = measure(
        client,
        "/inbox/search/?q=streetlight+Mill+Lane",
        htmx=False,
        marker="to_tsvector",
        name="search",
    )
    return results


if __name__ == "__main__":
    main()
