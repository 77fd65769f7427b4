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
import logging
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Value
from django.utils import timezone

from events.models import Event
from inbox.models import (
    Channel,
    Contact,
    Conversation,
    ConversationKind,
    DeliveryState,
    Direction,
    Message,
    MessageMedia,
    Network,
    Priority,
    QuarantinedPayload,
    Status,
)
from inbox.networks.base import Author, InboundItem, Unparseable
from inbox.services import cycle
from inbox.services.bulk import BATCH, db_value, insert_rows, insert_rows_then, select_by_keys
from inbox.services.media_text import media_summary
from inbox.services.pictures_apart import sent_apart_ids

PREVIEW_LENGTH = 280


def _max_length(model: type[models.Model], name: str) -> int:
    length = getattr(model._meta.get_field(name), "max_length", None)
    if not isinstance(length, int):
        raise TypeError(f"{model.__name__}.{name} has no max_length")
    return length


HANDLE_LENGTH = _max_length(Contact, "handle")
NAME_LENGTH = _max_length(Contact, "display_name")
ID_LENGTH = _max_length(Contact, "external_id")
MESSAGE_ID_LENGTH = _max_length(Message, "external_id")
REPLY_TO_LENGTH = _max_length(Message, "in_reply_to_external_id")
THREAD_KEY_LENGTH = _max_length(Conversation, "thread_key")
# Characters Postgres cannot store in text or jsonb: NUL and lone UTF-16
# surrogates (a JSON "\ud800" decodes to one). Replaced, never dropped silently.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_ESCAPE = re.compile(r"\\u(0000|d[89a-f])", re.IGNORECASE)
REPLACEMENT = "\ufffd"

log = logging.getLogger("socialdesk.ingest")


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
    in the same transaction, so the cursor never moves past unstored items.
    An item that cannot be stored is quarantined with the unparseable ones."""
    storable, refused = _storable_items(items)
    bad = [*unparseable, *refused]
    with transaction.atomic():
        distinct, altered = _distinct_oldest_first(storable)
        distinct = _without_pictures_sent_apart(channel, distinct)
        stored = 0
        if distinct:
            contact_ids = _contacts_upsert(channel.network, [i.contact for i in distinct])
            existing, conv_ids = _conversations_for(channel, distinct, contact_ids)
            inserted = _messages_insert(channel, distinct, conv_ids, contact_ids, altered)
            _empty_conversations_drop(existing, conv_ids, inserted)
            stored = len(inserted)
            _media_insert(inserted)
            reopened, unsnoozed = _conversations_update(existing, inserted)
            if not _events_in_insert():
                _message_events_append(channel, conv_ids, inserted)
            _reopened_events_append(channel, reopened)
            _unsnoozed_events_append(channel, unsnoozed)
        payloads_quarantine(channel=channel, network=channel.network, source=source, bad=bad)
        if cursor is not None:
            Channel.objects.filter(pk=channel.pk).update(poll_cursor=cursor)
            channel.poll_cursor = cursor
    return IngestResult(received=len(items), stored=stored, quarantined=len(bad))


def payloads_quarantine(
    *, channel: Channel | None, network: str, source: str, bad: Sequence[Unparseable]
) -> None:
    """Keep unreadable payloads with their reasons for an admin, and log one
    line each once the caller's transaction commits (a rolled-back batch
    quarantined nothing). The log names the channel, network, reason and
    external id, never the payload: it may hold a citizen's words."""
    if not bad:
        return
    QuarantinedPayload.objects.bulk_create(
        [
            QuarantinedPayload(
                channel=channel,
                network=network,
                source=source,
                error=b.error[:2000],
                external_id=b.external_id[:100],
                payload=_quarantine_value(b.payload),
            )
            for b in bad
        ]
    )
    channel_id = channel.pk if channel is not None else None
    lines = [(b.error[:500], b.external_id[:100]) for b in bad]
    transaction.on_commit(lambda: _log_quarantined(channel_id, network, source, lines))


def _log_quarantined(
    channel_id: int | None, network: str, source: str, lines: list[tuple[str, str]]
) -> None:
    for reason, external_id in lines:
        log.warning(
            "payload quarantined: channel=%s network=%s source=%s external_id=%s reason=%s",
            channel_id,
            network,
            source,
            external_id or "-",
            reason,
            extra={
                "channel_id": channel_id,
                "network": network,
                "source": source,
                "reason": reason,
                "external_id": external_id,
            },
        )


def _quarantine_value(payload: Any) -> Any:
    """The payload as storable JSON. A JSON null stays a JSON null: given as
    plain None, Django would write SQL NULL, which the column refuses."""
    value = _storable_json(payload)
    return Value(None, output_field=models.JSONField()) if value is None else value


def _storable_json(value: Any) -> Any:
    """``value`` as JSON both databases accept: unstorable characters replaced,
    non-finite numbers (Python's json reads NaN) as text, anything that is not
    JSON at all as its description."""
    try:
        dumped = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return _walk(value, depth=0)
    return _walk(value, depth=0) if UNSTORABLE_ESCAPE.search(dumped) else value


def _walk(value: Any, *, depth: int) -> Any:
    if depth > 100:
        return "(nested too deeply)"
    if isinstance(value, str):
        return UNSTORABLE.sub(REPLACEMENT, value)
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, dict):
        return {_walk(str(k), depth=depth + 1): _walk(v, depth=depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_walk(v, depth=depth + 1) for v in value]
    return UNSTORABLE.sub(REPLACEMENT, repr(value))[:10000]


def _clean(text: str) -> str:
    # Postgres text cannot hold NUL or lone surrogates; a hostile post must not sink its batch.
    return UNSTORABLE.sub(REPLACEMENT, text)


def _dumps(value: Any) -> str:
    return json.dumps(_storable_json(value), allow_nan=False)


def _storable_items(items: Sequence[InboundItem]) -> tuple[list[InboundItem], list[Unparseable]]:
    """Items whose fields fit their columns, and the others as unparseable.
    Mappers already refuse what they cannot read; this keeps one item that
    slipped through from failing its whole batch."""
    ok: list[InboundItem] = []
    refused: list[Unparseable] = []
    for item in items:
        reason = _unstorable_reason(item)
        if reason is None:
            ok.append(item)
        else:
            payload = item.raw if item.raw else {"external_id": str(item.external_id)}
            refused.append(
                Unparseable(
                    payload=payload,
                    error=f"{item.network} item cannot be stored: {reason}",
                    external_id=str(item.external_id)[:100],
                )
            )
    return ok, refused


def _unstorable_reason(item: InboundItem) -> str | None:
    limits = (
        ("external id", item.external_id, MESSAGE_ID_LENGTH),
        ("thread key", item.thread_key, THREAD_KEY_LENGTH),
        ("contact id", item.contact.external_id, ID_LENGTH),
        ("in-reply-to id", item.in_reply_to, REPLY_TO_LENGTH),
        ("kind", item.kind, 16),
        ("conversation kind", item.conversation_kind, 16),
        ("direction", item.direction, 3),
    )
    for name, value, limit in limits:
        if not isinstance(value, str):
            return f"its {name} is not text"
        if len(value) > limit:
            return f"its {name} is too long"
    if not item.external_id or not item.thread_key or not item.contact.external_id:
        return "it has an empty id"
    if not all(
        isinstance(v, str) for v in (item.text, item.contact.handle, item.contact.display_name)
    ):
        return "its text or author's name is not text"
    if not isinstance(item.created_at, datetime) or item.created_at.tzinfo is None:
        return "its time is not a time with a zone"
    followers = item.contact.followers_count
    if isinstance(followers, bool) or not isinstance(followers, int) or not 0 <= followers < 2**31:
        return "its author's follower count is out of range"
    if not isinstance(item.metrics, dict) or not isinstance(item.raw, dict):
        return "its metrics or raw payload is not an object"
    return None


def _distinct_oldest_first(items: Sequence[InboundItem]) -> tuple[list[InboundItem], set[str]]:
    """One item per external id, oldest first. Items already stored are not
    looked up first: the message insert skips them (ON CONFLICT DO NOTHING)
    and only rows it inserted go on to summaries and events. A look-up cost a
    third of a typical batch to save work only on re-deliveries. Also returns
    the ids of the items whose text had to be altered to be stored."""
    by_id: dict[str, InboundItem] = {}
    for item in items:
        by_id.setdefault(item.external_id, item)
    distinct = []
    altered = set()
    for item in by_id.values():
        if UNSTORABLE.search(item.text):
            item = replace(item, text=_clean(item.text))
            altered.add(item.external_id)
        distinct.append(item)
    distinct.sort(key=lambda i: (i.created_at, _id_order(i.external_id)))
    return distinct, altered


def _without_pictures_sent_apart(channel: Channel, items: list[InboundItem]) -> list[InboundItem]:
    """Drop our picture-only messages that belong to a reply SocialDesk sent
    (Messenger and Instagram send a reply's picture apart from its text): the
    reply already shows the picture. Looked up only when such an item is here."""
    candidates = [
        i.external_id
        for i in items
        if i.direction == Direction.OUT and i.media and not i.text.strip()
    ]
    ours = sent_apart_ids(channel.pk, candidates)
    return [i for i in items if i.external_id not in ours] if ours else items


def _id_order(external_id: str) -> int:
    return int(external_id) if external_id.isascii() and external_id.isdigit() else 0


def _contacts_upsert(network: str, authors: list[Author]) -> dict[str, int]:
    """Insert new contacts, refresh changed profiles; returns external id -> pk."""
    latest: dict[str, Author] = {}
    for author in authors:
        latest[author.external_id] = author  # items are oldest first: keep the newest profile
    keys = list(latest)
    existing = {
        row[1]: _ContactRow(*row)
        for row in select_by_keys(
            Contact._meta.db_table,
            (
                "id",
                "external_id",
                "handle",
                "display_name",
                "followers_count",
                "verified",
                "profile_truncated",
            ),
            key="external_id",
            keys=keys,
            where="network = %s",
            params=[network],
        )
    }
    now = timezone.now()
    new = [
        (
            network,
            a.external_id,
            *_profile(a),
            a.followers_count,
            a.verified,
            False,
            "",
            False,
            now,
            now,
        )
        for ext_id, a in latest.items()
        if ext_id not in existing
    ]
    ids = {ext_id: c.pk for ext_id, c in existing.items()}
    ids.update(
        (ext_id, pk)
        for pk, ext_id in insert_rows(
            Contact._meta.db_table,
            (
                "network",
                "external_id",
                "handle",
                "display_name",
                "profile_truncated",
                "followers_count",
                "verified",
                "blocked",
                "blocked_reason",
                "is_detractor",
                "created_at",
                "updated_at",
            ),
            new,
            ignore_conflicts=True,
            returning=("id", "external_id"),
        )
    )
    raced = [row[1] for row in new if row[1] not in ids]  # created by a concurrent batch
    if raced:
        ids.update(
            Contact.objects.filter(network=network, external_id__in=raced).values_list(
                "external_id", "pk"
            )
        )
    _contacts_refresh(existing, latest)
    return ids


def _profile(author: Author) -> tuple[str, str, bool]:
    """Handle and name cut to their columns (the same on SQLite, which would
    store more, and Postgres, which would fail the batch), and whether either was cut."""
    handle, name = _clean(author.handle), _clean(author.display_name)
    cut = len(handle) > HANDLE_LENGTH or len(name) > NAME_LENGTH
    return handle[:HANDLE_LENGTH], name[:NAME_LENGTH], cut


@dataclass(slots=True)
class _ContactRow:
    pk: int
    external_id: str
    handle: str
    display_name: str
    followers_count: int
    verified: bool
    profile_truncated: bool


_PROFILE_FIELDS = ["handle", "display_name", "profile_truncated", "followers_count", "verified"]


def _contacts_refresh(existing: dict[str, _ContactRow], latest: dict[str, Author]) -> None:
    changed = []
    for ext_id, contact in existing.items():
        a = latest[ext_id]
        handle, name, cut = _profile(a)
        # A profile that gives neither field keeps the stored ones, and their flag.
        keeps_old = not (a.handle or a.display_name)
        profile = (
            handle or contact.handle,
            name or contact.display_name,
            bool(contact.profile_truncated) if keeps_old else cut,
            a.followers_count or contact.followers_count,
            a.verified,
        )
        stored = (
            contact.handle,
            contact.display_name,
            bool(contact.profile_truncated),
            contact.followers_count,
            contact.verified,
        )
        if profile != stored:
            changed.append(
                Contact(pk=contact.pk, **dict(zip(_PROFILE_FIELDS, profile, strict=True)))
            )
    if changed:
        Contact.objects.bulk_update(changed, _PROFILE_FIELDS, batch_size=BATCH)


_SUMMARY = (
    ("last_message_at", "timestamptz"),
    ("last_message_preview", "varchar"),
    ("last_inbound_at", "timestamptz"),
    ("status", "varchar"),
    ("first_response_at", "timestamptz"),
    ("awaiting_since", "timestamptz"),
    ("reply_window_closes_at", "timestamptz"),
    ("snoozed_until", "timestamptz"),
)

# Messenger's 24-hour rule (issue 4): a Page may answer a private conversation
# only until 24 hours after the person's last message. Kept on the
# conversation so the composer can show it and reply_create can refuse a reply
# Facebook would refuse anyway. Null for every other kind of conversation.
MESSENGER_WINDOW = timedelta(hours=24)


def _preview(item: InboundItem) -> str:
    """The inbox line for a message: its text, or for a message with no words
    (a photo sent alone on Messenger) what was attached, so it is not blank."""
    text = item.text.strip()
    if text or not item.media:
        return item.text[:PREVIEW_LENGTH]
    return media_summary([m.kind for m in item.media])


def _reply_window_closes_at(item: InboundItem, last_inbound_at: Any) -> Any:
    if (
        item.network in (Network.FACEBOOK, Network.INSTAGRAM)
        and item.conversation_kind == ConversationKind.PRIVATE
        and last_inbound_at is not None
    ):
        return last_inbound_at + MESSENGER_WINDOW
    return None


def _conversations_for(
    channel: Channel, items: list[InboundItem], contact_ids: dict[str, int]
) -> tuple[dict[str, _ConversationRow], dict[str, int]]:
    """Existing conversations by thread key, locked in pk order (concurrent
    batches cannot deadlock) for a later update, and the pk of every thread's
    conversation. New ones are inserted with their summary already computed."""
    per_thread: dict[str, list[InboundItem]] = defaultdict(list)
    for item in items:
        per_thread[item.thread_key].append(item)
    existing = _locked_by_key(channel, list(per_thread))
    missing = [key for key in per_thread if key not in existing]
    now = timezone.now()
    rows = []
    for key in missing:
        thread = per_thread[key]
        inbound = [i.created_at for i in thread if i.direction == Direction.IN]
        newest = thread[-1]
        last_inbound = max(inbound) if inbound else None
        state = _cycle_fold(cycle.CycleState(Status.NEW), thread).state
        rows.append(
            (
                contact_ids[thread[0].contact.external_id],
                thread[0].conversation_kind,
                key,
                newest.created_at,
                _preview(newest),
                last_inbound,
                state.awaiting_since,
                state.first_response_at,
                _reply_window_closes_at(thread[0], last_inbound),
            )
        )
    created = dict(
        (key, pk)
        for pk, key in insert_rows(
            Conversation._meta.db_table,
            (
                "contact_id",
                "kind",
                "thread_key",
                "last_message_at",
                "last_message_preview",
                "last_inbound_at",
                "awaiting_since",
                "first_response_at",
                "reply_window_closes_at",
            ),
            rows,
            ignore_conflicts=True,
            returning=("id", "thread_key"),
            nullable=(
                "last_inbound_at",
                "awaiting_since",
                "first_response_at",
                "reply_window_closes_at",
            ),
            constants={
                "channel_id": channel.pk,
                "status": Status.NEW,
                "priority": Priority.NORMAL,
                "created_at": now,
            },
        )
    )
    raced = [key for key in missing if key not in created]  # a concurrent batch made them
    if raced:
        existing.update(_locked_by_key(channel, raced))
    return existing, {**{key: conv.pk for key, conv in existing.items()}, **created}


def _empty_conversations_drop(
    existing: dict[str, _ConversationRow],
    conv_ids: dict[str, int],
    inserted: list[tuple[int, InboundItem]],
) -> None:
    """A conversation this call created whose messages were all stored before,
    under another thread key (a network reusing an id, or a thread key that a
    release computes differently), would be an empty thread in the inbox: it
    goes, in the same transaction, so nothing is stored half-way."""
    filled = {item.thread_key for _, item in inserted}
    empty = [pk for key, pk in conv_ids.items() if key not in existing and key not in filled]
    if empty:  # rare: the ORM's delete and its cascade checks cost nothing here
        Conversation.objects.filter(pk__in=empty).delete()


@dataclass(slots=True)
class _ConversationRow:
    """The part of a conversation ingest reads and writes (no model overhead)."""

    pk: int
    thread_key: str
    last_message_at: Any
    last_message_preview: str
    last_inbound_at: Any
    status: str
    first_response_at: Any
    awaiting_since: Any
    reply_window_closes_at: Any
    snoozed_until: Any


def _locked_by_key(channel: Channel, keys: list[str]) -> dict[str, _ConversationRow]:
    rows = select_by_keys(
        Conversation._meta.db_table,
        ("id", "thread_key", *(col for col, _ in _SUMMARY)),
        key="thread_key",
        keys=keys,
        where="channel_id = %s",
        params=[channel.pk],
        order_by="id",
        lock=True,
    )
    return {row[1]: _ConversationRow(*row) for row in rows}


# Plain strings for the rows: the CSV writer would call each enum's
# Python-level __str__, once per field.
_IN, _OUT = Direction.IN.value, Direction.OUT.value
_SENT, _RECEIVED = DeliveryState.SENT.value, DeliveryState.RECEIVED.value

MESSAGE_COLUMNS = (
    "conversation_id",
    "direction",
    "kind",
    "external_id",
    "in_reply_to_external_id",
    "author_contact_id",
    "text",
    "altered",
    "sent_at",
    "metrics",
    "raw",
    "state",
)


def _messages_insert(
    channel: Channel,
    items: list[InboundItem],
    conv_ids: dict[str, int],
    contact_ids: dict[str, int],
    altered: set[str],
) -> list[tuple[int, InboundItem]]:
    """Only rows this call actually inserted come back (a concurrent run of the
    same batch gets the others), so each message gets exactly one event."""
    now = timezone.now()
    rows = []
    for item in items:
        outbound = item.direction == Direction.OUT
        rows.append(
            (
                conv_ids[item.thread_key],
                _OUT if outbound else _IN,
                item.kind,
                item.external_id,
                item.in_reply_to,
                None if outbound else contact_ids[item.contact.external_id],
                item.text,
                item.external_id in altered,
                item.created_at,
                _dumps(item.metrics) if item.metrics else "{}",
                _dumps(item.raw),
                _SENT if outbound else _RECEIVED,
            )
        )
    # The same in every row: sent once with the statement, not per row.
    constants = {
        "channel_id": channel.pk,
        "received_at": now,
        "is_automated": False,
        "attempts": 0,
        "last_error": "",
        "approval_comment": "",
    }
    by_id = {item.external_id: item for item in items}
    if _events_in_insert():
        # Each inserted row's event is written by the same statement (see
        # _MESSAGE_EVENTS): one round trip, and no event rows built in Python.
        stored = insert_rows_then(
            Message._meta.db_table,
            MESSAGE_COLUMNS,
            rows,
            returning=("id", "external_id", "conversation_id", "direction", "kind", "sent_at"),
            then=_MESSAGE_EVENTS,
            params=[timezone.now(), channel.pk],
            nullable=("author_contact_id",),
            constants=constants,
        )
    else:
        stored = insert_rows(
            Message._meta.db_table,
            MESSAGE_COLUMNS,
            rows,
            ignore_conflicts=True,
            returning=("id", "external_id"),
            nullable=("author_contact_id",),
            constants=constants,
        )
    return [(row[0], by_id[row[1]]) for row in stored]


MEDIA_COLUMNS = (
    "message_id",
    "position",
    "kind",
    "alt_text",
    "key",
    "url",
    "source_url",
    "width",
    "height",
    "size_bytes",
)


def _media_insert(inserted: list[tuple[int, InboundItem]]) -> None:
    """The media of the messages this call inserted, in the same transaction.
    Only new messages get rows, so a replayed batch adds none; the unique
    (message, position) constraint would refuse a second copy anyway."""
    rows = [
        (
            pk,
            position,
            media.kind,
            _clean(media.alt_text),
            media.key,
            media.url,
            media.source_url,
            media.width,
            media.height,
            media.size_bytes,
        )
        for pk, item in inserted
        for position, media in enumerate(item.media)
    ]
    if rows:
        insert_rows(
            MessageMedia._meta.db_table,
            MEDIA_COLUMNS,
            rows,
            ignore_conflicts=True,
            nullable=("width", "height", "size_bytes"),
            constants={"content_type": ""},
        )


def _events_in_insert() -> bool:
    return connection.vendor == "postgresql"


# The message.received / message.seen_outbound event of each inserted row,
# the same shape _message_events_append builds in Python for SQLite (sent_at
# as UTC ISO text, as the session's time zone is UTC: spike rules compare it).
_MESSAGE_EVENTS = (
    f"INSERT INTO {Event._meta.db_table} "  # noqa: S608 - a table name, no input
    "(type, at, channel_id, conversation_id, message_id, data) "
    "SELECT CASE WHEN direction = 'in' THEN 'message.received' "
    "ELSE 'message.seen_outbound' END, %s, %s, conversation_id, id, "
    "jsonb_build_object('external_id', external_id, 'kind', kind, 'sent_at', sent_at) FROM ins"
)


def _conversations_update(
    existing: dict[str, _ConversationRow], inserted: list[tuple[int, InboundItem]]
) -> tuple[list[tuple[_ConversationRow, str]], list[tuple[_ConversationRow, Any]]]:
    """Keep existing conversations' inbox summary current, and their cycle by
    the cycle rule: new inbound awaits an answer (waking a pending, resolved
    or snoozed conversation), an outbound message our account posted on the
    network answers it. Returns (conversation, previous status) for woken
    ones, and (conversation, snoozed until) for those whose snooze it ended."""
    per_conv: dict[str, list[InboundItem]] = defaultdict(list)
    # In stored order (message id), the order the KPI rebuild replays them in.
    for _pk, item in sorted(inserted, key=lambda row: row[0]):
        if item.thread_key in existing:
            per_conv[item.thread_key].append(item)
    woken: list[tuple[_ConversationRow, str]] = []
    unsnoozed: list[tuple[_ConversationRow, Any]] = []
    changed = []
    for key, new_items in per_conv.items():
        conv = existing[key]
        newest = max(new_items, key=lambda i: i.created_at)
        if newest.created_at >= conv.last_message_at:
            conv.last_message_at = newest.created_at
            conv.last_message_preview = _preview(newest)
        inbound = [i.created_at for i in new_items if i.direction == Direction.IN]
        if inbound:
            conv.last_inbound_at = max(filter(None, [conv.last_inbound_at, max(inbound)]))
            conv.reply_window_closes_at = _reply_window_closes_at(
                new_items[0], conv.last_inbound_at
            )
        before = cycle.CycleState(
            conv.status, conv.awaiting_since, conv.first_response_at, conv.snoozed_until
        )
        step = _cycle_fold(before, new_items)
        if step.woke:
            woken.append((conv, step.woke))
        if step.unsnoozed:
            unsnoozed.append((conv, conv.snoozed_until))
        conv.status = step.state.status
        conv.awaiting_since = step.state.awaiting_since
        conv.first_response_at = step.state.first_response_at
        conv.snoozed_until = step.state.snoozed_until
        changed.append(conv)
    _conversations_write(changed)
    return woken, unsnoozed


def _cycle_fold(state: cycle.CycleState, items: list[InboundItem]) -> cycle.Step:
    """Apply a thread's new messages to its cycle, in order. The step says
    the first status a citizen's message woke it from, if any."""
    woke, unsnoozed = None, False
    for item in items:
        if item.direction == Direction.IN:
            step = cycle.after_inbound(state, sent_at=item.created_at)
            woke = woke or step.woke
            unsnoozed = unsnoozed or step.unsnoozed
        else:
            # Seen on the network, not sent by SocialDesk (polling drops our
            # own echoes): a person at the account answered.
            step = cycle.after_answer(state, at=item.created_at)
        state = step.state
    return cycle.Step(state, woke=woke, unsnoozed=unsnoozed)


def _conversations_write(conversations: list[_ConversationRow]) -> None:
    """One UPDATE ... FROM (VALUES ...) per batch. Django's bulk_update builds
    a CASE per column and row, which made it 80% of ingest time."""
    if not conversations:
        return
    table = Conversation._meta.db_table
    postgres = connection.vendor == "postgresql"
    sets = ", ".join(
        f"{col} = CAST(v.column{i + 2} AS {typ})" if postgres else f"{col} = v.column{i + 2}"
        for i, (col, typ) in enumerate(_SUMMARY)
    )
    width = len(_SUMMARY) + 1
    with connection.cursor() as cur:
        for start in range(0, len(conversations), BATCH):
            chunk = conversations[start : start + BATCH]
            params = []
            for conv in chunk:
                params.append(conv.pk)
                params.extend(db_value(getattr(conv, col)) for col, _ in _SUMMARY)
            values = ",".join(["(" + ",".join(["%s"] * width) + ")"] * len(chunk))
            cur.execute(
                f"UPDATE {table} SET {sets} FROM (VALUES {values}) AS v "  # noqa: S608
                f"WHERE {table}.id = v.column1",
                params,
            )


def _message_events_append(
    channel: Channel, conv_ids: dict[str, int], inserted: list[tuple[int, InboundItem]]
) -> None:
    now = timezone.now()
    rows = [
        (
            "message.received" if item.direction == Direction.IN else "message.seen_outbound",
            now,
            channel.pk,
            conv_ids[item.thread_key],
            pk,
            _dumps(
                {
                    "external_id": item.external_id,
                    "kind": item.kind,
                    "sent_at": item.created_at.astimezone(UTC).isoformat(),
                }
            ),
        )
        for pk, item in inserted
    ]
    _events_insert(rows)


def _reopened_events_append(channel: Channel, reopened: list[tuple[_ConversationRow, str]]) -> None:
    """A status event for each conversation a citizen's message woke."""
    now = timezone.now()
    _events_insert(
        [
            (
                "conversation.status_changed",
                now,
                channel.pk,
                conv.pk,
                None,
                _dumps({"from": previous, "to": Status.OPEN, "reason": "new inbound message"}),
            )
            for conv, previous in reopened
        ]
    )


def _unsnoozed_events_append(
    channel: Channel, unsnoozed: list[tuple[_ConversationRow, Any]]
) -> None:
    """A wake event for each snoozed conversation a citizen's message woke."""
    now = timezone.now()
    _events_insert(
        [
            (
                "conversation.woken",
                now,
                channel.pk,
                conv.pk,
                None,
                _dumps(
                    {
                        "reason": "new inbound message",
                        "snoozed_until": until.astimezone(UTC).isoformat(),
                    }
                ),
            )
            for conv, until in unsnoozed
        ]
    )


def _events_insert(rows: list[tuple]) -> None:
    insert_rows(
        Event._meta.db_table,
        ("type", "at", "channel_id", "conversation_id", "message_id", "data"),
        rows,
        nullable=("message_id",),
    )
