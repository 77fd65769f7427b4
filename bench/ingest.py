"""Ingest throughput: the ingest service beside two baselines, same run.

    python bench/ingest.py [ITEMS]      (default 200000; DATABASE_URL=postgres://...)

Items are normalized X mentions and DMs from a few thousand citizens, with 10%
re-deliveries mixed in, fed in batches of 500 (one poll's worth). Baselines:
(a) a bare batched ``INSERT ... ON CONFLICT DO NOTHING`` of the same message
rows into a copy of the message table with its indexes and foreign keys (the
ceiling for writing the rows at all); (b) naive one-by-one ``get_or_create`` through the ORM, timed on a
sample (it runs at a few hundred rows/s) and reported as a rate.
Goal: the service reaches >= 50% of (a) and >= 10x (b).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sys
from datetime import UTC, datetime, timedelta

from _db import Timer, bench_database

BATCH = 500


def make_items(count: int, seed: int = 7):
    from inbox.networks.base import Author, InboundItem

    rng = random.Random(seed)
    unique = int(count * 0.9)
    authors = [
        Author(
            external_id=str(10_000 + i),
            handle=f"resident{i}",
            display_name=f"Resident {i}",
            followers_count=rng.randint(0, 5000),
        )
        for i in range(max(50, unique // 20))
    ]
    start = datetime(2026, 11, 1, tzinfo=UTC)
    items = []
    for n in range(unique):
        author = rng.choice(authors)
        private = n % 5 == 0
        ext = str(1_790_000_000_000_000_000 + n)
        root = (
            ext
            if rng.random() < 0.5 or n < 10
            else str(1_790_000_000_000_000_000 + rng.randrange(n))
        )
        items.append(
            InboundItem(
                network="x",
                external_id=ext,
                kind="dm" if private else "mention",
                conversation_kind="private" if private else "public",
                thread_key=f"dm:{author.external_id}-999"
                if private
                else f"tw:{root}:{author.external_id}",
                contact=author,
                text=f"@council_help message {n} about the bins on Elm Road",
                created_at=start + timedelta(seconds=n * 3),
                raw={"id": ext, "text": "..."},
            )
        )
    redeliveries = [items[rng.randrange(unique)] for _ in range(count - unique)]
    # Re-deliveries arrive in later batches, interleaved, as overlapping polls would.
    batches = [items[i : i + BATCH] for i in range(0, unique, BATCH)]
    for k, item in enumerate(redeliveries):
        batches[min(len(batches) - 1, (k * len(batches)) // max(1, len(redeliveries)) + 1)].append(
            item
        )
    return batches


def settle() -> None:
    """Between phases, outside the timings: let Postgres finish the previous
    phase's background work (autovacuum of its fresh rows, the GIN pending
    list, dirty pages), so no phase pays for the one before it."""
    import psycopg2

    conn = psycopg2.connect(os.environ["DATABASE_URL"])  # the bench database
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
            with contextlib.suppress(psycopg2.Error):  # needs superuser or pg_checkpoint
                cur.execute("CHECKPOINT")
    finally:
        conn.close()


def run_service(channel, batches) -> tuple[float, int]:
    from inbox.services.ingest import messages_ingest

    stored = 0
    with Timer() as t:
        for batch in batches:
            stored += messages_ingest(channel=channel, items=batch).stored
    return t.seconds, stored


def _bare_table(cur) -> None:
    """A copy of the message table: its columns, defaults, indexes and (which
    LIKE ... INCLUDING ALL leaves out) its foreign keys, which Postgres checks
    for every row written to the real table."""
    cur.execute("CREATE TABLE bench_bare (LIKE inbox_message INCLUDING ALL)")
    cur.execute(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'inbox_message'::regclass AND contype = 'f'"
    )
    for (definition,) in cur.fetchall():
        cur.execute(f"ALTER TABLE bench_bare ADD {definition}")


def run_bare(channel, batches) -> float:
    from django.db import connection
    from psycopg2.extras import execute_values

    from inbox.models import Contact, Conversation

    # Real rows for the copies to refer to, as the service's rows do.
    contact = Contact.objects.create(network="x", external_id="bare", handle="bare")
    conversation = Conversation.objects.create(
        channel=channel, contact=contact, thread_key="bare", last_message_at=datetime.now(UTC)
    )
    with connection.cursor() as cur:
        _bare_table(cur)
    sql = (
        "INSERT INTO bench_bare (conversation_id, channel_id, author_contact_id, direction, kind,"
        " external_id, in_reply_to_external_id, text, sent_at, received_at, metrics, raw, state,"
        " is_automated, attempts, last_error, approval_comment) VALUES %s ON CONFLICT DO NOTHING"
    )
    now = datetime.now(UTC)
    with Timer() as t:
        raw = connection.connection
        for batch in batches:
            rows = [
                (
                    conversation.pk,
                    channel.pk,
                    contact.pk,
                    "in",
                    i.kind,
                    i.external_id,
                    "",
                    i.text,
                    i.created_at,
                    now,
                    "{}",
                    json.dumps(i.raw),
                    "received",
                    False,
                    0,
                    "",
                    "",
                )
                for i in batch
            ]
            with raw.cursor() as cur:
                execute_values(cur, sql, rows, page_size=BATCH)
            raw.commit()
    with connection.cursor() as cur:  # its pages must not crowd the next phase's cache
        cur.execute("DROP TABLE bench_bare")
    conversation.delete()
    contact.delete()
    return t.seconds


def run_naive(channel, batches, sample: int) -> tuple[float, int]:
    from inbox.models import Contact, Conversation, Message

    items = [i for b in batches for i in b][:sample]
    with Timer() as t:
        for item in items:
            contact, _ = Contact.objects.get_or_create(
                network="x",
                external_id=item.contact.external_id,
                defaults={"handle": item.contact.handle, "display_name": item.contact.display_name},
            )
            conv, _ = Conversation.objects.get_or_create(
                channel=channel,
                thread_key="naive:" + item.thread_key,
                defaults={
                    "contact": contact,
                    "kind": item.conversation_kind,
                    "last_message_at": item.created_at,
                },
            )
            Message.objects.get_or_create(
                channel=channel,
                external_id="naive" + item.external_id,
                defaults={
                    "conversation": conv,
                    "direction": "in",
                    "text": item.text,
                    "sent_at": item.created_at,
                    "author_contact": contact,
                },
            )
    return t.seconds, len(items)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    with bench_database("ingest"):
        from inbox.models import Channel

        channel = Channel.objects.create(
            network="x", name="Bench", handle="@bench", external_account_id="999"
        )
        other = Channel.objects.create(
            network="x", name="Naive", handle="@naive", external_account_id="998"
        )
        batches = make_items(count)
        total = sum(len(b) for b in batches)
        settle()
        bare_s = run_bare(channel, batches)
        settle()
        service_s, stored = run_service(channel, batches)
        settle()
        naive_s, naive_n = run_naive(other, batches, sample=min(5000, max(100, count // 20)))
    service_rate = total / service_s
    bare_rate = total / bare_s
    naive_rate = naive_n / naive_s
    print(f"items offered:        {total:>10,} ({stored:,} new messages stored)")
    print(f"ingest service:       {service_rate:>10,.0f} items/s  ({service_s:.1f} s)")
    print(f"(a) bare INSERT ON CONFLICT: {bare_rate:>10,.0f} rows/s  ({bare_s:.1f} s)")
    print(f"(b) naive get_or_create:     {naive_rate:>10,.0f} items/s  (sample of {naive_n:,})")
    vs_bare = service_rate / bare_rate
    vs_naive = service_rate / naive_rate
    print(
        json.dumps(
            {
                "bench": "ingest",
                "items": total,
                "stored": stored,
                "service_items_per_s": round(service_rate),
                "bare_rows_per_s": round(bare_rate),
                "naive_items_per_s": round(naive_rate),
                "ratio": round(vs_bare, 3),
                "ratio_vs_naive": round(vs_naive, 1),
                "goal": ">= 50% of bare INSERT ON CONFLICT and >= 10x naive get_or_create",
                "goal_met": vs_bare >= 0.5 and vs_naive >= 10,
            }
        )
    )


if __name__ == "__main__":
    main()
