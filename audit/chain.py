"""Sealing the event log into a hash chain, and verifying it.

Events are written by many transactions at once, and ids are not committed in
order, so sealing runs after the fact (a beat task every few seconds) rather
than on the write path: ingest stays fast, and one sealer at a time (an
advisory lock on Postgres) appends links in event-id order, picking up
late-committed events in a later pass.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max

from audit.models import EventSeal
from events.models import Event

GENESIS = "0" * 64
LATE_WINDOW = 10_000  # how far behind the chain head an unsealed event is still looked for
_LOCK_ID = 742_001


def canonical(event: Event) -> bytes:
    return json.dumps(
        {
            "id": event.pk,
            "type": event.type,
            "at": event.at.isoformat(),
            "actor": event.actor_id,
            "channel": event.channel_id,
            "conversation": event.conversation_id,
            "message": event.message_id,
            "data": event.data,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    ).encode()


def link(prev_hash: str, event: Event) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(event)).hexdigest()


def events_seal(*, limit: int = 5000) -> int:
    """Append seals for unsealed events, oldest id first. Returns how many."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_ID])
        head = EventSeal.objects.order_by("-seq").first()
        prev = head.hash if head else GENESIS
        top = EventSeal.objects.aggregate(m=Max("event_id"))["m"] or 0
        sealed = set(
            EventSeal.objects.filter(event_id__gt=top - LATE_WINDOW).values_list(
                "event_id", flat=True
            )
        )
        candidates = Event.objects.filter(pk__gt=top - LATE_WINDOW).order_by("pk")
        seals = []
        for event in candidates.iterator(chunk_size=2000):
            if event.pk in sealed:
                continue
            digest = link(prev, event)
            seals.append(EventSeal(event_id=event.pk, prev_hash=prev, hash=digest))
            prev = digest
            if len(seals) >= limit:
                break
        EventSeal.objects.bulk_create(seals, batch_size=1000)
    return len(seals)


@dataclass(frozen=True)
class Break:
    seq: int
    event_id: int
    problem: str


def chain_verify() -> tuple[int, Break | None]:
    """Walk the chain; return (links checked, first break or None)."""
    prev = GENESIS
    checked = 0
    seals = EventSeal.objects.order_by("seq").values_list("seq", "event_id", "prev_hash", "hash")
    batch: list[tuple] = []

    def check(rows) -> Break | None:
        nonlocal prev, checked
        events = Event.objects.in_bulk([r[1] for r in rows])
        for seq, event_id, prev_hash, digest in rows:
            if prev_hash != prev:
                return Break(seq, event_id, "the link before it was removed or altered")
            event = events.get(event_id)
            if event is None:
                return Break(seq, event_id, "the event was deleted")
            if link(prev, event) != digest:
                return Break(seq, event_id, "the event was changed after it was sealed")
            prev = digest
            checked += 1
        return None

    for row in seals.iterator(chunk_size=2000):
        batch.append(row)
        if len(batch) == 2000:
            if broken := check(batch):
                return checked, broken
            batch = []
    if batch and (broken := check(batch)):
        return checked, broken
    return checked, None
