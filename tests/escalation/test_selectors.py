"""What the inbox can show from escalation, in a fixed number of queries."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation.models import Escalation
from escalation.selectors import channel_hours_statement, conversation_flags, escalated_q
from escalation.services.evaluation import evaluation_run
from escalation.tasks import evaluate
from inbox.models import Contact, Conversation, Network, Status
from inbox.networks.base import Author
from tests.escalation.conftest import dm, ingest, london
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db


def flags_at(*when):
    with time_machine.travel(london(*when), tick=False):
        evaluation_run()
        convs = list(Conversation.objects.order_by("pk"))
        return conversation_flags(convs)


def test_flags_follow_the_target_in_words(channel_a):
    with time_machine.travel(london(2026, 11, 18, 10, 0), tick=False):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 0)))
    states = [next(iter(flags_at(2026, 11, 18, 10, m).values())) for m in (1, 25, 31)]
    assert [(f.state, f.label) for f in states] == [
        ("ok", "Within target"),
        ("warning", "Near target"),
        ("breached", "Target breached"),
    ]
    assert states[0].due_at == london(2026, 11, 18, 10, 30)
    Conversation.objects.update(status=Status.PENDING)
    paused = next(iter(flags_at(2026, 11, 18, 10, 40).values()))
    assert paused.state == "paused" and paused.due_at is None


def test_flags_for_a_page_cost_the_same_queries_for_1_or_20_conversations(channel_a, team_a):
    facebook = ChannelFactory(network=Network.FACEBOOK, covered_by=[team_a])
    with time_machine.travel(london(2026, 11, 18, 10, 0), tick=False):
        for n in range(20):
            ingest(
                channel_a if n % 2 else facebook,
                dm(
                    london(2026, 11, 18, 10, 0),
                    author=Author(external_id=f"3{n}"),
                    network="x" if n % 2 else "facebook",
                ),
            )
        evaluation_run()
    convs = list(Conversation.objects.all())
    with CaptureQueriesContext(connection) as one:
        conversation_flags(convs[:1])
    with CaptureQueriesContext(connection) as many:
        conversation_flags(convs)
    assert len(one.captured_queries) == len(many.captured_queries) <= 6


def test_messenger_window_closing_and_detractor_flags(team_a):
    facebook = ChannelFactory(network=Network.FACEBOOK, covered_by=[team_a])
    with time_machine.travel(london(2026, 11, 18, 10, 0), tick=False):
        ingest(facebook, dm(london(2026, 11, 18, 10, 0), network="facebook"))
    Contact.objects.update(is_detractor=True)
    conv = Conversation.objects.get()
    early = conversation_flags([conv], now=london(2026, 11, 19, 5, 0))[conv.pk]
    late = conversation_flags([conv], now=london(2026, 11, 19, 7, 0))[conv.pk]
    assert early.window_closes_at == london(2026, 11, 19, 10, 0)
    assert (early.window_closing, late.window_closing) == (False, True)
    assert late.detractor
    # Rows from before ingest kept reply_window_closes_at fall back to the last inbound.
    Conversation.objects.update(reply_window_closes_at=None)
    conv.refresh_from_db()
    older = conversation_flags([conv], now=london(2026, 11, 19, 7, 0))[conv.pk]
    assert older.window_closes_at == london(2026, 11, 19, 10, 0) and older.window_closing


def test_escalated_q_finds_open_escalations(channel_a, threat_rule, officer):
    with time_machine.travel(london(2026, 11, 18, 10, 0), tick=False):
        ingest(
            channel_a,
            dm(london(2026, 11, 18, 10, 0), text="bomb"),
            dm(london(2026, 11, 18, 10, 0), author=Author(external_id="9"), text="hi"),
        )
        evaluation_run()
    escalated = Conversation.objects.filter(escalated_q())
    assert list(escalated) == [Escalation.objects.get().conversation]
    Escalation.objects.update(acknowledged_at=london(2026, 11, 18, 10, 5))
    assert not Conversation.objects.filter(escalated_q()).exists()


def test_the_statement_for_a_channel_without_hours(channel_a):
    assert channel_hours_statement(channel=channel_a).startswith("Staffed 24 hours a day")


def test_the_beat_task_runs_a_pass(channel_a):
    with time_machine.travel(london(2026, 11, 18, 10, 0), tick=False):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 0)))
        outcome = evaluate.apply().get()
    assert outcome["raised"] == 0 and outcome["seconds"] >= 0
    assert Conversation.objects.get().due_at == london(2026, 11, 18, 10, 30)
