"""The outbox: every successful write the app made to a sandbox network.

Tests assert on it ("the reply reached X exactly once"); the demo shows it.
"""

from __future__ import annotations

import threading
from typing import Any

from sandbox.clock import SandboxClock, format_x_time

OUTBOX_KINDS = (
    "tweet",
    "dm",
    "like",
    "unlike",
    "hide",
    "unhide",
    "mute",
    "unmute",
    "delete",
)


class Outbox:
    def __init__(self, lock: threading.RLock, clock: SandboxClock) -> None:
        self._lock = lock
        self._clock = clock
        self._entries: list[dict[str, Any]] = []
        self._seq = 0

    def record(
        self,
        *,
        network: str,
        kind: str,
        account_id: str,
        target: str | None,
        text: str | None = None,
        result_id: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        with self._lock:
            self._seq += 1
            entry = {
                "seq": self._seq,
                "network": network,
                "kind": kind,
                "account_id": account_id,
                "target": target,
                "text": text,
                "result_id": result_id,
                "at": format_x_time(self._clock.now()),
                "meta": dict(meta or {}),
            }
            self._entries.append(entry)
            return dict(entry)

    def list(
        self,
        *,
        network: str | None = None,
        kind: str | None = None,
        account_id: str | None = None,
        since_seq: int = 0,
    ) -> list[dict[str, Any]]:
        with self._lock:
            return [
                dict(e)
                for e in self._entries
                if (network is None or e["network"] == network)
                and (kind is None or e["kind"] == kind)
                and (account_id is None or e["account_id"] == account_id)
                and e["seq"] > since_seq
            ]

    def clear(self) -> int:
        """Drop the entries; `seq` keeps counting so old and new entries never collide."""
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            return count

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()
            self._seq = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
