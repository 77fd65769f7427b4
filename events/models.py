"""The append-only event log: the audit trail and the source of every KPI.

The bottom layer: every app records through ``events.services.event_record``
and nothing here imports an app above. The references to channels,
conversations and messages are by model name, so this module imports none of
them. The table keeps its first name (``inbox_event``): the model moved here
from ``inbox`` by state alone (``events/migrations/0001_initial.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q


class EventQuerySet(models.QuerySet):
    """Append-only: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise TypeError("Events are append-only")

    def delete(self):
        raise TypeError("Events are append-only")


class Event(models.Model):
    """The append-only event log: the audit trail and the source of every KPI.

    Its references are not database foreign keys (``db_constraint=False``):
    ingest writes one event per message, and Postgres re-checking the three
    references of each at commit was a fifth of the time of a batch. The rows
    referred to are written or locked in the same transaction as the event,
    and PROTECT still stops the ORM deleting anything an event refers to
    (``tests/inbox/test_models.py``)."""

    type = models.CharField(max_length=64)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(  # indexed by event_actor_idx
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    channel = models.ForeignKey(
        "inbox.Channel",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    conversation = models.ForeignKey(  # indexed by event_conversation_idx
        "inbox.Conversation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,
        db_constraint=False,
    )
    message = models.ForeignKey(
        "inbox.Message",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    # Services put dates and datetimes in event data (an export's period);
    # Django's encoder stores them as ISO 8601 text instead of refusing them.
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = EventQuerySet.as_manager()

    class Meta:
        db_table = "inbox_event"
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["type", "at"], name="event_type_at_idx"),
            models.Index(fields=["conversation", "at"], name="event_conversation_idx"),
            # Only events a person did: ingest writes one actor-less event per
            # message, and an index entry for each cost every batch for nothing
            # (every query by actor names one).
            models.Index(
                fields=["actor"], condition=Q(actor__isnull=False), name="event_actor_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.type}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("Events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Events are append-only")

    @property
    def actor_label(self) -> str:
        return str(self.actor) if self.actor_id else "system"
