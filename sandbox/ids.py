"""Snowflake-style ids: 19-digit strings that strictly increase in creation order.

X ids encode the creation millisecond, and apps rely on "newer id = bigger
number" (since_id). The clock can be moved backwards in the sandbox, so the
generator never hands out an id below the last one, whatever the time says.
"""

from __future__ import annotations

import threading
from datetime import datetime

TWITTER_EPOCH_MS = 1288834974657
MIN_ID = 10**18  # keeps every id at 19 digits even for times near the epoch


class SnowflakeIds:
    def __init__(self, lock: threading.RLock | None = None) -> None:
        self._lock = lock or threading.RLock()
        self._last = 0

    def next(self, at: datetime) -> str:
        millis = int(at.timestamp() * 1000) - TWITTER_EPOCH_MS
        candidate = max(millis, 0) << 22
        with self._lock:
            value = max(candidate, MIN_ID, self._last + 1)
            self._last = value
            return str(value)

    def reset(self) -> None:
        with self._lock:
            self._last = 0
