"""History: messages written before a channel went live (its import on
connect, its first poll) are shown as needing a reply but never page anyone,
until the person writes again after it."""

from __future__ import annotations

import pytest
import time_machine

from escalation.models import (
    ConversationTarget,
    Escalation,
    EscalationLevel,
    EscalationRule,
    TargetStage,
)
from escalation.services.evaluation import evaluation_run
from events.models import Event
from inbox.models import Conversation, Notification, Status
from tests.escalation.conftest import dm, ingest, london, mention

pytestmark = pytest.mark.django_db


def at(*args):
    return time_machine.travel(london(*args), tick=False)


def stage_events() -> list[str]:
    return list(Event.objects.filter(type__startswith="target.").values_list("type", flat=True))


@pytest.fixture
def live_channel(channel_a):
    """channel_a, connected on 18 November at 10:00."""
    channel_a.live_since = london(2026, 11, 18, 10, 0)
    channel_a.save(update_fields=["live_since"])
    return channel_a


@pytest.fixture
def late_rule(manager):
    """Page the manager when a response target is breached."""
    rule = EscalationRule.objects.create(name="Late", target_stage=TargetStage.BREACHED)
    EscalationLevel.objects.create(rule=rule, number=1, name="Lead").users.add(manager)
    return rule


def test_history_imported_on_connect_is_shown_awaiting_but_never_breaches(live_channel, late_rule):
    with at(2026, 11, 18, 10, 1):  # the import stores a week-old DM and mention
        ingest(live_channel, dm(london(2026, 11, 11, 9, 0)), mention(london(2026, 11, 15, 9, 0)))
        evaluation_run()
    for day, hour in ((18, 11), (18, 16), (19, 10), (25, 10)):
        with at(2026, 11, day, hour, 0):
            evaluation_run()
    assert stage_events() == []
    assert not Escalation.objects.exists() and not Notification.objects.exists()
    conversations = Conversation.objects.all()
    assert len(conversations) == 2
    for conv in conversations:  # still in the inbox as needing a reply
        assert conv.status == Status.NEW and conv.awaiting_since is not None
        assert conv.due_at is None
    assert ConversationTarget.objects.filter(due_at__isnull=True).count() == 2


def test_history_pages_nobody_through_other_rules_either(live_channel, threat_rule):
    with at(2026, 11, 18, 10, 1):
        ingest(live_channel, dm(london(2026, 11, 17, 9, 0), text="There is a bomb in the park"))
        evaluation_run()
    with at(2026, 11, 18, 12, 0):
        evaluation_run()
    assert not Escalation.objects.exists() and not Notification.objects.exists()


def test_a_message_after_going_live_starts_the_clock_in_a_history_thread(
    live_channel, late_rule, manager
):
    with at(2026, 11, 18, 10, 1):
        ingest(live_channel, dm(london(2026, 11, 11, 9, 0)))
        evaluation_run()
    with at(2026, 11, 18, 10, 20):
        ingest(live_channel, dm(london(2026, 11, 18, 10, 20), text="Still waiting!"))
        ingest(live_channel, dm(london(2026, 11, 18, 10, 25), text="Hello?"))
        evaluation_run()
    target = ConversationTarget.objects.get()
    assert target.due_at == london(2026, 11, 18, 10, 50), "from the first new message"
    assert target.cycle_start == london(2026, 11, 11, 9, 0), "the cycle is the same"
    assert Conversation.objects.get().due_at == target.due_at
    with at(2026, 11, 18, 10, 49):
        evaluation_run()
    assert stage_events() == ["target.warning"]
    with at(2026, 11, 18, 10, 50):
        evaluation_run()
        evaluation_run()
    assert sorted(stage_events()) == ["target.breached", "target.warning"]
    assert Escalation.objects.get().reason == "Response target breached"
    assert Notification.objects.filter(user=manager).count() == 1


def test_a_new_message_wakes_a_history_thread_computed_in_an_earlier_pass(live_channel):
    with at(2026, 11, 18, 10, 1):
        ingest(live_channel, dm(london(2026, 11, 11, 9, 0)))
        evaluation_run()
    with at(2026, 11, 18, 11, 0):
        evaluation_run()  # nothing new: the row is not recomputed
        assert ConversationTarget.objects.get().due_at is None
        ingest(live_channel, dm(london(2026, 11, 18, 11, 0), text="Anyone there?"))
        evaluation_run()
    assert ConversationTarget.objects.get().due_at == london(2026, 11, 18, 11, 30)


def test_messages_written_after_going_live_breach_as_always(live_channel, late_rule):
    with at(2026, 11, 18, 10, 5):
        ingest(live_channel, dm(london(2026, 11, 18, 10, 5)))
        evaluation_run()
    with at(2026, 11, 18, 10, 35):
        evaluation_run()
    assert stage_events() == ["target.breached"]
    assert Escalation.objects.count() == 1


def test_a_channel_without_a_cut_off_treats_every_message_as_live(channel_a):
    assert channel_a.live_since is None
    with at(2026, 11, 18, 12, 0):
        ingest(channel_a, dm(london(2026, 11, 11, 9, 0)))
        evaluation_run()
    assert stage_events() == ["target.limit_breached"]
