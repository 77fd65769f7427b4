"""Helpers for the escalation tests: office hours on channel_a, inbound items
fed through the real ingest service, and staff replies as the network shows
them."""

from __future__ import annotations

import itertools
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from escalation.models import EscalationLevel, EscalationRule, OpeningInterval, StaffedHours
from inbox.models import Conversation, DeliveryState, Direction, Message
from inbox.networks.base import Author, InboundItem
from inbox.services.ingest import messages_ingest

LONDON = ZoneInfo("Europe/London")
JO = Author(external_id="111", handle="jo_res", display_name="Jo Resident", followers_count=40)
_ids = itertools.count(1)


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def dm(
    at: datetime, *, author: Author = JO, text: str = "Hello, my bin was missed", network: str = "x"
) -> InboundItem:
    n = next(_ids)
    return InboundItem(
        network=network,
        external_id=str(1_800_000_000_000_000_000 + n),
        kind="dm",
        conversation_kind="private",
        thread_key=f"dm:{author.external_id}-999",
        contact=author,
        text=text,
        created_at=at,
    )


def mention(
    at: datetime,
    *,
    author: Author = JO,
    text: str = "@council_help my bin was missed",
    thread: str | None = None,
) -> InboundItem:
    n = next(_ids)
    ext = str(1_790_000_000_000_000_000 + n)
    return InboundItem(
        network="x",
        external_id=ext,
        kind="mention",
        conversation_kind="public",
        thread_key=f"tw:{thread or ext}:{author.external_id}",
        contact=author,
        text=text,
        created_at=at,
    )


def ingest(channel, *items: InboundItem) -> None:
    messages_ingest(channel=channel, items=list(items))


def staff_reply(
    conversation: Conversation, at: datetime, text: str = "Sorry to hear that"
) -> Message:
    """A reply by a person, sent: what outbound leaves behind after delivery
    (message sent, awaiting cleared, first response set)."""
    with transaction.atomic():
        msg = Message.objects.create(
            conversation=conversation,
            channel=conversation.channel,
            direction=Direction.OUT,
            kind="dm",
            external_id=f"out-{next(_ids)}",
            text=text,
            sent_at=at,
            state=DeliveryState.SENT,
        )
        Conversation.objects.filter(pk=conversation.pk).update(
            awaiting_since=None, first_response_at=at
        )
    return msg


@pytest.fixture
def office_hours(channel_a):
    """Mon-Fri 08:00-18:00 London, English bank holidays, out-of-hours replies on."""
    hours = StaffedHours.objects.create(channel=channel_a, holiday_region="GB-ENG")
    OpeningInterval.objects.bulk_create(
        [OpeningInterval(hours=hours, weekday=d, start=time(8), end=time(18)) for d in range(5)]
    )
    return hours


@pytest.fixture
def threat_rule(channel_a, officer, manager):
    rule = EscalationRule.objects.create(name="Threats", keywords="bomb\nkill myself\nemergency")
    first = EscalationLevel.objects.create(rule=rule, number=1, name="Officer", ack_minutes=10)
    first.users.add(officer)
    second = EscalationLevel.objects.create(rule=rule, number=2, name="Comms lead", ack_minutes=15)
    second.users.add(manager)
    return rule


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process (the e-mail task after an escalation)."""
    from socialdesk.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False
