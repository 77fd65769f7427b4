"""SocialDesk's own Prometheus metrics, computed at scrape time.

Nothing is counted on the side in a worker's memory (workers are many
processes and restart): each scrape reads the database with a fixed set of
five aggregate queries, whatever the number of channels or messages, plus
one broker call for the queue depth. django-prometheus adds the request
metrics (latency by view) from its middleware.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max, Min, Q
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from escalation.models import Escalation
from events.models import Event
from inbox.models import Channel, DeliveryState, Direction, Message, WebhookDelivery

log = logging.getLogger(__name__)

OUTBOUND_STATES = (DeliveryState.QUEUED, DeliveryState.SENDING, DeliveryState.UNCONFIRMED)


def _age(now: datetime, moment: datetime | None) -> float:
    return max((now - moment).total_seconds(), 0.0) if moment else 0.0


def _ingest(now: datetime) -> Iterator[GaugeMetricFamily]:
    """Items stored per network in the window, and how long they took from the
    network's timestamp to being visible here (the event's time)."""
    window = settings.METRICS_WINDOW_SECONDS
    latency = ExpressionWrapper(F("at") - F("message__sent_at"), output_field=DurationField())
    rows = (
        Event.objects.filter(type="message.received", at__gte=now - timedelta(seconds=window))
        .values("channel__network")
        .annotate(n=Count("id"), avg=Avg(latency), worst=Max(latency))
        .order_by()
    )
    count = GaugeMetricFamily(
        "socialdesk_ingested_items",
        f"Inbound items stored in the last {window} s, per network",
        labels=["network"],
    )
    avg = GaugeMetricFamily(
        "socialdesk_ingest_latency_avg_seconds",
        f"Mean time from the network's timestamp to visible, last {window} s",
        labels=["network"],
    )
    worst = GaugeMetricFamily(
        "socialdesk_ingest_latency_max_seconds",
        f"Longest time from the network's timestamp to visible, last {window} s",
        labels=["network"],
    )
    for row in rows:
        network = row["channel__network"] or "unknown"
        count.add_metric([network], row["n"])
        avg.add_metric([network], row["avg"].total_seconds() if row["avg"] else 0.0)
        worst.add_metric([network], row["worst"].total_seconds() if row["worst"] else 0.0)
    yield from (count, avg, worst)


def _channels(now: datetime) -> Iterator[GaugeMetricFamily]:
    lag = GaugeMetricFamily(
        "socialdesk_poll_lag_seconds",
        "Seconds since the channel was last polled (since created if never)",
        labels=["channel", "network"],
    )
    failing = GaugeMetricFamily(
        "socialdesk_channel_poll_failures",
        "Failed polls in a row per channel",
        labels=["channel", "network"],
    )
    rows = Channel.objects.filter(is_active=True).values_list(
        "pk", "network", "last_polled_at", "created_at", "poll_failures"
    )
    for pk, network, polled, created, failures in rows:
        lag.add_metric([str(pk), network], _age(now, polled or created))
        failing.add_metric([str(pk), network], failures)
    yield from (lag, failing)


def _webhooks(now: datetime) -> Iterator[GaugeMetricFamily]:
    row = WebhookDelivery.objects.filter(processed_at__isnull=True).aggregate(
        n=Count("id"), oldest=Min("received_at")
    )
    yield GaugeMetricFamily(
        "socialdesk_webhook_deliveries_pending",
        "Webhook deliveries stored, not processed yet",
        value=row["n"],
    )
    yield GaugeMetricFamily(
        "socialdesk_webhook_oldest_pending_seconds",
        "Age of the oldest unprocessed webhook delivery",
        value=_age(now, row["oldest"]),
    )


def _outbound(now: datetime) -> Iterator[GaugeMetricFamily]:
    # Stuck: a send whose lease ran out (its worker died mid-call) or whose
    # outcome is unknown; the sweeper retries them, so a lasting count is news.
    stuck = Q(state=DeliveryState.SENDING, send_lease_until__lt=now) | Q(
        state=DeliveryState.UNCONFIRMED
    )
    aggregates: dict[str, Count | Min] = {}
    for state in ("queued", "sending"):
        aggregates[f"{state}_n"] = Count("id", filter=Q(state=state))
        aggregates[f"{state}_oldest"] = Min("received_at", filter=Q(state=state))
    row = Message.objects.filter(direction=Direction.OUT, state__in=OUTBOUND_STATES).aggregate(
        stuck_n=Count("id", filter=stuck),
        stuck_oldest=Min("received_at", filter=stuck),
        **aggregates,
    )
    count = GaugeMetricFamily(
        "socialdesk_outbound_messages", "Outbound messages by state", labels=["state"]
    )
    oldest = GaugeMetricFamily(
        "socialdesk_outbound_oldest_seconds",
        "Age of the oldest outbound message in the state",
        labels=["state"],
    )
    for state in ("queued", "sending", "stuck"):
        count.add_metric([state], row[f"{state}_n"])
        oldest.add_metric([state], _age(now, row[f"{state}_oldest"]))
    yield from (count, oldest)


def _escalations() -> Iterator[GaugeMetricFamily]:
    yield GaugeMetricFamily(
        "socialdesk_escalations_open",
        "Escalations raised and not acknowledged",
        value=Escalation.objects.filter(acknowledged_at__isnull=True).count(),
    )


def celery_queue_depth() -> int | None:
    """Messages waiting in the default Celery queue; None when unreadable."""
    from socialdesk.celery import app

    queue = app.conf.task_default_queue
    try:
        with app.connection_for_read() as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, timeout=settings.HEALTH_BROKER_TIMEOUT
            )
            channel = conn.default_channel
            return channel.queue_declare(queue=queue).message_count
    except Exception:
        # A missing queue (nothing ever published) or a broker down: not a
        # scrape failure; the broker check and the absent gauge say it.
        log.warning("celery queue depth unreadable")
        return None


class SocialDeskCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        yield from _ingest(now)
        yield from _channels(now)
        yield from _webhooks(now)
        yield from _outbound(now)
        yield from _escalations()
        depth = celery_queue_depth()
        if depth is not None:
            yield _queue_gauge(depth)

    def describe(self) -> list:
        # Described as nothing so registering does not run the queries.
        return []


def _queue_gauge(depth: int) -> GaugeMetricFamily:
    from socialdesk.celery import app

    gauge = GaugeMetricFamily(
        "socialdesk_celery_queue_depth", "Tasks waiting in the Celery queue", labels=["queue"]
    )
    gauge.add_metric([app.conf.task_default_queue], depth)
    return gauge


class _ProcessRegistry(Collector):
    """django-prometheus's metrics (the process-global registry) as one collector."""

    def collect(self):
        return REGISTRY.collect()

    def describe(self) -> list:
        return []


def metrics_registry() -> CollectorRegistry:
    """What /metrics serves: the request metrics plus our scrape-time gauges."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # gunicorn with several workers: merge every process's request metrics
        # from the files they write there.
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessRegistry())
    registry.register(SocialDeskCollector())
    return registry
