"""Trickle mode: a background thread that keeps citizen traffic arriving (demo).

Every `interval` seconds (plus or minus 40% jitter, so it does not feel
mechanical) it injects one item into a random registered org account:
mostly mentions, some DMs, now and then a reply continuing a thread.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sandbox.x_inject import InjectError, inject_dm, inject_mention

if TYPE_CHECKING:
    from sandbox.state import SandboxState

log = logging.getLogger("sandbox.trickle")
KIND_WEIGHTS = {"mention": 70, "dm": 20, "reply": 10}


class Trickle:
    def __init__(
        self,
        state: SandboxState,
        interval: float,
        *,
        on_item: Callable[[dict[str, Any]], None] | None = None,
        seed: int | None = None,
    ) -> None:
        self.state = state
        self.interval = interval
        self.on_item = on_item
        self.rng = random.Random(seed)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-trickle", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval * self.rng.uniform(0.6, 1.4)):
            try:
                item = self.inject_one()
            except (InjectError, ValueError) as exc:
                log.warning("trickle skipped an item: %s", exc)
                continue
            if item is not None and self.on_item is not None:
                self.on_item(item)

    def inject_one(self) -> dict[str, Any] | None:
        """Inject one realistic item; None when no org account is registered yet."""
        with self.state.lock:
            accounts = self.state.x.accounts()
            if not accounts:
                return None
            # Bigger audiences get more traffic, as in life.
            account = self.rng.choices(
                accounts, weights=[max(1, a.followers_count) for a in accounts]
            )[0]
            kind = self.rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
            if kind == "dm":
                return inject_dm(self.state, account)
            if kind == "reply":
                thread = self._recent_thread(account.id)
                if thread is not None:
                    return inject_mention(self.state, account, in_reply_to_tweet_id=thread)
            return inject_mention(self.state, account)

    def _recent_thread(self, account_id: str) -> str | None:
        # Continue one of the latest conversations: a mention or the account's own reply.
        recent = (
            self.state.x.mentions_of(account_id)[:15] + self.state.x.timeline_of(account_id)[:5]
        )
        return self.rng.choice(recent).id if recent else None
