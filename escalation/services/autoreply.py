"""Out-of-hours auto-replies: once per contact per closed period.

The key ``ooh:<channel>:<contact>:<closed since>`` is claimed by inserting an
``OutOfHoursReply`` row (unique) and is also the reply's idempotency key
(``Message.idempotency_key`` is unique): however many passes run, however
many messages the citizen sends that night, one reply is queued. It is
marked automated, so it never stops the first-response clock.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from escalation import clock as business_clock
from escalation.models import CrisisMode, OutOfHoursReply, StaffedHours, render_reply
from escalation.services._sql import insert_rows
from events.services import event_record
from inbox.models import Conversation, ConversationKind
from inbox.services.outbound import reply_create

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChannelHours:
    hours: StaffedHours
    schedule: business_clock.Schedule


def reply_key(*, channel_id: int, contact_id: int, since: datetime | None) -> str:
    period = f"{since.astimezone(UTC):%Y%m%dT%H%M%SZ}" if since else "closed"
    return f"ooh:{channel_id}:{contact_id}:{period}"


def reply_text(
    *,
    hours: StaffedHours,
    schedule: business_clock.Schedule,
    now: datetime,
    reopens: datetime | None,
    crisis: CrisisMode | None = None,
) -> str:
    template = (
        crisis.auto_reply_text
        if crisis and crisis.auto_reply_text.strip()
        else hours.out_of_hours_text
    )
    return render_reply(
        template,
        reopens=business_clock.reopens_text(hours=schedule, at=now, reopens=reopens),
        hours=business_clock.hours_statement(hours=schedule),
        emergency=hours.emergency_text,
    )


def _wanted(msg: dict[str, Any], hours: StaffedHours) -> bool:
    if msg["author_contact_id"] is None or msg["author_contact__blocked"]:
        return False
    # Private messages by default; public replies only where the channel allows.
    return msg["conversation__kind"] == ConversationKind.PRIVATE or hours.out_of_hours_public


def out_of_hours_replies(
    *,
    messages: Sequence[dict[str, Any]],
    hours: dict[int, ChannelHours],
    crises: dict[int, CrisisMode],
    now: datetime,
) -> int:
    """Reply to inbound messages sent during the closed period the channel is
    in now. A message from a closed period the team has since opened after
    gets nothing (someone has seen it). Returns replies queued by this call."""
    current: dict[int, business_clock.ClosedPeriod | None] = {}
    todo = []
    for msg in sorted(messages, key=lambda m: (m["sent_at"], m["pk"])):
        channel = hours.get(msg["channel_id"])
        if (
            channel is None
            or not channel.hours.out_of_hours_reply
            or not _wanted(msg, channel.hours)
        ):
            continue
        if msg["channel_id"] not in current:
            current[msg["channel_id"]] = business_clock.closed_period(
                hours=channel.schedule, at=now
            )
        period = current[msg["channel_id"]]
        if period is None or (period.since is not None and msg["sent_at"] < period.since):
            continue  # staffed now, or sent before the team last went off duty
        key = reply_key(
            channel_id=msg["channel_id"], contact_id=msg["author_contact_id"], since=period.since
        )
        todo.append((key, msg, channel, period))
    # Most candidates on a re-scan were answered by an earlier pass: skip them
    # in one query; the claim below still decides any race.
    done = set(
        OutOfHoursReply.objects.filter(key__in={t[0] for t in todo}).values_list("key", flat=True)
    )
    todo = [t for t in todo if t[0] not in done]
    if not todo:
        return 0
    queued = 0
    with transaction.atomic():  # one commit for the batch; a savepoint per reply
        for key, msg, channel, period in todo:
            queued += _reply_once(key, msg, channel, period, crises.get(msg["channel_id"]), now)
    return queued


def _claim(
    key: str,
    msg: dict[str, Any],
    period: business_clock.ClosedPeriod,
    crisis: CrisisMode | None,
    now: datetime,
) -> bool:
    """Insert the once-per-contact-per-period row; True if this call did."""
    row = {
        "key": key,
        "channel_id": msg["channel_id"],
        "contact_id": msg["author_contact_id"],
        "conversation_id": msg["conversation_id"],
        "trigger_message_id": msg["pk"],
        "reply_id": None,
        "period_start": period.since,
        "reopens_at": period.until,
        "crisis": crisis is not None,
        "skipped_reason": "",
        "created_at": now,
    }
    return bool(insert_rows(OutOfHoursReply, [row]))


def _reply_once(
    key: str,
    msg: dict[str, Any],
    channel: ChannelHours,
    period: business_clock.ClosedPeriod,
    crisis: CrisisMode | None,
    now: datetime,
) -> int:
    with transaction.atomic():
        if not _claim(key, msg, period, crisis, now):
            return 0
        conversation = Conversation.objects.select_related("channel").get(pk=msg["conversation_id"])
        text = reply_text(
            hours=channel.hours,
            schedule=channel.schedule,
            now=now,
            reopens=period.until,
            crisis=crisis,
        )
        data = {"key": key, "trigger_message_id": msg["pk"]}
        try:
            with transaction.atomic():
                reply = reply_create(
                    conversation=conversation,
                    actor=None,
                    text=text,
                    automated=True,
                    idempotency_key=key,
                )
        except ValidationError as exc:
            # Too long for a public post, nothing to reply to...: say why, once.
            reason = " ".join(exc.messages)[:300]
            OutOfHoursReply.objects.filter(key=key).update(skipped_reason=reason)
            event_record(
                type="autoreply.skipped",
                at=now,
                conversation=conversation,
                data={**data, "reason": reason},
            )
            return 0
        OutOfHoursReply.objects.filter(key=key).update(reply=reply)
        event_record(
            type="autoreply.sent",
            at=now,
            conversation=conversation,
            message=reply,
            data={
                **data,
                "closed_since": period.since.isoformat() if period.since else None,
                "reopens_at": period.until.isoformat() if period.until else None,
                "crisis": crisis is not None,
            },
        )
    return 1
