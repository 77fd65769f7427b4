from __future__ import annotations

from django.db import models


class EventSeal(models.Model):
    """One link of the hash chain over the event log.

    ``hash = sha256(previous link's hash + the event's canonical JSON)``, in
    seal order. Editing or deleting an event, or a seal, breaks the chain from
    that point; ``manage.py audit_verify`` names the first broken link. The
    event id is a plain integer, not a foreign key, so a deleted event leaves
    its seal behind as evidence.
    """

    seq = models.BigAutoField(primary_key=True)
    event_id = models.BigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"seal {self.seq} of event {self.event_id}"
