"""One escalation evaluation pass at scale, beside the bare SQL it rests on.

    python bench/escalation.py [N]      (default 50000; DATABASE_URL=postgres://...)

Seeds N open conversations on 10 channels (half with staffed hours and
out-of-hours replies on, one of them closed at the time of the run; one a
Facebook Page), awaiting replies that arrived
over the last 90 minutes, so every minute hundreds cross their warning,
target and limit; six active rules (keywords, breached target with levels,
influential authors, detractors, the Messenger window, a volume spike).
Then: a cold pass (computes every due time), an idle pass, and the timed
pass one minute later after 300 new inbound messages arrive through the
real ingest service. The bare SQL is the indexed selection of the
conversations now past due. Works in a throwaway database, dropped after.
Goal: one pass under 2 s at 50k open conversations (it has a minute).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
from datetime import UTC, datetime, time, timedelta

from _db import Timer, bench_database

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialdesk.settings")
# E-mail and task messages stay in memory unless a broker is given: the
# bench measures the pass, not a mail server or a broker's disk.
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")

# A Wednesday, 11:00 in London: inside office hours.
NOW = datetime(2026, 11, 18, 11, 0, tzinfo=UTC)
CHANNELS = 10
NEW_MESSAGES = 300


def _copy(table: str, columns: list[str], rows) -> None:
    """COPY rows in (None is NULL; every string is quoted so "" stays empty)."""
    from django.db import connection

    def cell(value) -> str:
        if value is None:
            return ""  # unquoted empty: NULL
        if isinstance(value, bool | int | float):
            return str(value)
        return '"' + str(value).replace('"', '""') + '"'

    text = "".join(",".join(cell(v) for v in row) + "\n" for row in rows)
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
    with connection.cursor() as cur, cur.cursor.copy(sql) as copy:
        copy.write(text)


def seed_config():
    from accounts.models import Membership, Role, Team, User
    from escalation.models import (
        EscalationLevel,
        EscalationRule,
        OpeningInterval,
        StaffedHours,
        TargetStage,
    )
    from inbox.models import Channel

    team = Team.objects.create(name="Comms", slug="comms")
    users = [
        User.objects.create(username=f"officer{i}", email=f"o{i}@bench.example") for i in range(3)
    ]
    for i, user in enumerate(users):
        Membership.objects.create(
            user=user, team=team, role=Role.MANAGER if i == 0 else Role.OFFICER
        )
    channels = []
    for i in range(CHANNELS):
        network = "facebook" if i == CHANNELS - 1 else "x"
        channel = Channel.objects.create(
            network=network, name=f"Bench {i}", handle=f"@b{i}", external_account_id=str(9000 + i)
        )
        channel.teams.add(team)
        channels.append(channel)
        if i % 2 == 0:
            # Office hours; channel 8 is an evening service, closed at NOW, so
            # its new messages get out-of-hours replies in the timed pass.
            start, end = (time(17), time(23)) if i == 8 else (time(8), time(18))
            hours = StaffedHours.objects.create(channel=channel, holiday_region="GB-ENG")
            OpeningInterval.objects.bulk_create(
                [OpeningInterval(hours=hours, weekday=d, start=start, end=end) for d in range(5)]
            )
    threats = EscalationRule.objects.create(name="Threats", keywords="bomb\nkill myself")
    late = EscalationRule.objects.create(name="Late", target_stage=TargetStage.BREACHED)
    EscalationRule.objects.create(name="Press", min_followers=50_000, verified_author=True)
    EscalationRule.objects.create(name="Detractors", detractor=True)
    EscalationRule.objects.create(name="Window", messenger_window_hours=4)
    spike = EscalationRule.objects.create(name="Spike", spike_count=1000, spike_minutes=10)
    for rule in (threats, late, spike):
        EscalationLevel.objects.create(rule=rule, number=1, name="Officer").users.add(users[1])
        EscalationLevel.objects.create(rule=rule, number=2, name="Lead").users.add(users[0])
    return channels


# The message rows seed_conversations builds, in this order.
SEED_MESSAGE_COLUMNS = (
    "conversation_id",
    "channel_id",
    "direction",
    "kind",
    "external_id",
    "in_reply_to_external_id",
    "author_contact_id",
    "text",
    "sent_at",
    "received_at",
    "metrics",
    "raw",
    "state",
    "is_automated",
    "attempts",
    "last_error",
    "approval_comment",
)


def seed_conversations(count: int, channels) -> None:
    from django.db.models import Max

    from escalation.models import ScanCursor
    from inbox.models import Message

    rng = random.Random(11)
    contacts = max(1, count // 2)
    _copy(
        "inbox_contact",
        [
            "network",
            "external_id",
            "handle",
            "display_name",
            "followers_count",
            "verified",
            "blocked",
            "blocked_reason",
            "is_detractor",
            "created_at",
            "updated_at",
        ],
        (
            (
                "x",
                str(100_000 + i),
                f"resident{i}",
                f"Resident {i}",
                rng.choice([10, 200, 3000, 80_000]) if i % 50 == 0 else rng.randint(0, 900),
                i % 997 == 0,
                False,
                "",
                i % 499 == 0,
                NOW.isoformat(),
                NOW.isoformat(),
            )
            for i in range(contacts)
        ),
    )
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT min(id) FROM inbox_contact")
        first_contact = cur.fetchone()[0]
    conv_rows, msg_rows = [], []
    for n in range(count):
        channel = channels[n % len(channels)]
        arrived = NOW - timedelta(seconds=rng.randrange(90 * 60))
        answered = n % 5 == 0
        status = "pending" if n % 10 == 1 else ("open" if n % 3 else "new")
        kind = "private" if channel.network == "facebook" or n % 4 == 0 else "public"
        conv_rows.append(
            (
                channel.pk,
                first_contact + n % contacts,
                kind,
                f"bench:{n}",
                status,
                n % 3,
                None,
                None,
                arrived.isoformat(),
                "My bin was not collected",
                arrived.isoformat(),
                None if answered else arrived.isoformat(),
                None,
                None,
                arrived.isoformat(),
            )
        )
    _copy(
        "inbox_conversation",
        [
            "channel_id",
            "contact_id",
            "kind",
            "thread_key",
            "status",
            "priority",
            "assignee_id",
            "team_id",
            "last_message_at",
            "last_message_preview",
            "last_inbound_at",
            "awaiting_since",
            "first_response_at",
            "due_at",
            "created_at",
        ],
        conv_rows,
    )
    with connection.cursor() as cur:
        cur.execute("SELECT id, channel_id, contact_id, last_inbound_at FROM inbox_conversation")
        convs = cur.fetchall()
    for conv_id, channel_id, contact_id, at in convs:
        msg_rows.append(
            (
                conv_id,
                channel_id,
                "in",
                "mention",
                f"m{conv_id}",
                "",
                contact_id,
                "My bin was not collected on Elm Road",
                at.isoformat(),
                (at + timedelta(seconds=5)).isoformat(),
                "{}",
                "{}",
                "received",
                False,
                0,
                "",
                "",
            )
        )
    _copy(
        "inbox_message",
        list(SEED_MESSAGE_COLUMNS),
        msg_rows,
    )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    # History is already scanned: the pass looks at what arrives from now on.
    newest = Message.objects.aggregate(m=Max("pk"))["m"] or 0
    ScanCursor.objects.update_or_create(name="messages", defaults={"last_message_id": newest})


def new_messages(channels, count: int) -> None:
    from inbox.networks.base import Author, InboundItem
    from inbox.services.ingest import messages_ingest

    rng = random.Random(5)
    at = NOW + timedelta(seconds=30)
    per_channel: dict = {}
    for n in range(count):
        channel = channels[n % len(channels)]
        existing = n % 3 == 0
        author = Author(
            external_id=str(100_000 + rng.randrange(1000)) if existing else str(900_000 + n),
            handle=f"new{n}",
        )
        text = "there is a bomb in the library" if n % 30 == 0 else "When is the bin day?"
        per_channel.setdefault(channel, []).append(
            InboundItem(
                network=channel.network,
                external_id=str(5_000_000 + n),
                kind="dm",
                conversation_kind="private",
                thread_key=f"dm:{author.external_id}",
                contact=author,
                text=text,
                created_at=at,
            )
        )
    for channel, items in per_channel.items():
        messages_ingest(channel=channel, items=items)


def bare_sql(now: datetime) -> tuple[float, float, int]:
    """Median ms of the two ways to select what is past due now."""
    from django.db import connection

    queries = [
        ("SELECT conversation_id FROM escalation_conversationtarget WHERE due_at <= %s", [now]),
        (
            "SELECT id FROM inbox_conversation WHERE status <> 'resolved' "
            "AND awaiting_since IS NOT NULL AND due_at <= %s",
            [now],
        ),
    ]
    results = []
    found = 0
    for sql, params in queries:
        times = []
        for _ in range(5):
            with Timer() as t, connection.cursor() as cur:
                cur.execute(sql, params)
                found = len(cur.fetchall())
            times.append(t.seconds * 1000)
        results.append(statistics.median(times))
    return results[0], results[1], found


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    with bench_database(f"escalation_{os.getpid()}"):
        from escalation.services.evaluation import evaluation_run

        channels = seed_config()
        with Timer() as seeding:
            seed_conversations(count, channels)
        cold = evaluation_run(now=NOW)
        idle = evaluation_run(now=NOW)
        new_messages(channels, min(NEW_MESSAGES, max(10, count // 10)))
        timed = evaluation_run(now=NOW + timedelta(minutes=1))
        target_ms, conv_ms, due = bare_sql(NOW + timedelta(minutes=1))
    pass_ms = timed.seconds * 1000
    bare_ms = min(target_ms, conv_ms)
    print(
        f"open conversations:     {count:>10,} (seeded in {seeding.seconds:.1f} s; "
        f"broker {os.environ['CELERY_BROKER_URL'].split('@')[-1]})"
    )
    print(
        f"cold pass:              {cold.seconds * 1000:>10,.0f} ms  "
        f"(computes {cold.targets_recomputed:,} due times; "
        f"{sum(cold.stage_events.values()):,} stage events)"
    )
    print(f"idle pass:              {idle.seconds * 1000:>10,.0f} ms")
    print(
        f"timed pass:             {pass_ms:>10,.0f} ms  ({timed.messages_scanned} new messages, "
        f"{timed.targets_recomputed} due times recomputed, stage events {timed.stage_events}, "
        f"{timed.escalations_raised} escalations, {timed.autoreplies} auto-replies)"
    )
    print(f"bare SQL, target index: {target_ms:>10,.1f} ms  ({due:,} past due)")
    print(f"bare SQL, conversation: {conv_ms:>10,.1f} ms")
    print(
        json.dumps(
            {
                "bench": "escalation",
                "conversations": count,
                "pass_ms": round(pass_ms, 1),
                "bare_sql_ms": round(bare_ms, 2),
                "ratio": round(pass_ms / bare_ms, 1),
                "goal": "one pass under 2 s at 50k open conversations",
                "goal_met": pass_ms < 2000,
            }
        )
    )


if __name__ == "__main__":
    main()
