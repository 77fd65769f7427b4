"""Faults while sending: at most one post per reply, whatever happens."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from events.models import Event
from inbox.models import Conversation, DeliveryState, Message
from inbox.services import outbound, polling

TWEETS = r"^/2/tweets$"


@pytest.fixture
def queued_reply(sandbox, x_channel, officer, django_capture_on_commit_callbacks):
    [tweet] = sandbox.inject(
        kind="mention", account_id="999", text="@council_help when is the bin day?"
    )
    polling.channel_poll(channel_id=x_channel.pk)
    conversation = Conversation.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        message = outbound.reply_create(
            conversation=conversation, actor=officer, text="Tuesdays on Elm Rd."
        )
    message.in_reply_to = tweet["id"]
    return message


def deliver_until_done(message, settings, attempts=6):
    """What the task's retries do, without Celery: call again at retry_at."""
    settings.OUTBOUND_UNKNOWN_SETTLE_SECONDS = 2  # the hung request lands within it
    states = []
    for _ in range(attempts):
        result = outbound.message_deliver(message_id=message.pk)
        states.append(result.state)
        if result.state in (DeliveryState.SENT, DeliveryState.FAILED):
            break
        if result.retry_at:
            time.sleep(max(0, (result.retry_at - timezone.now()).total_seconds()))
    return states


def posts(sandbox):
    return sandbox.outbox(kind="tweet")


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["after_write_error", "malformed_json", "hang"])
def test_unknown_outcome_is_reconciled_not_reposted(sandbox, queued_reply, settings, kind):
    # The client times out at 3 s; the hung request still lands at 3.5 s.
    params = {"seconds": 3.5} if kind == "hang" else {}
    sandbox.fault(method="POST", path=TWEETS, kind=kind, params=params)
    states = deliver_until_done(queued_reply, settings)
    assert states[-1] == DeliveryState.SENT
    [post] = posts(sandbox)
    queued_reply.refresh_from_db()
    assert queued_reply.external_id == post["result_id"]
    sent = Event.objects.get(type="message.sent", message=queued_reply)
    assert sent.data["reconciled"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["server_error", "bad_gateway_html", "rate_limit"])
def test_a_refused_attempt_is_retried_and_posts_once(sandbox, queued_reply, settings, kind):
    sandbox.fault(method="POST", path=TWEETS, kind=kind, params={"reset_in": 1})
    states = deliver_until_done(queued_reply, settings)
    assert states[0] == "retry" and states[-1] == DeliveryState.SENT
    assert len(posts(sandbox)) == 1


@pytest.mark.django_db
def test_duplicate_content_of_our_own_earlier_post_counts_as_sent(sandbox, queued_reply, settings):
    # An earlier attempt got through but its answer was lost; X then says duplicate.
    sandbox.fault(method="POST", path=TWEETS, kind="after_write_error")
    outbound.message_deliver(message_id=queued_reply.pk)
    # As if the claim was lost: queued again, due now, the earlier post unknown to us.
    Message.objects.filter(pk=queued_reply.pk).update(state=DeliveryState.QUEUED, not_before=None)
    assert outbound.message_deliver(message_id=queued_reply.pk).state == DeliveryState.SENT
    assert len(posts(sandbox)) == 1


@pytest.mark.django_db
def test_a_permanent_refusal_fails_with_a_reason_and_is_never_retried(
    sandbox, queued_reply, settings
):
    sandbox.fault(
        method="POST", path=TWEETS, kind="permission", params={"detail": "You are not permitted"}
    )
    assert deliver_until_done(queued_reply, settings) == [DeliveryState.FAILED]
    queued_reply.refresh_from_db()
    assert "not permitted" in queued_reply.last_error
    assert Event.objects.filter(type="message.failed", message=queued_reply).count() == 1
    assert outbound.message_deliver(message_id=queued_reply.pk).state == DeliveryState.FAILED
    assert posts(sandbox) == []


@pytest.mark.django_db
def test_a_live_sender_is_never_overtaken(sandbox, queued_reply):
    Message.objects.filter(pk=queued_reply.pk).update(
        state=DeliveryState.SENDING,
        send_lease_until=timezone.now() + timezone.timedelta(seconds=60),
    )
    assert outbound.message_deliver(message_id=queued_reply.pk).state == "busy"
    assert posts(sandbox) == []
