"""The sandbox clock: real UTC time shifted by a settable offset, or frozen.

Everything time-related in the sandbox (created_at, rate-limit resets, metric
growth) reads this clock, so tests can jump to "Sunday 22:00" or fast-forward
a day without touching the machine clock.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

# tweepy parses created_at with "%Y-%m-%dT%H:%M:%S.%f%z": milliseconds are required.
X_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.000Z"


def format_x_time(moment: datetime) -> str:
    """Render a datetime the way X API v2 does (always UTC, always .000Z)."""
    return moment.astimezone(UTC).strftime(X_TIME_FORMAT)


def parse_time(text: str) -> datetime:
    """Parse an ISO-8601 time ("...Z", "...+00:00", with or without ms) as aware UTC.

    Naive values are taken as UTC. Raises ValueError on anything else.
    """
    value = datetime.fromisoformat(text.strip().replace("z", "Z"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def real_now() -> datetime:
    return datetime.now(UTC)


class SandboxClock:
    """Real time plus an offset, or a frozen instant.

    Shares the state's lock so a reader never sees a half-applied change.
    """

    def __init__(self, lock: threading.RLock | None = None) -> None:
        self._lock = lock or threading.RLock()
        self._offset = timedelta(0)
        self._frozen_at: datetime | None = None

    def now(self) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return real_now() + self._offset

    def epoch(self) -> int:
        """Sandbox "now" as whole epoch seconds (what x-rate-limit-reset uses)."""
        return int(self.now().timestamp())

    def set(self, moment: datetime, *, frozen: bool | None = None) -> None:
        """Make now() return `moment`; keep ticking unless frozen (or already frozen)."""
        with self._lock:
            keep_frozen = self._frozen_at is not None if frozen is None else frozen
            if keep_frozen:
                self._frozen_at = moment
            else:
                self._frozen_at = None
                self._offset = moment - real_now()

    def advance(self, seconds: float) -> None:
        with self._lock:
            delta = timedelta(seconds=seconds)
            if self._frozen_at is not None:
                self._frozen_at += delta
            else:
                self._offset += delta

    def freeze(self, frozen: bool) -> None:
        """Freeze at the current sandbox time, or resume ticking from it."""
        with self._lock:
            self.set(self.now(), frozen=frozen)

    def reset(self) -> None:
        with self._lock:
            self._offset = timedelta(0)
            self._frozen_at = None

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            now = self.now()
            offset = (
                (now - real_now()).total_seconds()
                if self._frozen_at
                else self._offset.total_seconds()
            )
            return {
                "now": format_x_time(now),
                "epoch": int(now.timestamp()),
                "frozen": self._frozen_at is not None,
                "offset_seconds": round(offset, 3),
            }
