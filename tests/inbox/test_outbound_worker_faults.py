"""Exactly once at scale (issue 15, point 4): 300 replies through a real Celery
worker on Postgres and Redis, the worker SIGKILLed twice mid-send, more than
100 posts by the account between each lost send and its reconciliation, and
the network's write limit reached. Every reply is posted once and recorded as
sent with its network id; none ends failed or stuck."""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest
from django.db import connection

from events.models import Event
from inbox import tasks
from inbox.models import Conversation, DeliveryState, Message
from inbox.services import outbound, polling
from tests.support.worker import WorkerProcess, purge_broker, wait_for

REPLIES = 300
TWEETS = r"^/2/tweets$"
HANG = 1.5  # the killed send's request lands this long after it arrived
# The account's posts that must come between a lost send and its reconciliation.
MORE_THAN = 100

pytestmark = pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"),
    reason="a worker fault test on the suite's own Redis and Postgres, as in CI",
)


@pytest.fixture
def send_worker(transactional_db, sandbox, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the fault test runs on Postgres, as production does")
    settings.OUTBOUND_SEND_LEASE_SECONDS = 3
    # The sweeper runs in this process (as beat would): a queued row counts as
    # lost 5 s after it was due, not a minute.
    settings.OUTBOUND_SWEEP_GRACE_SECONDS = 5
    purge_broker()
    # Started by the test once every reply is queued: with sends as quick as
    # the sandbox answers, a running worker keeps pace with the queueing and
    # the kills would land too late to leave 100 posts after them.
    worker = WorkerProcess(extra_env={"OUTBOUND_UNKNOWN_SETTLE_SECONDS": "1"})
    yield worker
    worker.stop()
    purge_broker()


def tweets(sandbox):
    return sandbox.outbox(kind="tweet")


def kill_mid_send(sandbox, worker) -> int:
    """Kill the worker while its send hangs on the network (a hang fault was
    queued); the network still posts it. Returns that post's outbox seq."""
    wait_for(lambda: not sandbox.get("/_sandbox/faults")["faults"], timeout=60, what="the hang")
    worker.kill()
    time.sleep(HANG + 0.5)
    return max(p["seq"] for p in tweets(sandbox))


def hang_next_send(sandbox, *, skip: int) -> None:
    sandbox.fault(method="POST", path=TWEETS, kind="hang", params={"seconds": HANG}, skip=skip)


def queue_replies(sandbox, x_channel, officer) -> list[Message]:
    sandbox.inject(kind="mention", account_id="999")
    polling.channel_poll(channel_id=x_channel.pk)  # the first poll sets the cursor
    sandbox.inject(kind="mention", account_id="999", count=REPLIES - 1)
    polling.channel_poll(channel_id=x_channel.pk)
    conversations = list(Conversation.objects.order_by("pk"))
    assert len(conversations) == REPLIES
    return [
        outbound.reply_create(
            conversation=conversation,
            actor=officer,
            text=f"Reply {n}: thank you, we have logged your report.",
        )
        for n, conversation in enumerate(conversations)
    ]


def sweep_until_all_sent(messages, *, timeout: float = 60) -> None:
    """Beat's job, every 2 s instead of 30: re-enqueue what was lost."""
    deadline = time.monotonic() + timeout
    ids = [m.pk for m in messages]
    while time.monotonic() < deadline:
        if Message.objects.filter(pk__in=ids, state=DeliveryState.SENT).count() == len(ids):
            return
        tasks.sweep_outbound()
        time.sleep(2)
    states = Counter(Message.objects.filter(pk__in=ids).values_list("state", flat=True))
    raise AssertionError(f"not all sent in {timeout}s: {dict(states)}")


def test_300_replies_two_kills_and_a_write_limit_post_each_exactly_once(
    sandbox, x_channel, officer, send_worker
):
    started = time.monotonic()
    messages = queue_replies(sandbox, x_channel, officer)
    hang_next_send(sandbox, skip=20)
    send_worker.start()
    lost = [kill_mid_send(sandbox, send_worker)]
    hang_next_send(sandbox, skip=40)
    send_worker.start()
    lost.append(kill_mid_send(sandbox, send_worker))
    # Set after the kills, so the limit's short windows start now and are
    # surely reached by the ~240 replies left.
    sandbox.limits(x_write=80, window_seconds=6)
    send_worker.start()

    # The dead senders' rows wait for the sweeper; their posts must first be
    # buried under more than 100 newer ones.
    wait_for(
        lambda: len(tweets(sandbox)) > max(lost) + MORE_THAN,
        timeout=60,
        interval=0.5,
        what="more than 100 posts after the lost sends",
    )
    posted_before_reconciling = max(p["seq"] for p in tweets(sandbox))
    sweep_until_all_sent(messages)

    posts = tweets(sandbox)
    by_text = {p["text"]: p for p in posts}
    assert len(posts) == REPLIES and len(by_text) == REPLIES, "a reply was posted twice"
    for message in Message.objects.filter(pk__in=[m.pk for m in messages]):
        assert message.state == DeliveryState.SENT
        assert message.external_id == by_text[message.text]["result_id"]
        assert message.attempts <= 2, "a rate limit spent an attempt"
    reconciled = [e for e in Event.objects.filter(type="message.sent") if e.data.get("reconciled")]
    assert sorted(by_text[e.message.text]["seq"] for e in reconciled) == sorted(lost), (
        "each killed send was found on the network, not posted again"
    )
    assert posted_before_reconciling - max(lost) > MORE_THAN
    assert Event.objects.filter(type="message.sent").count() == REPLIES
    assert not Event.objects.filter(type="message.failed").exists()
    assert sandbox.limits()["refused"].get("create_tweet", 0) > 0, "the write limit was reached"
    assert time.monotonic() - started < 90
