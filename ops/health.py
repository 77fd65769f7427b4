"""Readiness checks, each a django-health-check ``HealthCheck``.

Run one after another (not in the library's thread pool): six cheap checks,
and threads would each open a database connection of their own. Every check
names what failed in ``errors`` for the admin page; the public JSON carries
only ok/failing per check name.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.models import Count, Q
from django.utils import timezone
from health_check.backends import HealthCheck
from health_check.exceptions import ServiceUnavailable

from inbox.models import Channel
from ops import heartbeat


class DatabaseCheck(HealthCheck):
    def check_status(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError as exc:
            raise ServiceUnavailable(f"database unreachable: {type(exc).__name__}") from exc


class CacheCheck(HealthCheck):
    def check_status(self) -> None:
        # Our Redis cache ignores connection errors (IGNORE_EXCEPTIONS) and
        # answers None, so a round trip of a fresh value is the only proof.
        key = f"health:{uuid.uuid4().hex}"
        cache.set(key, "ok", timeout=10)
        if cache.get(key) != "ok":
            raise ServiceUnavailable("cache did not return what was written")
        cache.delete(key)


class BrokerCheck(HealthCheck):
    def check_status(self) -> None:
        from socialdesk.celery import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(
                    max_retries=1, interval_start=0, timeout=settings.HEALTH_BROKER_TIMEOUT
                )
        except Exception as exc:
            raise ServiceUnavailable(f"broker unreachable: {type(exc).__name__}") from exc


@dataclasses.dataclass
class HeartbeatCheck(HealthCheck):
    """A background process wrote its heartbeat within ``max_age``."""

    name: str = heartbeat.WORKER

    def check_status(self) -> None:
        self.seen_at = None
        try:
            beat = heartbeat.heartbeats_get().get(self.name)
        except DatabaseError as exc:
            raise ServiceUnavailable("heartbeat unreadable: database unreachable") from exc
        if beat is None:
            raise ServiceUnavailable(f"no {self.name} heartbeat yet")
        self.seen_at = beat.seen_at
        age = timezone.now() - beat.seen_at
        if age > timedelta(seconds=settings.HEALTH_HEARTBEAT_MAX_AGE):
            raise ServiceUnavailable(f"{self.name} last seen {int(age.total_seconds())} s ago")

    def __repr__(self) -> str:
        return self.name


class ChannelsCheck(HealthCheck):
    """Fails only when every active channel is failing: one broken channel is
    shown on the channels page, while all of them broken points at us (the
    network client, the credential keys, outbound network access)."""

    def check_status(self) -> None:
        try:
            counts = Channel.objects.filter(is_active=True).aggregate(
                total=Count("id"),
                failing=Count(
                    "id",
                    filter=Q(needs_attention=True)
                    | Q(poll_failures__gte=settings.HEALTH_CHANNEL_FAILURES),
                ),
            )
        except DatabaseError as exc:
            raise ServiceUnavailable("channels unreadable: database unreachable") from exc
        self.counts = counts
        if counts["total"] and counts["failing"] == counts["total"]:
            raise ServiceUnavailable(f"all {counts['total']} active channels failing")


def _checks() -> dict[str, HealthCheck]:
    return {
        "database": DatabaseCheck(),
        "cache": CacheCheck(),
        "broker": BrokerCheck(),
        "worker": HeartbeatCheck(name=heartbeat.WORKER),
        "beat": HeartbeatCheck(name=heartbeat.BEAT),
        "channels": ChannelsCheck(),
    }


@dataclasses.dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    errors: list[str]
    seconds: float

    @property
    def milliseconds(self) -> float:
        return self.seconds * 1000


def readiness_run(*, only: set[str] | None = None) -> list[CheckResult]:
    results = []
    for name, check in _checks().items():
        if only is not None and name not in only:
            continue
        started = time.perf_counter()
        check.run_check()
        results.append(
            CheckResult(
                name=name,
                ok=not check.errors,
                errors=[str(error) for error in check.errors],
                seconds=time.perf_counter() - started,
            )
        )
    return results
