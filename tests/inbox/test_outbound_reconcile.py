"""Exactly once past leases and rate limits, one send at a time (issue 15,
point 4): a lost send is found however many posts came after it, on X and
Facebook; a rate limit waits for its reset without spending attempts; the
sweeper leaves a waiting row alone; what cannot be checked is said so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Event
from inbox import tasks
from inbox.models import Conversation, DeliveryState, Message
from inbox.networks import base, client_for
from inbox.services import outbound, polling
from tests.inbox.facebook_support import (
    JO,
    fb_channel_fixture,  # noqa: F401 (fixture)
    fb_fault,
    fb_inject,
)

pytestmark = pytest.mark.django_db

TWEETS = r"^/2/tweets$"
X_DMS = r"^/2/dm_conversations/with/\d+/messages$"
FB_COMMENTS = r"^/v21\.0/\d+_\d+/comments$"
FB_MESSAGES = r"^/v21\.0/\d+/messages$"


def queue_reply(officer, text="Tuesdays on Elm Rd."):
    return outbound.reply_create(conversation=Conversation.objects.get(), actor=officer, text=text)


@pytest.fixture
def x_mention(sandbox, x_channel):
    [mention] = sandbox.inject(kind="mention", account_id="999", text="@council_help bin day?")
    polling.channel_poll(channel_id=x_channel.pk)
    return mention


@pytest.fixture
def x_dm(sandbox, x_channel):
    [dm] = sandbox.inject(kind="dm", account_id="999", text="Is my council tax paid?")
    polling.channel_poll(channel_id=x_channel.pk)
    return dm


@pytest.fixture
def fb_comment(sandbox, fb_channel):
    [comment] = fb_inject(sandbox, kind="comment", author=JO, text="When is the bin day?")
    polling.channel_poll(channel_id=fb_channel.pk)
    return comment


@pytest.fixture
def fb_message(sandbox, fb_channel):
    [message] = fb_inject(sandbox, kind="message", author=JO, text="When is the bin day?")
    polling.channel_poll(channel_id=fb_channel.pk)
    return message


def lose_the_answer(message):
    """The first attempt reaches the network but its answer is lost
    (after_write_error); the message is left to reconcile."""
    result = outbound.message_deliver(message_id=message.pk)
    assert result.state == "retry"
    message.refresh_from_db()
    assert message.state == DeliveryState.SENDING and message.not_before > timezone.now()


def make_due(message):
    """The retry time has come (instead of sleeping until it)."""
    Message.objects.filter(pk=message.pk).update(not_before=timezone.now())


def assert_sent_once(message, posts):
    [post] = [p for p in posts if p["text"] == message.text]
    message.refresh_from_db()
    assert message.state == DeliveryState.SENT
    assert message.external_id == post["result_id"]
    assert Event.objects.get(type="message.sent", message=message).data["reconciled"] is True


# --- paging back past 100 ---------------------------------------------------------------


def test_x_finds_a_lost_reply_behind_250_newer_posts(sandbox, x_channel, x_mention, officer):
    message = queue_reply(officer)
    sandbox.fault(method="POST", path=TWEETS, kind="after_write_error")
    lose_the_answer(message)
    account = client_for(x_channel)
    for n in range(250):  # colleagues keep replying while the lost send waits
        account.send_reply(in_reply_to=x_mention["id"], text=f"Update {n} on the bins")
    make_due(message)
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    assert_sent_once(message, sandbox.outbox(kind="tweet"))


def test_x_finds_a_lost_dm_behind_150_newer_dms_in_the_thread(sandbox, x_channel, x_dm, officer):
    message = queue_reply(officer, text="Yes, it was paid on 1 March.")
    sandbox.fault(method="POST", path=X_DMS, kind="after_write_error")
    lose_the_answer(message)
    account = client_for(x_channel)
    person = Conversation.objects.get().contact.external_id
    for n in range(150):
        account.send_private(thread_key="", recipient_id=person, text=f"Note {n}")
    make_due(message)
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    assert_sent_once(message, sandbox.outbox(kind="dm"))


def test_facebook_finds_a_lost_comment_reply_behind_130_newer_replies(
    sandbox, fb_channel, fb_comment, officer
):
    # Graph has no duplicate refusal: posting again here would be a double post.
    message = queue_reply(officer)
    fb_fault(sandbox, method="POST", path=FB_COMMENTS, kind="after_write_error")
    lose_the_answer(message)
    page = client_for(fb_channel)
    for n in range(130):
        page.send_reply(in_reply_to=fb_comment["id"], text=f"Update {n} on the bins")
    make_due(message)
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    assert_sent_once(message, sandbox.outbox(network="fb", kind="comment"))


def test_facebook_finds_a_lost_messenger_reply_behind_120_newer_messages(
    sandbox, fb_channel, fb_message, officer
):
    message = queue_reply(officer)
    fb_fault(sandbox, method="POST", path=FB_MESSAGES, kind="after_write_error")
    lose_the_answer(message)
    page = client_for(fb_channel)
    for n in range(120):
        page.send_private(thread_key="", recipient_id=JO["id"], text=f"Note {n}")
    make_due(message)
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    assert_sent_once(message, sandbox.outbox(network="fb", kind="message"))


def test_an_earlier_identical_reply_of_another_message_is_not_taken_for_this_one(
    sandbox, x_channel, x_mention, officer
):
    first = queue_reply(officer, text="Thanks, passed on.")
    assert outbound.message_deliver(message_id=first.pk).state == DeliveryState.SENT
    second = queue_reply(officer, text="Thanks, passed on.")
    # X refuses the same text within 24 hours, and the post it matches is the
    # first message's: the second really was refused, not already sent.
    assert outbound.message_deliver(message_id=second.pk).state == DeliveryState.FAILED
    second.refresh_from_db()
    assert second.external_id is None and "duplicate" in second.last_error
    assert len(sandbox.outbox(kind="tweet")) == 1


def test_past_the_page_bound_the_outcome_is_unconfirmed_not_failed_nor_posted_again(
    sandbox, x_channel, x_mention, officer, monkeypatch
):
    monkeypatch.setattr(base, "FIND_SENT_MAX_PAGES", 2)
    message = queue_reply(officer)
    sandbox.fault(method="POST", path=TWEETS, kind="after_write_error")
    lose_the_answer(message)
    account = client_for(x_channel)
    for n in range(250):
        account.send_reply(in_reply_to=x_mention["id"], text=f"Update {n} on the bins")
    make_due(message)
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.UNCONFIRMED
    message.refresh_from_db()
    assert message.state == DeliveryState.UNCONFIRMED
    assert "more than 200 posts by the account" in message.last_error
    assert Event.objects.filter(type="message.unconfirmed", message=message).count() == 1
    assert not Event.objects.filter(type="message.failed", message=message).exists()
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.UNCONFIRMED
    assert len([p for p in sandbox.outbox(kind="tweet") if p["text"] == message.text]) == 1


# --- rate limits ----------------------------------------------------------------------


def test_a_429_spends_no_attempt_and_sets_not_before_to_the_reset(sandbox, x_mention, officer):
    message = queue_reply(officer)
    sandbox.fault(method="POST", path=TWEETS, kind="rate_limit", params={"reset_in": 120})
    result = outbound.message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert result.state == "retry" and result.retry_at == message.not_before
    assert message.state == DeliveryState.QUEUED and message.attempts == 0
    assert timedelta(seconds=110) < message.not_before - timezone.now() <= timedelta(seconds=121)
    assert "rate limit" in message.last_error


def test_more_429s_than_allowed_attempts_still_end_sent(sandbox, x_mention, officer):
    message = queue_reply(officer)
    refusals = outbound.MAX_ATTEMPTS + 3
    sandbox.fault(
        method="POST", path=TWEETS, kind="rate_limit", params={"reset_in": 60}, times=refusals
    )
    states = []
    for _ in range(refusals + 1):
        states.append(outbound.message_deliver(message_id=message.pk).state)
        make_due(message)
    assert states == ["retry"] * refusals + [DeliveryState.SENT]
    message.refresh_from_db()
    assert message.attempts == 1
    assert len(sandbox.outbox(kind="tweet")) == 1


def test_the_sandbox_write_limit_makes_the_next_reply_wait_for_its_reset(
    sandbox, x_mention, officer
):
    sandbox.limits(x_write=1, window_seconds=90)
    first, second = queue_reply(officer, text="First answer"), queue_reply(officer, text="Second")
    assert outbound.message_deliver(message_id=first.pk).state == DeliveryState.SENT
    assert outbound.message_deliver(message_id=second.pk).state == "retry"
    second.refresh_from_db()
    assert second.attempts == 0
    assert timedelta(seconds=80) < second.not_before - timezone.now() <= timedelta(seconds=91)
    assert sandbox.limits()["refused"] == {"create_tweet": 1}


def test_a_claim_waits_for_not_before_and_a_waiting_task_adds_no_retry(sandbox, x_mention, officer):
    message = queue_reply(officer)
    later = timezone.now() + timedelta(minutes=5)
    Message.objects.filter(pk=message.pk).update(not_before=later)
    result = outbound.message_deliver(message_id=message.pk)
    assert (result.state, result.retry_at) == ("waiting", later)
    # Called as the worker would: no Retry raised, so no second retry queued.
    assert tasks.deliver_message(message.pk) == "waiting"
    message.refresh_from_db()
    assert message.state == DeliveryState.QUEUED and message.attempts == 0
    assert sandbox.outbox(kind="tweet") == []


# --- the sweeper ----------------------------------------------------------------------


def test_the_sweeper_leaves_a_row_waiting_for_a_rate_limit_alone(x_mention, officer, settings):
    settings.OUTBOUND_SWEEP_GRACE_SECONDS = 60
    now = timezone.now()
    old = now - timedelta(minutes=10)
    waiting = queue_reply(officer, text="Waiting for the reset")
    lost = queue_reply(officer, text="Task lost in a broker restart")
    overdue = queue_reply(officer, text="Reset long past, task lost")
    unsure = queue_reply(officer, text="Unknown outcome, settling")
    dead = queue_reply(officer, text="Its worker was killed")
    Message.objects.filter(pk__in=[m.pk for m in (waiting, lost, overdue, unsure, dead)]).update(
        received_at=old
    )
    Message.objects.filter(pk=waiting.pk).update(not_before=now + timedelta(minutes=10))
    Message.objects.filter(pk=overdue.pk).update(not_before=now - timedelta(minutes=2))
    Message.objects.filter(pk=unsure.pk).update(
        state=DeliveryState.SENDING, send_lease_until=old, not_before=now + timedelta(seconds=30)
    )
    Message.objects.filter(pk=dead.pk).update(
        state=DeliveryState.SENDING, send_lease_until=now - timedelta(seconds=1)
    )
    messages, _ = outbound.outbound_stuck()
    assert sorted(messages) == sorted([lost.pk, overdue.pk, dead.pk])


def test_a_row_just_due_is_left_to_its_own_retry_for_the_grace_period(x_mention, officer, settings):
    settings.OUTBOUND_SWEEP_GRACE_SECONDS = 60
    message = queue_reply(officer)
    Message.objects.filter(pk=message.pk).update(
        received_at=timezone.now() - timedelta(hours=1),
        not_before=timezone.now() - timedelta(seconds=5),
    )
    assert outbound.outbound_stuck() == ([], [])
    settings.OUTBOUND_SWEEP_GRACE_SECONDS = 1
    assert outbound.outbound_stuck() == ([message.pk], [])


# --- already posted -> sent -------------------------------------------------------------


def test_a_duplicate_refusal_on_the_last_allowed_attempt_is_recorded_as_sent(
    sandbox, x_mention, officer
):
    message = queue_reply(officer)
    sandbox.fault(method="POST", path=TWEETS, kind="after_write_error")
    lose_the_answer(message)
    # Every attempt but one spent; the queue forgot it had an unknown outcome.
    Message.objects.filter(pk=message.pk).update(
        state=DeliveryState.QUEUED, attempts=outbound.MAX_ATTEMPTS - 1, not_before=None
    )
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    assert_sent_once(message, sandbox.outbox(kind="tweet"))
    assert not Event.objects.filter(type="message.failed", message=message).exists()
