"""The sandbox's whole in-memory state behind one re-entrant lock.

One lock keeps it simple: the sandbox serves a handful of clients, and a
single lock means a test never observes half of a write (tweet stored but
outbox not yet updated). Network stores (`x`, later `fb`) share it.
"""

from __future__ import annotations

import random
import threading
from datetime import datetime
from typing import Any

from sandbox import scenarios
from sandbox.bsky_store import BskyStore
from sandbox.clock import SandboxClock
from sandbox.faults import FaultBook
from sandbox.fb_store import FbStore
from sandbox.ids import SnowflakeIds
from sandbox.ig_store import IgStore
from sandbox.masto_store import MastoStore
from sandbox.media import MediaStore
from sandbox.oidc_store import OidcStore
from sandbox.outbox import Outbox
from sandbox.ratelimit import RateLimiter
from sandbox.traffic import TrafficGenerator
from sandbox.x_store import XStore


class SandboxState:
    def __init__(self, seed: int | None = None, *, id_offset: int = 0) -> None:
        self.lock = threading.RLock()
        self.seed_value = seed
        # Added to the Graph stores' counters (Facebook and Instagram number
        # their objects in sequence): a restarted sandbox then never hands out
        # an id that an app stored from an earlier run.
        self.id_offset = id_offset
        # The CDN draws a picture for any well-formed address (sandbox.media).
        self.draw_any_picture = False
        self.clock = SandboxClock(self.lock)
        self.ids = SnowflakeIds(self.lock)
        self.outbox = Outbox(self.lock, self.clock)
        self.rng = random.Random(seed)
        self.faults = FaultBook(self.lock, random.Random(seed))
        self.ratelimits = RateLimiter(self.lock, self.clock)
        self.traffic = TrafficGenerator(seed)
        self.x = XStore(self)
        self.fb = FbStore(self)
        self.ig = IgStore(self)
        self.masto = MastoStore(self)
        self.media = MediaStore(self.lock)
        self.bsky = BskyStore(self)
        # The identity provider's key is made once per server, not per reset.
        self.oidc = OidcStore()
        self.scenarios: list[str] = []

    def now(self) -> datetime:
        """Sandbox "now" (aware UTC); every created_at and reset time comes from here."""
        return self.clock.now()

    def reset(self, *, keep_clock: bool = False) -> None:
        """Back to an empty world: no accounts, items, outbox, faults or rate-limit use."""
        with self.lock:
            self.x.clear()
            self.fb.clear()
            self.ig.clear()
            self.masto.clear()
            self.media.clear()
            self.bsky.clear()
            self.oidc.reset()
            self.outbox.reset()
            self.faults.clear()
            self.ratelimits.reset()
            self.ids.reset()
            self.rng.seed(self.seed_value)
            self.traffic.reseed(self.seed_value)
            self.scenarios = []
            if not keep_clock:
                self.clock.reset()

    def seed(self, scenario: str) -> dict[str, Any]:
        """Add a named scenario on top of the current state; returns what it created."""
        with self.lock:
            created = scenarios.apply(self, scenario)
            self.scenarios.append(scenario)
            return created

    def summary(self) -> dict[str, Any]:
        with self.lock:
            return {
                "clock": self.clock.snapshot(),
                "scenarios": list(self.scenarios),
                "x": self.x.summary(),
                "fb": self.fb.summary(),
                "ig": self.ig.summary(),
                "masto": self.masto.summary(),
                "bsky": self.bsky.summary(),
                "outbox": len(self.outbox),
                "faults": len(self.faults.list()),
            }
