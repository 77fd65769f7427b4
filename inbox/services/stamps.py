"""Bumping the per-channel change stamps by hand.

Writing an ``Event`` bumps its channel's stamp already (a trigger on the
event table, migration 0016); this is for the rare row change that writes
no event (a due time mirrored from a recomputed target)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F
from django.utils import timezone

from inbox.models import ChannelStamp


def channel_stamps_bump(*, channel_ids: Iterable[int]) -> None:
    """Move the stamps of these channels. Call it inside the transaction that
    makes the change, so a poll never sees the stamp move before the row."""
    ids = sorted(set(channel_ids))  # one lock order for every writer
    if not ids:
        return
    now = timezone.now()
    found = set(
        ChannelStamp.objects.filter(channel_id__in=ids).values_list("channel_id", flat=True)
    )
    ChannelStamp.objects.bulk_create(
        [ChannelStamp(channel_id=pk, version=1, changed_at=now) for pk in ids if pk not in found],
        ignore_conflicts=True,
    )
    ChannelStamp.objects.filter(channel_id__in=found).update(
        version=F("version") + 1, changed_at=now
    )
