"""Per-endpoint, per-caller 15-minute rate-limit windows (X style).

Limits are generous on purpose: the sandbox should only answer 429 when a
test asks for it (fault rule) or when a client really loops.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sandbox.clock import SandboxClock

WINDOW_SECONDS = 15 * 60


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

    def hit(self, endpoint: str, caller: str, limit: int) -> RateStatus:
        """Count one call; `exceeded` is set (and nothing counted) when the window is used up."""
        with self._lock:
            reset, used = self._current(endpoint, caller)
            if used >= limit:
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
        # A window opens at the first call and lasts 15 minutes, as X's do. If the
        # clock was moved back past the window start, open a fresh window too.
        if now >= reset or reset - now > WINDOW_SECONDS:
            reset, used = now + WINDOW_SECONDS, 0
            self._windows[(endpoint, caller)] = (reset, used)
        return reset, used

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
