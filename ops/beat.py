"""Beat's own heartbeat: the stock persistent scheduler, writing on its tick."""

from __future__ import annotations

import logging
import time

from celery.beat import PersistentScheduler
from django.db import DatabaseError, close_old_connections

from ops.heartbeat import BEAT, heartbeat_record

log = logging.getLogger(__name__)

WRITE_EVERY_SECONDS = 10.0


class HeartbeatScheduler(PersistentScheduler):
    """Writes the beat heartbeat at most every 10 s. Beat ticks at least every
    ``beat_max_loop_interval`` (5 min by default, so we lower it in settings)."""

    _last_write = 0.0

    def tick(self, *args, **kwargs):
        now = time.monotonic()
        if now - self._last_write >= WRITE_EVERY_SECONDS:
            self._last_write = now
            try:
                close_old_connections()
                heartbeat_record(name=BEAT)
            except DatabaseError:
                # A database outage must not stop beat; readiness reports it.
                log.warning("beat heartbeat not written: database unavailable")
        return super().tick(*args, **kwargs)
