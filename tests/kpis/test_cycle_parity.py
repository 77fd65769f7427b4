"""One history, two readings: lived through the real services (citizens'
DMs polled from the sandbox X network, replies delivered to it by outbound,
a reply posted natively and seen by polling, status changes, the escalation
pass every minute), then rebuilt by ``kpis_recompute`` from the event log.
Both read the cycle through ``inbox.services.cycle``, so the first-response
times and the breach decisions are the same."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from escalation.services.evaluation import evaluation_run
from events.models import Event
from inbox.models import Conversation, Message, Status
from inbox.networks.base import InboundItem
from inbox.services import actions, outbound, polling
from inbox.services.ingest import messages_ingest
from kpis import metrics as m
from kpis import rollups
from kpis.models import DailyChannelStats
from tests.escalation.conftest import london

pytestmark = pytest.mark.django_db

START = london(2026, 11, 18, 10, 0)  # a Wednesday; London is on UTC in November
TARGET = 30 * 60  # the default target, on the calendar (no staffed hours set)


def at(minute: int):
    return START + timedelta(minutes=minute)


class Story:
    """Runs the history minute by minute, the escalation pass once a minute."""

    def __init__(self, sandbox, channel, officer):
        self.sandbox, self.channel, self.officer = sandbox, channel, officer
        self.minute = -1

    def until(self, minute: int) -> None:
        while self.minute < minute:
            self.minute += 1
            with time_machine.travel(at(self.minute), tick=False):
                evaluation_run()

    def conv(self, citizen: str) -> Conversation:
        return Conversation.objects.get(channel=self.channel, contact__external_id=citizen)

    def writes(self, minute: int, citizen: str) -> None:
        self.until(minute)
        with time_machine.travel(at(minute), tick=False):
            self.sandbox.inject(
                kind="dm",
                account_id="999",
                text=f"Question from {citizen} at minute {minute}",
                author={"id": citizen, "username": f"c{citizen}", "name": f"Citizen {citizen}"},
            )
            polling.channel_poll(channel_id=self.channel.pk)

    def replies(self, minute: int, citizen: str) -> None:
        self.until(minute)
        with time_machine.travel(at(minute), tick=False):
            msg = outbound.reply_create(
                conversation=self.conv(citizen), actor=self.officer, text="Thanks, on it."
            )
            assert outbound.message_deliver(message_id=msg.pk).state == "sent"

    def answers_natively(self, minute: int, citizen: str) -> None:
        """Someone at the council answers in X's own app; polling sees our
        account's DM and stores it (the path after the network fetch)."""
        self.until(minute)
        conv = self.conv(citizen)
        last_in = conv.messages.filter(direction="in").latest("sent_at")
        item = InboundItem(
            network="x",
            external_id=f"88{minute:04d}{citizen}",
            kind="dm",
            conversation_kind="private",
            thread_key=conv.thread_key,
            contact=_author_of(last_in),
            text="Answered from the phone app",
            created_at=at(minute),
            direction="out",
        )
        with time_machine.travel(at(minute), tick=False):
            items = polling.items_without_own_echoes(self.channel, [item])
            messages_ingest(channel=self.channel, items=items)

    def sets(self, minute: int, citizen: str, status: str, reason: str = "") -> None:
        self.until(minute)
        with time_machine.travel(at(minute), tick=False):
            actions.conversation_set_status(
                conversation=self.conv(citizen), actor=self.officer, status=status, reason=reason
            )


def _author_of(message: Message):
    from inbox.networks.base import Author

    contact = message.author_contact
    return Author(external_id=contact.external_id, handle=contact.handle, display_name="")


@pytest.fixture
def lived(sandbox, x_channel, officer):
    s = Story(sandbox, x_channel, officer)
    s.writes(0, "5001")  # answered in 20 min; a follow-up answered in 10, then resolved
    s.writes(5, "5002")  # answered after 45 min: breached at minute 35
    s.writes(10, "5003")  # answered in 5 min, set pending, woken by the citizen
    s.replies(15, "5003")
    s.sets(16, "5003", Status.PENDING)
    s.replies(20, "5001")
    s.writes(20, "5004")  # closed as "no reply needed", then a new cycle
    s.sets(25, "5004", Status.RESOLVED, reason="no_reply_needed")
    s.writes(30, "5003")
    s.writes(30, "5005")  # answered natively after 15 min
    s.writes(40, "5001")
    s.writes(40, "5004")
    s.replies(45, "5003")
    s.answers_natively(45, "5005")
    s.replies(50, "5001")
    s.replies(50, "5002")
    s.sets(55, "5001", Status.RESOLVED)
    s.answers_natively(80, "5004")  # 40 min after its second cycle began: breached at 70
    s.until(100)
    return s


def test_a_citizen_wakes_a_pending_conversation_and_its_clock_runs(lived):
    conv = lived.conv("5003")
    assert conv.status == Status.OPEN
    woke = Event.objects.get(
        conversation=conv, type="conversation.status_changed", data__from=Status.PENDING
    )
    assert woke.data["to"] == Status.OPEN and woke.at == at(30)
    # The second message awaited an answer (due at 10:30 + 30 min) until 10:45.
    assert conv.first_response_at == at(15) and conv.awaiting_since is None


def test_a_reply_seen_on_the_network_answers_like_one_sent_from_socialdesk(lived):
    conv = lived.conv("5005")
    assert conv.first_response_at == at(45) and conv.awaiting_since is None
    assert not Event.objects.filter(conversation=conv, type="target.breached").exists()


def test_live_and_rebuilt_first_responses_and_breaches_agree(lived, x_channel):
    convs = {c: lived.conv(c) for c in ("5001", "5002", "5003", "5004", "5005")}
    # Live: what the conversations recorded, and the breaches the pass raised.
    live_first = {c: conv.first_response_at for c, conv in convs.items()}
    assert live_first == {
        "5001": at(20),  # resolving keeps the cycle's first response
        "5002": at(50),
        "5003": at(15),  # the follow-up after waking kept the cycle's first
        "5004": at(80),
        "5005": at(45),
    }
    live_breaches = set(
        Event.objects.filter(type="target.breached").values_list(
            "conversation_id", "data__cycle_start"
        )
    )
    # Rebuilt: the command, then the cycles it counted.
    call_command(
        "kpis_recompute", "--since", "2026-11-18", "--until", "2026-11-18", stdout=StringIO()
    )
    day = DailyChannelStats.objects.get(day=date(2026, 11, 18), channel=x_channel)
    live_seconds = sorted(
        [1200, 2700, 300, 2400, 900]  # A 20 min, B 45, C 5, D (2nd cycle) 40, E 15
    )
    assert sorted(day.frt_calendar) == live_seconds
    assert (day.cycles, day.answered, day.no_reply_needed) == (6, 5, 1)
    cycles = m.cycles_from_events(
        rollups.event_rows(conversation_ids=[c.pk for c in convs.values()])
    )
    by_conv = {}
    for c in cycles:
        by_conv.setdefault(c.conversation_id, []).append(c)
    for citizen, conv in convs.items():
        assert by_conv[conv.pk][-1].first_response == live_first[citizen], citizen
    rebuilt_breaches = {
        (c.conversation_id, c.start.isoformat())
        for c in cycles
        if c.first_response is not None and (c.first_response - c.start).total_seconds() > TARGET
    }
    assert {(pk, _iso(v)) for pk, v in live_breaches} == rebuilt_breaches
    assert {pk for pk, _ in rebuilt_breaches} == {convs["5002"].pk, convs["5004"].pk}
    within = sum(1 for s in day.frt_calendar if s <= TARGET)
    assert within == day.answered - len(rebuilt_breaches)


def _iso(value) -> str:
    from datetime import datetime

    return datetime.fromisoformat(value).isoformat()
