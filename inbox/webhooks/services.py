"""Storing and processing webhook deliveries.

A delivery is stored exactly as received (raw bytes) before the network gets
its 200, so nothing accepted can be lost; a re-sent identical payload hits the
unique ``dedupe_hash`` and changes nothing. Processing claims pending rows
with a lease (a conditional update, SKIP LOCKED on Postgres), maps them to
InboundItems and stores them through ``messages_ingest`` (ON CONFLICT on the
message id, so the same message from a webhook and from polling is one row).
A claim whose worker died runs out and the sweeper picks the rows up again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from inbox.models import Channel, Message, Network, WebhookDelivery
from inbox.networks import facebook_mapping, instagram_mapping, x_activity
from inbox.networks.base import InboundItem, Unparseable
from inbox.services.contact_profiles import contact_profiles_request
from inbox.services.ingest import messages_ingest, payloads_quarantine
from socialdesk.tasking import task_enqueue

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(seconds=120)
MAX_ATTEMPTS = 5
KEPT_HEADERS = (
    "content-type",
    "user-agent",
    "x-twitter-webhooks-signature",
    "x-hub-signature-256",
    "x-forwarded-for",
)


def webhook_delivery_store(*, network: str, body: bytes, headers: dict[str, str]) -> None:
    """Keep a signed delivery (committed when this returns); the same payload
    again changes nothing. The caller has already checked the signature.

    One INSERT, committed on its own (autocommit): this is the busiest
    endpoint, and under load each round trip to the database is a wait for the
    CPU too. A look-up first and an insert in a transaction cost five."""
    digest = hashlib.sha256(network.encode() + b"\n" + body).hexdigest()
    kept = {
        k: v[:500] for k, v in ((k.lower(), v) for k, v in headers.items()) if k in KEPT_HEADERS
    }
    delivery = WebhookDelivery(
        dedupe_hash=digest,
        network=network,
        body=body,
        headers=kept,
        signature_ok=True,
        received_at=timezone.now(),
    )
    # Inside a caller's transaction (the demo's history, the tests), a savepoint
    # keeps that transaction usable after a duplicate.
    within = transaction.atomic() if connection.in_atomic_block else nullcontext()
    try:
        with within:
            delivery.save(force_insert=True)
    except IntegrityError:
        # The network sent it again (it retries until it sees our 200).
        if not WebhookDelivery.objects.filter(dedupe_hash=digest).exists():
            raise


# At most one processing run waits in the queue at a time. A run per delivery
# cost the web a broker send per request and the workers a run per delivery that
# mostly found nothing to claim (with the look-up and insert: 5.2 ms of CPU a
# delivery, now about 1.5; at 100 deliveries a second, a third of a core).
WAKE_KEY = "webhooks:run-queued"


def webhook_processing_wake() -> None:
    """Ask for a processing run, unless one is queued and has not started: that
    one will see this delivery, because a run clears the mark before it claims.
    If the queued run is lost, the mark lapses after ``WEBHOOK_WAKE_SECONDS``
    (and the sweeper catches anything older than half a minute)."""
    seconds = settings.WEBHOOK_WAKE_SECONDS
    # ``add`` is False when the mark is there; an unreachable cache answers
    # None, and then a run is asked for anyway.
    if seconds and cache.add(WAKE_KEY, 1, timeout=seconds) is False:
        return
    # The run starts a moment later, so a burst's deliveries share it: a run's
    # fixed cost (claim, channel look-up, one ingest per channel) was most of
    # the workers' CPU at 100 deliveries a second in runs of a handful each.
    gather = settings.WEBHOOK_GATHER_SECONDS if seconds else 0
    task_enqueue(
        "inbox.tasks.process_webhook_deliveries", best_effort=True, countdown=gather or None
    )


def webhook_processing_started() -> None:
    """A run is starting: deliveries from now on ask for the next one."""
    if settings.WEBHOOK_WAKE_SECONDS:
        cache.delete(WAKE_KEY)


@dataclass
class ProcessResult:
    claimed: int = 0
    stored: int = 0
    failed: int = 0


@dataclass
class _Batch:
    """Items per channel, and which deliveries fed each channel."""

    items: dict[int, list[InboundItem]] = field(default_factory=lambda: defaultdict(list))
    bad: dict[int, list[Unparseable]] = field(default_factory=lambda: defaultdict(list))
    feeds: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    errors: dict[int, str] = field(default_factory=dict)
    # Parts of a body that name no account (so no channel), per network.
    orphans: dict[str, list[Unparseable]] = field(default_factory=lambda: defaultdict(list))


def webhook_deliveries_claim(*, limit: int | None = None) -> list[int]:
    """Claim pending deliveries (oldest first) for this worker; returns their ids."""
    now = timezone.now()
    limit = limit or settings.WEBHOOK_BATCH_SIZE
    with transaction.atomic():
        ids = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(processed_at__isnull=True)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("received_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            WebhookDelivery.objects.filter(pk__in=ids).update(
                claimed_until=now + CLAIM_LEASE, attempts=F("attempts") + 1
            )
    return ids


def webhook_deliveries_process(*, limit: int | None = None) -> ProcessResult:
    """Claim a batch and store what it holds. Safe to run from any number of
    workers at once: each delivery is claimed by one of them."""
    ids = webhook_deliveries_claim(limit=limit)
    if not ids:
        return ProcessResult()
    deliveries = list(WebhookDelivery.objects.filter(pk__in=ids).order_by("received_at", "pk"))
    try:
        stored = _process(deliveries)
        return ProcessResult(claimed=len(ids), stored=stored)
    except Exception:  # a bad row must not hold the others back: retry them one by one
        log.exception("webhook batch of %d failed; retrying one by one", len(ids))
    result = ProcessResult(claimed=len(ids))
    for delivery in deliveries:
        try:
            result.stored += _process([delivery])
        except Exception as exc:  # recorded on the row, retried until MAX_ATTEMPTS
            log.exception("webhook delivery %s failed", delivery.pk)
            result.failed += 1
            _record_failure(delivery, exc)
    return result


def _record_failure(delivery: WebhookDelivery, exc: Exception) -> None:
    fields: dict[str, Any] = {"error": f"{exc.__class__.__name__}: {exc}"[:2000]}
    if delivery.attempts >= MAX_ATTEMPTS:
        fields["processed_at"] = timezone.now()  # give up: kept, with its error, for a person
    else:
        fields["claimed_until"] = None
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)


def _process(deliveries: list[WebhookDelivery]) -> int:
    batch = _Batch()
    stored = 0
    with transaction.atomic():
        channels = _channels_for(deliveries, batch)
        for channel_id, channel in channels.items():
            items, bad = batch.items[channel_id], batch.bad[channel_id]
            if items or bad:
                result = messages_ingest(
                    channel=channel, items=items, unparseable=bad, source="webhook"
                )
                stored += result.stored
                contact_profiles_request(
                    channel=channel,
                    external_ids={
                        i.contact.external_id for i in items if not i.contact.display_name
                    },
                )
        for network, bad in batch.orphans.items():
            payloads_quarantine(channel=None, network=network, source="webhook", bad=bad)
        _mark_processed(deliveries, batch)
    return stored


def _mark_processed(deliveries: list[WebhookDelivery], batch: _Batch) -> None:
    """One UPDATE per (channel, error) group: usually one for the whole batch."""
    now = timezone.now()
    channel_of = {d: c for c, ds in batch.feeds.items() for d in ds}
    groups: dict[tuple[int | None, str], list[int]] = defaultdict(list)
    for delivery in deliveries:
        key = (channel_of.get(delivery.pk), batch.errors.get(delivery.pk, "")[:2000])
        groups[key].append(delivery.pk)
    for (channel_id, error), ids in groups.items():
        WebhookDelivery.objects.filter(pk__in=ids, processed_at__isnull=True).update(
            processed_at=now, claimed_until=None, channel_id=channel_id, error=error
        )


def _channels_for(deliveries: list[WebhookDelivery], batch: _Batch) -> dict[int, Channel]:
    """Parse every delivery, find its channel(s), and map its items into the batch."""
    parsed: list[tuple[WebhookDelivery, str, str, Any]] = []  # delivery, network, account, part
    for delivery in deliveries:
        try:
            parsed.extend(_split(delivery, batch))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            batch.errors[delivery.pk] = f"unreadable payload: {_reason(exc)}"
            _quarantine(delivery, _reason(exc))
    wanted = {(network, account) for _, network, account, _ in parsed}
    channels = {
        (c.network, c.external_account_id): c
        for c in Channel.objects.filter(
            network__in={n for n, _ in wanted},
            external_account_id__in={a for _, a in wanted},
            is_active=True,
        )
    }
    conversations = _x_conversations(parsed, channels)
    for delivery, network, account, part in parsed:
        channel = channels.get((network, account))
        if channel is None:
            batch.errors[delivery.pk] = f"no active {network} channel for account {account}"
            continue
        if network == Network.X:
            items, bad = x_activity.activity_items(part, conversations=conversations[channel.pk])
        elif network == Network.INSTAGRAM:
            items, bad = instagram_mapping.webhook_items(part, account_id=account)
        else:
            items, bad = facebook_mapping.webhook_items(part, page_id=account)
        batch.items[channel.pk].extend(items)
        batch.bad[channel.pk].extend(bad)
        batch.feeds[channel.pk].add(delivery.pk)
    return {c.pk: c for c in channels.values()}


def _reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"the body is not JSON ({exc.msg} at character {exc.pos})"
    if isinstance(exc, UnicodeDecodeError):
        return "the body is not UTF-8 text"
    if isinstance(exc, RecursionError):
        return "the body is nested too deeply to read"
    return str(exc)


def _split(delivery: WebhookDelivery, batch: _Batch) -> list[tuple[WebhookDelivery, str, str, Any]]:
    """One part per account the payload is for (Meta batches several Pages).
    Entries naming no Page are kept in ``batch.orphans``; the rest go on."""
    payload = json.loads(bytes(delivery.body))
    if delivery.network == Network.X:
        return [(delivery, Network.X, x_activity.account_of(payload), payload)]
    # Meta posts Instagram events (object "instagram", entries keyed by the
    # Instagram account id) to the same app endpoint as the Page's.
    if isinstance(payload, dict) and payload.get("object") == "instagram":
        network = Network.INSTAGRAM
        grouped, orphans = instagram_mapping.webhook_entries(payload)
    else:
        network = Network.FACEBOOK
        grouped, orphans = facebook_mapping.webhook_entries(payload)
    batch.orphans[network].extend(orphans)
    return [(delivery, network, account, entries) for account, entries in grouped.items()]


def _x_conversations(
    parsed: list[tuple[WebhookDelivery, str, str, Any]], channels: dict[tuple[str, str], Channel]
) -> dict[int, dict[str, str]]:
    """Per X channel: tweet id -> conversation id for every replied-to tweet we
    already store, read from its conversation's thread key (``tw:{conv}:{author}``)."""
    parents: dict[int, set[str]] = defaultdict(set)
    for _, network, account, part in parsed:
        channel = channels.get((network, account))
        if network == Network.X and channel is not None:
            parents[channel.pk] |= x_activity.reply_parents(part)
    found: dict[int, dict[str, str]] = defaultdict(dict)
    for channel_id, ids in parents.items():
        for ext_id, key in Message.objects.filter(
            channel_id=channel_id, external_id__in=ids
        ).values_list("external_id", "conversation__thread_key"):
            if ext_id is not None and key.startswith("tw:"):
                found[channel_id][ext_id] = key.split(":")[1]
    return found


def _quarantine(delivery: WebhookDelivery, error: str) -> None:
    """A whole body nobody can read: kept as text, as it may not be JSON."""
    payloads_quarantine(
        channel=None,
        network=delivery.network,
        source="webhook",
        bad=[
            Unparseable(
                payload={"body": bytes(delivery.body).decode("utf-8", "replace")[:100_000]},
                error=f"webhook delivery {delivery.pk}: {error}",
            )
        ],
    )


def webhook_deliveries_stuck(*, older_than: timedelta = timedelta(seconds=30)) -> int:
    """How many deliveries wait unprocessed with no live claim (their task was
    lost, or the worker was down when they came). The sweeper processes them."""
    now = timezone.now()
    return (
        WebhookDelivery.objects.filter(processed_at__isnull=True, received_at__lt=now - older_than)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .count()
    )


def webhook_deliveries_prune(*, older_than: timedelta | None = None) -> int:
    """Drop processed deliveries past the retention period: their messages are
    stored (with the raw item) and the raw envelope is no longer needed."""
    days = settings.WEBHOOK_RETENTION_DAYS
    cutoff = timezone.now() - (older_than or timedelta(days=days))
    deleted, _ = WebhookDelivery.objects.filter(
        processed_at__isnull=False, processed_at__lt=cutoff
    ).delete()
    return deleted
