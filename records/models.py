from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class RetentionPolicy(models.Model):
    """How long a channel's message content is kept (e.g. 6 years for
    correspondence). Past that, a scheduled task removes the text and raw
    payload, keeping the fact that a message existed and the event log."""

    channel = models.OneToOneField(
        "inbox.Channel", on_delete=models.CASCADE, related_name="retention"
    )
    keep_days = models.PositiveIntegerField(default=6 * 365)

    class Meta:
        verbose_name_plural = "retention policies"

    def __str__(self) -> str:
        return f"{self.channel}: keep {self.keep_days} days"


class LegalHold(models.Model):
    """While active, nothing of this contact or conversation is removed."""

    contact = models.ForeignKey(
        "inbox.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    conversation = models.ForeignKey(
        "inbox.Conversation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False) | Q(conversation__isnull=False),
                name="legal_hold_has_a_subject",
            )
        ]

    def __str__(self) -> str:
        return f"Hold on {self.contact or self.conversation}: {self.reason[:40]}"


class ContentRemoval(models.Model):
    """That a message's content was removed under retention, and when."""

    message = models.OneToOneField("inbox.Message", on_delete=models.PROTECT, related_name="+")
    removed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"content of message {self.message_id} removed"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    BUILDING = "building", "Building"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class RecordsExport(models.Model):
    """An FOI / subject-access export: every message, note and event for a
    contact or a period, built in the background with progress."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    contact = models.ForeignKey(
        "inbox.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="percent")
    error = models.TextField(blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.status})"
