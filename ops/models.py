from __future__ import annotations

from django.db import models


class Heartbeat(models.Model):
    """The last time a background process proved it was alive.

    ``beat`` is written by the beat scheduler on its own tick; ``worker`` by a
    task that beat schedules and a worker runs, so it also proves the broker
    carries tasks end to end. Kept in the database rather than the cache so a
    Redis restart does not make every process look dead."""

    name = models.CharField(max_length=32, unique=True)
    seen_at = models.DateTimeField()
    detail = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
