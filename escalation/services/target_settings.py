"""Setting response targets from the settings pages and the API.

A target is per channel and priority (``ResponseTarget``; the most specific
wins when due times are computed). A manager sets targets on the channels of
the teams they manage; the defaults for every channel are an admin's. Each
change marks the open due times it affects stale and writes an event.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import access
from accounts.models import User
from escalation.models import Clock, ResponseTarget
from escalation.services.targets import targets_invalidate
from events.services import event_record
from inbox.models import Channel, Priority


def _ensure_may_set(actor: User, channel: Channel | None) -> None:
    if channel is None:
        if not access.is_admin(actor):
            raise PermissionDenied("Only an admin can set the targets for every channel.")
    elif not access.can_manage_channel(actor, channel):
        raise PermissionDenied("Only a manager of a team covering this channel, or an admin.")


def _data(target: ResponseTarget) -> dict:
    return {
        "channel_id": target.channel_id,
        "priority": target.priority,
        "target_minutes": target.target_minutes,
        "limit_minutes": target.limit_minutes,
        "warning_percent": target.warning_percent,
        "clock": target.clock,
    }


def response_target_set(
    *,
    actor: User,
    channel: Channel | None,
    priority: int | None,
    target_minutes: int,
    limit_minutes: int,
    warning_percent: int,
    clock: str,
) -> ResponseTarget:
    """Create or change the target for (channel, priority); None for either
    means "every channel" / "any priority"."""
    _ensure_may_set(actor, channel)
    if priority is not None and priority not in Priority.values:
        raise ValidationError("Choose a priority from the list.")
    if clock not in Clock.values:
        raise ValidationError("Choose the staffed-hours clock or the calendar clock.")
    with transaction.atomic():
        target = (
            ResponseTarget.objects.select_for_update()
            .filter(channel=channel, priority=priority)
            .first()
        )
        before = _data(target) if target else None
        target = target or ResponseTarget(channel=channel, priority=priority)
        target.target_minutes, target.limit_minutes = target_minutes, limit_minutes
        target.warning_percent, target.clock = warning_percent, clock
        # The scope's uniqueness is the row found above (under lock) plus the
        # database constraint; the model checks the minutes and percentages.
        target.full_clean(validate_constraints=False)
        target.save()
        event_record(
            type="target.policy_set",
            actor=actor,
            channel=channel,
            data={"before": before, "after": _data(target)},
        )
        targets_invalidate(channel_ids=[channel.pk] if channel else None)
    return target


def response_target_remove(*, actor: User, target: ResponseTarget) -> None:
    """Remove a target: its conversations fall back to the next, less
    specific one (in the end, 30/60 minutes on the staffed clock)."""
    _ensure_may_set(actor, target.channel)
    with transaction.atomic():
        data = _data(target)
        deleted, _ = ResponseTarget.objects.filter(pk=target.pk).delete()
        if deleted:
            event_record(
                type="target.policy_removed",
                actor=actor,
                channel=target.channel_id,
                data={"before": data},
            )
            targets_invalidate(channel_ids=[target.channel_id] if target.channel_id else None)
