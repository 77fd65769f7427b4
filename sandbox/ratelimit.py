"""Per-endpoint, per-caller rate-limit windows (X style), with limits a test can set.

The defaults are generous on purpose: the sandbox answers 429 only when a
test asks for it (a fault rule, or lower limits set through
``/_sandbox/limits``) or when a client really loops. Lowering a limit and the
window length lets a test reach the limit, see the refusals and watch the
window reset within seconds instead of 15 minutes.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sandbox.clock import SandboxClock

WINDOW_SECONDS = 15 * 60
# x_read / x_write: per X endpoint and caller; fb_calls: per Page (or app) token;
# bsky_calls: per XRPC method and account (Bluesky allows 3,000 per 5 minutes).
# masto_calls: per Mastodon account, all endpoints (Mastodon allows 300 per 5 minutes).
DEFAULT_LIMITS = {
    "x_read": 900,
    "x_write": 300,
    "fb_calls": 4800,
    "bsky_calls": 3000,
    "masto_calls": 300,
}


class LimitSpecError(ValueError):
    """A limits change the control API cannot apply."""


@dataclass(frozen=True)
class RateStatus:
    limit: int
    remaining: int
    reset: int  # epoch seconds, sandbox clock
    exceeded: bool = False

    def headers(self) -> dict[str, str]:
        return {
            "x-rate-limit-limit": str(self.limit),
            "x-rate-limit-remaining": str(self.remaining),
            "x-rate-limit-reset": str(self.reset),
        }


class RateLimiter:
    def __init__(self, lock: threading.RLock, clock: SandboxClock) -> None:
        self._lock = lock
        self._clock = clock
        self._windows: dict[tuple[str, str], tuple[int, int]] = {}  # key -> (reset, used)
        self._limits = dict(DEFAULT_LIMITS)
        self._window_seconds = WINDOW_SECONDS
        self._refused: Counter[str] = Counter()

    def limit(self, name: str) -> int:
        with self._lock:
            return self._limits[name]

    def configure(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Set some limits and/or ``window_seconds``. Open windows are closed, so
        the new figures apply from the next call (as after a window reset)."""
        wanted = {k: v for k, v in changes.items() if k != "window_seconds"}
        unknown = sorted(set(wanted) - set(DEFAULT_LIMITS))
        if unknown:
            raise LimitSpecError(f"unknown limits {unknown}; expected {sorted(DEFAULT_LIMITS)}")
        for name, value in changes.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise LimitSpecError(f"{name} must be a positive integer")
        with self._lock:
            self._limits.update(wanted)
            self._window_seconds = int(changes.get("window_seconds", self._window_seconds))
            self._windows.clear()
            return self.snapshot()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                **self._limits,
                "window_seconds": self._window_seconds,
                "refused": dict(self._refused),
            }

    def hit(self, endpoint: str, caller: str, limit: int) -> RateStatus:
        """Count one call; `exceeded` is set (and nothing counted) when the window is used up."""
        with self._lock:
            reset, used = self._current(endpoint, caller)
            if used >= limit:
                self._refused[endpoint] += 1
                return RateStatus(limit, 0, reset, exceeded=True)
            used += 1
            self._windows[(endpoint, caller)] = (reset, used)
            return RateStatus(limit, limit - used, reset)

    def peek(self, endpoint: str, caller: str, limit: int) -> RateStatus:
        with self._lock:
            reset, used = self._current(endpoint, caller)
            return RateStatus(limit, max(0, limit - used), reset)

    def _current(self, endpoint: str, caller: str) -> tuple[int, int]:
        now = self._clock.epoch()
        reset, used = self._windows.get((endpoint, caller), (0, 0))
        # A window opens at the first call and lasts its length, as X's do. If the
        # clock was moved back past the window start, open a fresh window too.
        if now >= reset or reset - now > self._window_seconds:
            reset, used = now + self._window_seconds, 0
            self._windows[(endpoint, caller)] = (reset, used)
        return reset, used

    def reset(self) -> None:
        """Back to the default limits and window, with nothing used or refused."""
        with self._lock:
            self._windows.clear()
            self._refused.clear()
            self._limits = dict(DEFAULT_LIMITS)
            self._window_seconds = WINDOW_SECONDS
