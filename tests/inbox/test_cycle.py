"""The cycle rule on its own: plain values in, plain values out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from inbox.models import Status
from inbox.services import cycle
from inbox.services.cycle import CycleState, after_answer, after_inbound, after_status

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def t(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_its_statuses_are_the_models():
    assert (cycle.NEW, cycle.OPEN, cycle.PENDING, cycle.RESOLVED) == (
        Status.NEW, Status.OPEN, Status.PENDING, Status.RESOLVED,
    )  # fmt: skip


def test_a_first_message_starts_a_cycle_and_a_reply_answers_it():
    step = after_inbound(CycleState(), sent_at=t(0))
    assert step.started and step.state == CycleState(Status.NEW, t(0), None)
    answered = after_answer(step.state, at=t(12))
    assert answered.answered and answered.state.awaiting_since is None
    assert answered.state.first_response_at == t(12)


def test_auto_replies_and_answers_dated_before_the_message_never_answer():
    waiting = CycleState(Status.OPEN, t(10), None)
    assert not after_answer(waiting, at=t(11), automated=True).answered
    assert not after_answer(waiting, at=t(9)).answered
    assert not after_answer(CycleState(Status.OPEN), at=t(9)).answered


def test_a_follow_up_awaits_again_in_the_same_cycle():
    answered = CycleState(Status.OPEN, None, t(5))
    step = after_inbound(answered, sent_at=t(20))
    assert not step.started and step.state == CycleState(Status.OPEN, t(20), t(5))
    again = after_answer(step.state, at=t(30)).state
    assert again == CycleState(Status.OPEN, None, t(5))  # the first response stays


def test_a_late_earlier_message_moves_the_wait_back_but_not_before_the_answer():
    waiting = CycleState(Status.OPEN, t(10), None)
    assert after_inbound(waiting, sent_at=t(3)).state.awaiting_since == t(3)
    follow_up = CycleState(Status.OPEN, t(10), t(5))
    assert after_inbound(follow_up, sent_at=t(4)).state.awaiting_since == t(10)
    assert after_inbound(follow_up, sent_at=t(7)).state.awaiting_since == t(7)


def test_a_citizen_wakes_pending_into_the_same_cycle_and_resolved_into_a_new_one():
    pending = CycleState(Status.PENDING, None, t(5))
    woke = after_inbound(pending, sent_at=t(30))
    assert woke.woke == Status.PENDING and not woke.started
    assert woke.state == CycleState(Status.OPEN, t(30), t(5))
    resolved = after_status(CycleState(Status.OPEN, None, t(5)), to=Status.RESOLVED).state
    assert resolved == CycleState(Status.RESOLVED, None, t(5))
    reopened = after_inbound(resolved, sent_at=t(60))
    assert reopened.woke == Status.RESOLVED and reopened.started
    assert reopened.state == CycleState(Status.OPEN, t(60), None)


def test_resolving_ends_the_wait_and_a_manual_reopen_awaits_nothing_until_the_citizen_writes():
    resolved = after_status(CycleState(Status.OPEN, t(0), None), to=Status.RESOLVED).state
    assert resolved.awaiting_since is None
    reopened = after_status(resolved, to=Status.OPEN).state
    assert reopened == CycleState(Status.OPEN, None, None)
    assert after_inbound(reopened, sent_at=t(90)).started
    pending = after_status(CycleState(Status.OPEN, t(0), None), to=Status.PENDING).state
    assert pending == CycleState(Status.PENDING, t(0), None)  # the target pauses, the wait stays


def test_a_citizens_message_ends_a_snooze_an_answer_does_not():
    snoozed = CycleState(Status.OPEN, None, t(5), snoozed_until=t(600))
    answered = after_answer(replace(snoozed, awaiting_since=t(1)), at=t(6))
    assert answered.state.snoozed_until == t(600) and not answered.unsnoozed
    woke = after_inbound(snoozed, sent_at=t(30))
    assert woke.unsnoozed and woke.state.snoozed_until is None
    assert woke.state == CycleState(Status.OPEN, t(30), t(5))
    pending = after_inbound(replace(snoozed, status=Status.PENDING), sent_at=t(30))
    assert pending.unsnoozed and pending.woke == Status.PENDING
    assert not after_inbound(CycleState(Status.OPEN), sent_at=t(1)).unsnoozed


def test_resolving_ends_a_snooze():
    snoozed = CycleState(Status.OPEN, t(0), None, snoozed_until=t(600))
    step = after_status(snoozed, to=Status.RESOLVED)
    assert step.unsnoozed and step.state.snoozed_until is None
    kept = after_status(snoozed, to=Status.PENDING)
    assert not kept.unsnoozed and kept.state.snoozed_until == t(600)
