"""Ingest throughput: the ingest service beside two baselines, same run.

    python bench/ingest.py [ITEMS]      (default 200000; DATABASE_URL=postgres://...)

Items are normalized messages from all five networks in the proportions a
council sees (X, Facebook, Instagram, Bluesky, Mastodon), each with that
network's ids and thread keys (Bluesky's at:// URIs are the longest), public
threads, comments and DMs, one in eight with a picture, from a few thousand
citizens, with 10% re-deliveries mixed in, fed in batches of 500 (one poll of
one channel). Baselines: (a) a bare batched ``INSERT ... ON CONFLICT DO
NOTHING`` of the same message rows (and their pictures' rows) into copies of
the message and media tables with their indexes and foreign keys (the ceiling
for writing the rows at all); (b) naive one-by-one ``get_or_create`` through
the ORM, timed on a sample (it runs at a few hundred rows/s) and reported as a
rate.
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


# Share of traffic, and how each network names its messages and threads.
NETWORKS = {"x": 0.35, "facebook": 0.3, "instagram": 0.15, "bluesky": 0.1, "mastodon": 0.1}


def _shape(network: str, n: int, root: int, author: str, private: bool):
    """(external_id, kind, conversation kind, thread key) as each connector makes them."""
    if network == "x":
        ext, root_id = str(1_790_000_000_000_000_000 + n), str(1_790_000_000_000_000_000 + root)
        if private:
            return ext, "dm", "private", f"dm:{author}-999"
        return ext, "mention", "public", f"tw:{root_id}:{author}"
    if network == "facebook":
        if private:
            return f"m_{n:020d}", "dm", "private", f"fbm:{author}"
        return f"104857600_{n}", "comment", "comment", f"fbc:104857600_{root}:{author}"
    if network == "instagram":
        if private:
            return f"aWdfZAG1faXRlbToxOk{n:030d}", "dm", "private", f"igm:{author}"
        return f"1790{n:013d}", "comment", "comment", f"igc:1790{root:013d}:{author}"
    if network == "bluesky":
        did = f"did:plc:{int(author):024d}"
        if private:
            return f"3l{n:011d}", "dm", "private", f"bsdm:3k{int(author):011d}"
        uri = f"at://{did}/app.bsky.feed.post/3l{n:011d}"
        root_uri = f"at://{did}/app.bsky.feed.post/3l{root:011d}"
        return uri, "reply", "public", f"bs:{root_uri}:{did}"
    ext = str(113_000_000_000_000_000 + n)
    if private:
        return ext, "dm", "private", f"mdm:{author}"
    return ext, "mention", "public", f"mst:{113_000_000_000_000_000 + root}:{author}"


def make_items(count: int, seed: int = 7):
    """Batches of one network each: [(network, [InboundItem, ...]), ...]."""
    from inbox.networks.base import Author, InboundItem, MediaItem

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
    by_network: dict[str, list] = {name: [] for name in NETWORKS}
    names, weights = list(NETWORKS), list(NETWORKS.values())
    for n in range(unique):
        network = rng.choices(names, weights)[0]
        author = rng.choice(authors)
        private = n % 5 == 0
        root = n if rng.random() < 0.5 or n < 10 else rng.randrange(n)
        ext, kind, conversation_kind, thread_key = _shape(
            network, n, root, author.external_id, private
        )
        media = ()
        if n % 8 == 0:
            media = (
                MediaItem(
                    kind="photo",
                    url=f"https://media.example.net/{network}/{n}.jpg",
                    alt_text="A photo of the overflowing bins",
                    key=f"{network}-{n}",
                    width=1200,
                    height=900,
                ),
            )
        by_network[network].append(
            InboundItem(
                network=network,
                external_id=ext,
                kind=kind,
                conversation_kind=conversation_kind,
                thread_key=thread_key,
                contact=author,
                text=f"@council_help message {n} about the bins on Elm Road",
                created_at=start + timedelta(seconds=n * 3),
                raw={"id": ext, "text": "..."},
                media=media,
            )
        )
    batches = []
    for network, items in by_network.items():
        own = [(network, items[i : i + BATCH]) for i in range(0, len(items), BATCH)]
        # Re-deliveries arrive in later polls of the same channel, as overlapping polls would.
        share = round((count - unique) * len(items) / max(1, unique))
        for k in range(share if items else 0):
            own[min(len(own) - 1, (k * len(own)) // max(1, share) + 1)][1].append(
                items[rng.randrange(len(items))]
            )
        batches.extend(own)
    rng.shuffle(batches)  # the channels' polls interleave
    return batches


def settle() -> None:
    """Between phases, outside the timings: let Postgres finish the previous
    phase's background work (autovacuum of its fresh rows, the GIN pending
    list, dirty pages), so no phase pays for the one before it."""
    import psycopg

    # The bench database.
    conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
            with contextlib.suppress(psycopg.Error):  # needs superuser or pg_checkpoint
                cur.execute("CHECKPOINT")
    finally:
        conn.close()


def run_service(channels, batches) -> tuple[float, int]:
    from inbox.services.ingest import messages_ingest

    stored = 0
    with Timer() as t:
        for network, batch in batches:
            stored += messages_ingest(channel=channels[network], items=batch).stored
    return t.seconds, stored


def _bare_tables(cur) -> None:
    """Copies of the message and media tables: their columns, defaults, indexes
    and (which LIKE ... INCLUDING ALL leaves out) their foreign keys, which
    Postgres checks for every row written to the real tables."""
    cur.execute("CREATE TABLE bench_bare (LIKE inbox_message INCLUDING ALL)")
    cur.execute(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'inbox_message'::regclass AND contype = 'f'"
    )
    for (definition,) in cur.fetchall():
        cur.execute(f"ALTER TABLE bench_bare ADD {definition}")
    cur.execute("CREATE TABLE bench_bare_media (LIKE inbox_messagemedia INCLUDING ALL)")
    cur.execute(
        "ALTER TABLE bench_bare_media ADD FOREIGN KEY (message_id) REFERENCES bench_bare (id)"
    )


BARE_MESSAGES = (
    "INSERT INTO bench_bare (conversation_id, channel_id, author_contact_id, direction, kind,"
    " external_id, in_reply_to_external_id, text, sent_at, received_at, metrics, raw, state,"
    " is_automated, attempts, last_error, approval_comment) VALUES %s ON CONFLICT DO NOTHING"
    " RETURNING id, external_id"
)
BARE_MEDIA = (
    "INSERT INTO bench_bare_media (message_id, position, kind, alt_text, key, url, source_url,"
    " width, height, size_bytes, content_type) VALUES %s ON CONFLICT DO NOTHING"
)


def execute_values(cur, sql: str, rows: list[tuple], *, fetch: bool = False) -> list[tuple]:
    """One multi-row INSERT per BATCH rows (``VALUES %s`` in ``sql`` takes the
    rows), as a hand-written loader would send them; with ``fetch``, what it
    RETURNING gives."""
    out: list[tuple] = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        row = "(" + ",".join(["%s"] * len(chunk[0])) + ")"
        cur.execute(sql.replace("%s", ",".join([row] * len(chunk))), [v for r in chunk for v in r])
        if fetch:
            out.extend(cur.fetchall())
    return out


def run_bare(channels, batches) -> float:
    from django.db import connection

    from inbox.models import Contact, Conversation

    # Real rows for the copies to refer to, as the service's rows do.
    contact = Contact.objects.create(network="x", external_id="bare", handle="bare")
    conversations = {
        network: Conversation.objects.create(
            channel=channel, contact=contact, thread_key="bare", last_message_at=datetime.now(UTC)
        )
        for network, channel in channels.items()
    }
    with connection.cursor() as cur:
        _bare_tables(cur)
    now = datetime.now(UTC)
    with Timer() as t:
        raw = connection.connection
        for network, batch in batches:
            conversation = conversations[network]
            rows = [
                (
                    conversation.pk,
                    conversation.channel_id,
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
                new = dict(
                    (ext, pk) for pk, ext in execute_values(cur, BARE_MESSAGES, rows, fetch=True)
                )
                media = [
                    (
                        new[i.external_id],
                        k,
                        m.kind,
                        m.alt_text,
                        m.key,
                        m.url,
                        m.source_url,
                        m.width,
                        m.height,
                        m.size_bytes,
                        "",
                    )
                    for i in batch
                    if i.external_id in new
                    for k, m in enumerate(i.media)
                ]
                if media:
                    execute_values(cur, BARE_MEDIA, media)
            raw.commit()
    with connection.cursor() as cur:  # their pages must not crowd the next phase's cache
        cur.execute("DROP TABLE bench_bare_media, bench_bare")
    for conversation in conversations.values():
        conversation.delete()
    contact.delete()
    return t.seconds


def run_naive(channels, batches, sample: int) -> tuple[float, int]:
    from inbox.models import Contact, Conversation, Message

    items = [i for _, b in batches for i in b][:sample]
    with Timer() as t:
        for item in items:
            channel = channels[item.network]
            contact, _ = Contact.objects.get_or_create(
                network=item.network,
                external_id="naive" + item.contact.external_id,
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

        channels = {
            network: Channel.objects.create(
                network=network, name=f"Bench {network}", handle="@bench", external_account_id="999"
            )
            for network in NETWORKS
        }
        batches = make_items(count)
        total = sum(len(b) for _, b in batches)
        settle()
        bare_s = run_bare(channels, batches)
        settle()
        service_s, stored = run_service(channels, batches)
        settle()
        # A message id is unique per channel: the naive copies carry a prefix.
        naive_s, naive_n = run_naive(channels, batches, sample=min(5000, max(100, count // 20)))
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
                "networks": list(NETWORKS),
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
