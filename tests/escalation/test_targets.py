"""Response targets: due times on the staffed or calendar clock, pauses while
pending, recomputation on change, and one event per stage per cycle."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation.models import Clock, ConversationTarget, ResponseTarget
from escalation.services.evaluation import evaluation_run
from escalation.services.targets import targets_invalidate
from events.models import Event
from inbox.models import Conversation, Priority, Status
from inbox.networks.base import Author
from inbox.services.actions import conversation_set_status
from tests.escalation.conftest import dm, ingest, london, mention, staff_reply

pytestmark = pytest.mark.django_db


def at(*args):
    return time_machine.travel(london(*args), tick=False)


def stage_events(type_: str) -> int:
    return Event.objects.filter(type=type_).count()


def test_default_target_is_30_minutes_of_staffed_time(office_hours, channel_a):
    with at(2026, 11, 18, 10, 0):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 0)))
        evaluation_run()
    target = ConversationTarget.objects.get()
    assert target.clock == Clock.STAFFED
    assert target.warn_at == london(2026, 11, 18, 10, 24)
    assert target.due_at == london(2026, 11, 18, 10, 30)
    assert target.limit_at == london(2026, 11, 18, 11, 0)
    assert Conversation.objects.get().due_at == target.due_at  # mirrored for the inbox


def test_a_message_after_hours_is_due_after_opening_on_the_staffed_clock(office_hours, channel_a):
    with at(2026, 11, 18, 19, 0):
        ingest(channel_a, dm(london(2026, 11, 18, 19, 0)))
        evaluation_run()
    assert ConversationTarget.objects.get().due_at == london(2026, 11, 19, 8, 30)


def test_a_calendar_policy_ignores_staffed_hours(office_hours, channel_a):
    ResponseTarget.objects.create(
        channel=channel_a, target_minutes=60, limit_minutes=120, clock=Clock.CALENDAR
    )
    with at(2026, 11, 18, 19, 0):
        ingest(channel_a, dm(london(2026, 11, 18, 19, 0)))
        evaluation_run()
    assert ConversationTarget.objects.get().due_at == london(2026, 11, 18, 20, 0)


def test_each_stage_fires_once_per_cycle(channel_a):
    with at(2026, 11, 18, 10, 0):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 0)))
        evaluation_run()
    for minute in (25, 25, 31, 31, 45, 61, 70):
        with at(2026, 11, 18, 10, minute) if minute < 60 else at(2026, 11, 18, 11, minute - 60):
            evaluation_run()
    assert (
        stage_events("target.warning"),
        stage_events("target.breached"),
        stage_events("target.limit_breached"),
    ) == (1, 1, 1)
    # A reply ends the cycle; the next inbound starts a new one with its own events.
    conv = Conversation.objects.get()
    with at(2026, 11, 18, 11, 15):
        staff_reply(conv, london(2026, 11, 18, 11, 15))
        evaluation_run()
    with at(2026, 11, 18, 12, 0):
        ingest(channel_a, dm(london(2026, 11, 18, 12, 0), text="thanks, but..."))
        evaluation_run()
    with at(2026, 11, 18, 12, 31):
        evaluation_run()
    assert stage_events("target.breached") == 2


def test_a_conversation_first_seen_past_its_limit_gets_one_event(channel_a):
    with at(2026, 11, 18, 12, 0):
        ingest(channel_a, dm(london(2026, 11, 18, 9, 0)))
        evaluation_run()
    assert stage_events("target.limit_breached") == 1
    assert stage_events("target.breached") == stage_events("target.warning") == 0


def test_an_answered_conversation_never_breaches(channel_a):
    with at(2026, 11, 18, 10, 0):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 0)))
        evaluation_run()
    with at(2026, 11, 18, 10, 5):
        staff_reply(Conversation.objects.get(), london(2026, 11, 18, 10, 5))
    with at(2026, 11, 18, 11, 30):
        evaluation_run()
    assert not Event.objects.filter(type__startswith="target.").exists()
    assert ConversationTarget.objects.get().due_at is None
    assert Conversation.objects.get().due_at is None


def test_pending_pauses_the_clock(channel_a, officer):
    with at(2026, 11, 18, 10, 0):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 0)))
        evaluation_run()
    conv = Conversation.objects.get()
    with at(2026, 11, 18, 10, 10):
        conversation_set_status(conversation=conv, actor=officer, status=Status.PENDING)
    with at(2026, 11, 18, 10, 12):
        evaluation_run()
        target = ConversationTarget.objects.get()
        assert target.due_at is None and target.paused_since == london(2026, 11, 18, 10, 10)
    with at(2026, 11, 18, 10, 40):
        conversation_set_status(conversation=conv, actor=officer, status=Status.OPEN)
    with at(2026, 11, 18, 10, 45):
        evaluation_run()
    target = ConversationTarget.objects.get()
    assert target.paused_seconds == 30 * 60
    assert target.due_at == london(2026, 11, 18, 11, 0)
    with at(2026, 11, 18, 10, 50):
        evaluation_run()
    assert not stage_events("target.breached")


def test_priority_and_hours_changes_recompute_the_due_time(office_hours, channel_a, officer):
    ResponseTarget.objects.create(priority=Priority.URGENT, target_minutes=10, limit_minutes=20)
    with at(2026, 11, 18, 17, 50):
        ingest(channel_a, dm(london(2026, 11, 18, 17, 50)))
        evaluation_run()
    assert ConversationTarget.objects.get().due_at == london(2026, 11, 19, 8, 20)
    Conversation.objects.update(priority=Priority.URGENT)
    with at(2026, 11, 18, 17, 51):
        evaluation_run()
    assert ConversationTarget.objects.get().due_at == london(2026, 11, 18, 18, 0)
    office_hours.intervals.filter(weekday=2).update(end=london(2026, 1, 1, 20, 0).time())
    targets_invalidate(channel_ids=[channel_a.pk])
    with at(2026, 11, 18, 17, 52):
        evaluation_run()
    assert ConversationTarget.objects.get().due_at == london(2026, 11, 18, 18, 0)
    assert Conversation.objects.get().due_at == london(2026, 11, 18, 18, 0)


def test_resolving_clears_the_due_time(channel_a, officer):
    with at(2026, 11, 18, 10, 0):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 0)))
        evaluation_run()
        conversation_set_status(
            conversation=Conversation.objects.get(), actor=officer, status=Status.RESOLVED
        )
        evaluation_run()
    assert not ConversationTarget.objects.exists()
    assert Conversation.objects.get().due_at is None


def _steady_pass_queries(channel_a, count: int, prefix: str) -> int:
    with at(2026, 11, 18, 10, 0):
        authors = [Author(external_id=f"{prefix}{n}", handle=f"p{n}") for n in range(count)]
        ingest(channel_a, *[mention(london(2026, 11, 18, 9, 59), author=a) for a in authors])
        evaluation_run()
    before = stage_events("target.breached")
    with at(2026, 11, 18, 10, 40), CaptureQueriesContext(connection) as ctx:
        evaluation_run()  # every conversation crosses its target in this pass
    assert stage_events("target.breached") - before == count
    return len(ctx.captured_queries)


def test_a_pass_costs_the_same_queries_for_5_or_50_conversations(channel_a):
    few = _steady_pass_queries(channel_a, 5, "1")
    Conversation.objects.update(status=Status.RESOLVED)
    with at(2026, 11, 18, 10, 41):
        evaluation_run()
    many = _steady_pass_queries(channel_a, 50, "2")
    assert many == few, (few, many)


def test_timeline_fallback_for_old_cycles(office_hours, channel_a):
    with at(2026, 11, 18, 10, 0):
        ingest(channel_a, dm(london(2026, 6, 1, 10, 0)))  # months ago
        evaluation_run()
    assert ConversationTarget.objects.get().due_at == london(2026, 6, 1, 10, 30)
    assert london(2026, 6, 1, 10, 30) < london(2026, 11, 18, 10, 0) - timedelta(days=60)
