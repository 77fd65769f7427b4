"""Normalized network items -> inbox rows: bulk, idempotent, threaded.

One call stores one batch (a poll, or a few hundred webhook deliveries) in one
transaction: contacts upserted, conversations found or created, messages
inserted with ON CONFLICT DO NOTHING on (channel, external id), conversation
summaries updated, one ``message.received`` event per new message, unreadable
payloads quarantined, and the channel cursor advanced. Re-delivery, overlap
and out-of-order pages change nothing; concurrent runs of the same batch each
store only what they inserted themselves.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from inbox.models import (
    Channel,
    Contact,
    Conversation,
    DeliveryState,
    Direction,
    Event,
    Message,
    QuarantinedPayload,
    Status,
)
from inbox.networks.base import Author, InboundItem, Unparseable

BATCH = 500
PREVIEW_LENGTH = 280


@dataclass(frozen=True)
class IngestResult:
    received: int  # items offered
    stored: int  # new messages written by this call
    quarantined: int


def messages_ingest(
    *,
    channel: Channel,
    items: Sequence[InboundItem],
    unparseable: Iterable[Unparseable] = (),
    cursor: dict[str, Any] | None = None,
    source: str = "poll",
) -> IngestResult:
    """Store a batch. ``cursor`` (if given) replaces the channel's poll cursor
    in the same transaction, so the cursor never moves past unstored items."""
    bad = list(unparseable)
    with transaction.atomic():
        fresh = _unseen(channel, items)
        stored = 0
        if fresh:
            contact_ids = _contacts_upsert(channel.network, [i.contact for i in fresh])
            conversations = _conversations_lock(channel, fresh, contact_ids)
            inserted = _messages_insert(channel, fresh, conversations, contact_ids)
            stored = len(inserted)
            if inserted:
                reopened = _conversations_update(conversations, inserted)
                _events_append(channel, conversations, inserted, reopened)
        if bad:
            QuarantinedPayload.objects.bulk_create(
                [
                    QuarantinedPayload(
                        channel=channel,
                        source=source,
                        error=b.error[:2000],
                        payload=_jsonable(b.payload),
                    )
                    for b in bad
                ]
            )
        if cursor is not None:
            Channel.objects.filter(pk=channel.pk).update(poll_cursor=cursor)
            channel.poll_cursor = cursor
    return IngestResult(received=len(items), stored=stored, quarantined=len(bad))


def _jsonable(payload: Any) -> Any:
    try:
        json.dumps(payload)
        return payload
    except (TypeError, ValueError):
        return {"unserialisable": repr(payload)[:10000]}


def _unseen(channel: Channel, items: Sequence[InboundItem]) -> list[InboundItem]:
    """Items not stored yet, one per external id, oldest first. (The insert
    still guards with ON CONFLICT; this just skips work for re-deliveries.)"""
    by_id: dict[str, InboundItem] = {}
    for item in items:
        by_id.setdefault(item.external_id, item)
    known: set[str] = set()
    ids = list(by_id)
    for start in range(0, len(ids), BATCH):
        known.update(
            Message.objects.filter(
                channel=channel, external_id__in=ids[start : start + BATCH]
            ).values_list("external_id", flat=True)
        )
    fresh = [item for ext_id, item in by_id.items() if ext_id not in known]
    fresh.sort(key=lambda i: (i.created_at, _id_order(i.external_id)))
    return fresh


def _id_order(external_id: str) -> int:
    return int(external_id) if external_id.isdigit() else 0


def _contacts_upsert(network: str, authors: list[Author]) -> dict[str, int]:
    """Insert new contacts, refresh changed profiles; returns external id -> pk."""
    latest: dict[str, Author] = {}
    for author in authors:
        latest[author.external_id] = author  # items are oldest first: keep the newest profile
    existing = {
        c.external_id: c
        for start in range(0, len(latest), BATCH)
        for c in Contact.objects.filter(
            network=network, external_id__in=list(latest)[start : start + BATCH]
        ).only("pk", "external_id", "handle", "display_name", "followers_count", "verified")
    }
    new = [
        Contact(
            network=network,
            external_id=a.external_id,
            handle=a.handle,
            display_name=a.display_name,
            followers_count=a.followers_count,
            verified=a.verified,
        )
        for ext_id, a in latest.items()
        if ext_id not in existing
    ]
    if new:
        Contact.objects.bulk_create(new, batch_size=BATCH, ignore_conflicts=True)
    changed = []
    for ext_id, contact in existing.items():
        a = latest[ext_id]
        profile = (
            a.handle or contact.handle,
            a.display_name or contact.display_name,
            a.followers_count or contact.followers_count,
            a.verified,
        )
        if profile != (
            contact.handle,
            contact.display_name,
            contact.followers_count,
            contact.verified,
        ):
            contact.handle, contact.display_name, contact.followers_count, contact.verified = (
                profile
            )
            changed.append(contact)
    if changed:
        Contact.objects.bulk_update(
            changed, ["handle", "display_name", "followers_count", "verified"], batch_size=BATCH
        )
    ids = {ext_id: c.pk for ext_id, c in existing.items()}
    if new:
        ids.update(
            Contact.objects.filter(
                network=network, external_id__in=[c.external_id for c in new]
            ).values_list("external_id", "pk")
        )
    return ids


def _conversations_lock(
    channel: Channel, items: list[InboundItem], contact_ids: dict[str, int]
) -> dict[str, Conversation]:
    """Find or create each thread's conversation and lock them (in pk order, so
    concurrent batches cannot deadlock)."""
    first: dict[str, InboundItem] = {}
    for item in items:
        first.setdefault(item.thread_key, item)
    keys = list(first)
    Conversation.objects.bulk_create(
        [
            Conversation(
                channel=channel,
                contact_id=contact_ids[item.contact.external_id],
                kind=item.conversation_kind,
                thread_key=key,
                last_message_at=item.created_at,
            )
            for key, item in first.items()
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    found: dict[str, Conversation] = {}
    for start in range(0, len(keys), BATCH):
        for conv in (
            Conversation.objects.select_for_update()
            .filter(channel=channel, thread_key__in=keys[start : start + BATCH])
            .order_by("pk")
        ):
            found[conv.thread_key] = conv
    return found


_COLUMNS = (
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
)


def _messages_insert(
    channel: Channel,
    items: list[InboundItem],
    conversations: dict[str, Conversation],
    contact_ids: dict[str, int],
) -> list[tuple[int, InboundItem]]:
    """Multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING: only rows this call
    actually inserted come back (a concurrent run gets the others)."""
    now = timezone.now()
    by_id = {item.external_id: item for item in items}
    inserted: list[tuple[int, InboundItem]] = []
    table = Message._meta.db_table
    with connection.cursor() as cur:
        for start in range(0, len(items), BATCH):
            chunk = items[start : start + BATCH]
            rows = []
            for item in chunk:
                outbound = item.direction == Direction.OUT
                rows.extend(
                    [
                        conversations[item.thread_key].pk,
                        channel.pk,
                        Direction.OUT if outbound else Direction.IN,
                        item.kind,
                        item.external_id,
                        item.in_reply_to,
                        None if outbound else contact_ids[item.contact.external_id],
                        item.text,
                        item.created_at,
                        now,
                        json.dumps(item.metrics),
                        json.dumps(item.raw),
                        DeliveryState.SENT if outbound else DeliveryState.RECEIVED,
                        False,
                        0,
                        "",
                    ]
                )
            placeholders = ",".join(["(" + ",".join(["%s"] * len(_COLUMNS)) + ")"] * len(chunk))
            cur.execute(
                f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES {placeholders} "  # noqa: S608
                "ON CONFLICT DO NOTHING RETURNING id, external_id",
                rows,
            )
            inserted.extend((pk, by_id[ext_id]) for pk, ext_id in cur.fetchall())
    return inserted


def _conversations_update(
    conversations: dict[str, Conversation], inserted: list[tuple[int, InboundItem]]
) -> list[tuple[Conversation, str]]:
    """Keep each conversation's inbox summary current; reopen resolved ones on
    new inbound. Returns (conversation, previous status) for reopened ones."""
    per_conv: dict[str, list[InboundItem]] = defaultdict(list)
    for _pk, item in inserted:
        per_conv[item.thread_key].append(item)
    reopened: list[tuple[Conversation, str]] = []
    changed = []
    for key, new_items in per_conv.items():
        conv = conversations[key]
        newest = max(new_items, key=lambda i: i.created_at)
        if conv.last_message_preview == "" or newest.created_at >= conv.last_message_at:
            conv.last_message_at = newest.created_at
            conv.last_message_preview = newest.text[:PREVIEW_LENGTH]
        inbound = [i for i in new_items if i.direction == Direction.IN]
        if inbound:
            latest_in = max(i.created_at for i in inbound)
            conv.last_inbound_at = max(filter(None, [conv.last_inbound_at, latest_in]))
            if conv.status == Status.RESOLVED:
                reopened.append((conv, conv.status))
                conv.status = Status.OPEN
                conv.first_response_at = None
                conv.awaiting_since = min(i.created_at for i in inbound)
            elif conv.awaiting_since is None:
                conv.awaiting_since = min(i.created_at for i in inbound)
        changed.append(conv)
    Conversation.objects.bulk_update(
        changed,
        [
            "last_message_at",
            "last_message_preview",
            "last_inbound_at",
            "status",
            "first_response_at",
            "awaiting_since",
        ],
        batch_size=BATCH,
    )
    return reopened


def _events_append(
    channel: Channel,
    conversations: dict[str, Conversation],
    inserted: list[tuple[int, InboundItem]],
    reopened: list[tuple[Conversation, str]],
) -> None:
    now = timezone.now()
    events = [
        Event(
            type="message.received" if item.direction == Direction.IN else "message.seen_outbound",
            at=now,
            channel_id=channel.pk,
            conversation_id=conversations[item.thread_key].pk,
            message_id=pk,
            data={
                "external_id": item.external_id,
                "kind": item.kind,
                "sent_at": item.created_at.isoformat(),
            },
        )
        for pk, item in inserted
    ]
    events.extend(
        Event(
            type="conversation.status_changed",
            at=now,
            channel_id=channel.pk,
            conversation_id=conv.pk,
            data={"from": previous, "to": Status.OPEN, "reason": "new inbound message"},
        )
        for conv, previous in reopened
    )
    Event.objects.bulk_create(events, batch_size=BATCH)
