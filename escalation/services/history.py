"""History: what a channel's people wrote before SocialDesk watched it.

Connecting a channel imports its recent history (the backfill) and its first
poll may find older items too. Those messages arrive already weeks "late";
they are shown in the inbox (an unanswered one still needs a reply) but they
must not page anyone. The rule is one instant per channel,
``Channel.live_since`` (set when it is connected): an awaiting cycle that
started before it is history, and response targets and escalation rules
leave it alone, until the person writes again after it. Then the response
clock runs from that first new message (the cycle itself, and so the
once-per-cycle claims keyed by it, stay as they are).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db.models import F, Min, Q

from escalation.models import ConversationTarget
from escalation.services._sql import Instant
from inbox.models import Channel, Direction, Message, Status


def channels_live_since() -> dict[int, datetime]:
    """Each channel's cut-off, for those that have one (one small query)."""
    rows = Channel.objects.filter(live_since__isnull=False).values_list("pk", "live_since")
    return {pk: since for pk, since in rows if since is not None}


def is_history(cycle: datetime | None, live_since: datetime | None) -> bool:
    return cycle is not None and live_since is not None and cycle < live_since


def live_cycle_q() -> Q:
    """Awaiting conversations whose cycle is not history (for the rules):
    no cut-off, a cycle that started after it, or a message written after it."""
    return (
        Q(channel__live_since__isnull=True)
        | Q(aw_instant__gte=Instant("channel__live_since"))
        | Q(li_instant__gte=Instant("channel__live_since"))
    )


def live_aliases() -> dict[str, Instant]:
    """The aliases ``live_cycle_q`` compares (add with ``.alias(**...)``)."""
    return {"aw_instant": Instant("awaiting_since"), "li_instant": Instant("last_inbound_at")}


def first_live_inbound(conversation_ids: Sequence[int]) -> dict[int, datetime]:
    """The first inbound message written at or after its channel's cut-off,
    per conversation (those with none are left out). Only history cycles ask,
    so this is a handful of conversations, not the backlog."""
    if not conversation_ids:
        return {}
    return dict(
        Message.objects.filter(conversation_id__in=list(conversation_ids), direction=Direction.IN)
        .alias(sent=Instant("sent_at"))
        .filter(sent__gte=Instant("channel__live_since"))
        .values("conversation_id")
        .annotate(first=Min("sent_at"))
        .values_list("conversation_id", "first")
    )


def history_targets_wake() -> int:
    """Mark for recomputation the targets of history cycles (no due times)
    whose person has since written again, so the clock starts for them.
    Ingest does not touch targets; this is how the pass notices."""
    if not Channel.objects.filter(live_since__isnull=False).exists():
        return 0
    return (
        ConversationTarget.objects.filter(
            stale=False,
            due_at__isnull=True,
            cycle_start__isnull=False,
            channel__live_since__isnull=False,
        )
        .exclude(status=Status.PENDING)
        .alias(
            cycle=Instant("cycle_start"),
            live=Instant("channel__live_since"),
            wrote=Instant("conversation__last_inbound_at"),
        )
        .filter(cycle__lt=F("live"), wrote__gte=F("live"))
        .update(stale=True)
    )
