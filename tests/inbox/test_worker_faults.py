"""Faults that kill processes: a real Celery worker SIGKILLed mid-poll and
mid-send, Redis restarted under it, and two polls of one channel at once.
Each ends with every message stored once and at most one post per reply."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from events.models import Event
from inbox import tasks
from inbox.models import Channel, Conversation, DeliveryState, Message
from inbox.services import outbound, polling
from tests.support.worker import wait_for

MENTIONS = r"/2/users/999/mentions"


def fault_used(sandbox):
    return not sandbox.get("/_sandbox/faults")["faults"]


def stored_ids():
    ids = list(Message.objects.filter(direction="in").values_list("external_id", flat=True))
    assert len(ids) == len(set(ids)), "a message was stored twice"
    return set(ids)


def make_due(channel):
    Channel.objects.filter(pk=channel.pk).update(next_poll_at=None, poll_claimed_until=None)


def test_worker_killed_mid_poll_loses_nothing(sandbox, x_channel, celery_worker_process):
    expected = {i["id"] for i in sandbox.inject(kind="mention", account_id="999")}
    polling.channel_poll(channel_id=x_channel.pk)  # the first poll (one page) sets the cursor
    expected |= {i["id"] for i in sandbox.inject(kind="mention", account_id="999", count=250)}
    sandbox.fault(method="GET", path=MENTIONS, kind="hang", params={"seconds": 20}, skip=1)
    tasks.dispatch_polls.delay()
    wait_for(lambda: fault_used(sandbox), what="the poll to reach page 2")
    celery_worker_process.kill()
    assert stored_ids() <= expected

    celery_worker_process.start()
    make_due(x_channel)  # the claim lease has run out (as it would after POLL_CLAIM_LEASE_SECONDS)
    tasks.dispatch_polls.delay()
    wait_for(lambda: stored_ids() == expected, timeout=60, what="every mention stored")
    assert Event.objects.filter(type="message.received").count() == 251


def test_worker_killed_mid_send_posts_exactly_once(
    sandbox, x_channel, officer, celery_worker_process
):
    sandbox.inject(kind="mention", account_id="999", text="@council_help is the library open?")
    polling.channel_poll(channel_id=x_channel.pk)
    # The request is in flight when the worker dies; the network still acts on it.
    sandbox.fault(method="POST", path=r"^/2/tweets$", kind="hang", params={"seconds": 1.5})
    message = outbound.reply_create(
        conversation=Conversation.objects.get(), actor=officer, text="Yes, until 7pm."
    )
    wait_for(lambda: fault_used(sandbox), what="the send to start")
    celery_worker_process.kill()
    assert Message.objects.get(pk=message.pk).state == DeliveryState.SENDING

    celery_worker_process.start()
    time.sleep(settings.OUTBOUND_SEND_LEASE_SECONDS + 0.5)  # the dead sender's lease runs out
    tasks.sweep_outbound.delay()
    wait_for(
        lambda: Message.objects.get(pk=message.pk).state == DeliveryState.SENT,
        timeout=60,
        what="sent",
    )
    assert len(sandbox.outbox(kind="tweet")) == 1
    assert Event.objects.get(type="message.sent", message=message).data["reconciled"] is True


def _redis_restart():
    port = os.environ.get("REDIS_PORT")
    pid_file = os.environ.get("REDIS_PID_FILE")
    pid = int(Path(pid_file).read_text().strip())
    os.kill(pid, 15)
    wait_for(
        lambda: (
            subprocess.call(
                ["redis-cli", "-p", port, "ping"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            != 0
        ),
        what="redis to stop",
    )
    subprocess.run(
        [
            "redis-server",
            "--port",
            port,
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "yes",
            "--pidfile",
            pid_file,
            "--logfile",
            str(Path(pid_file).with_name("redis.log")),
        ],
        check=True,
    )
    wait_for(
        lambda: subprocess.call(["redis-cli", "-p", port, "ping"], stdout=subprocess.DEVNULL) == 0,
        what="redis to start",
    )


@pytest.mark.alone  # restarts the shared services
@pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL", "").startswith("redis")
    or not os.environ.get("REDIS_PID_FILE"),
    reason="needs the suite's own Redis (CELERY_BROKER_URL=redis://, REDIS_PID_FILE, REDIS_PORT), as in CI",
)
def test_redis_restarted_during_polling_loses_nothing(
    sandbox, x_channel, officer, celery_worker_process
):
    expected = {i["id"] for i in sandbox.inject(kind="mention", account_id="999")}
    polling.channel_poll(channel_id=x_channel.pk)  # the first poll (one page) sets the cursor
    expected |= {i["id"] for i in sandbox.inject(kind="mention", account_id="999", count=150)}
    sandbox.fault(method="GET", path=MENTIONS, kind="hang", params={"seconds": 2}, skip=1)
    tasks.dispatch_polls.delay()
    wait_for(lambda: fault_used(sandbox), what="the poll to be in flight")
    _redis_restart()  # queued tasks in Redis are lost with it (no persistence)

    expected |= {i["id"] for i in sandbox.inject(kind="mention", account_id="999", count=30)}
    deadline = time.monotonic() + 90
    while stored_ids() != expected and time.monotonic() < deadline:
        make_due(x_channel)  # beat keeps dispatching every few seconds
        tasks.dispatch_polls.delay()
        time.sleep(2)
    assert stored_ids() == expected

    # The worker reconnected: a reply still goes out, once.
    conversation = Conversation.objects.first()
    message = outbound.reply_create(conversation=conversation, actor=officer, text="Thanks, on it.")
    wait_for(
        lambda: Message.objects.get(pk=message.pk).state == DeliveryState.SENT,
        timeout=60,
        what="sent",
    )
    assert len(sandbox.outbox(kind="tweet")) == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_poll_run_twice_at_once_stores_everything_once(sandbox, x_channel):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are a Postgres test (SQLite serialises writers)")
    expected = {i["id"] for i in sandbox.inject(kind="mention", account_id="999")}
    polling.channel_poll(channel_id=x_channel.pk)  # the first poll (one page) sets the cursor
    expected |= {i["id"] for i in sandbox.inject(kind="mention", account_id="999", count=300)}
    sandbox.inject(kind="dm", account_id="999", count=20)
    errors = []

    def run():
        try:
            polling.channel_poll(channel_id=x_channel.pk)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert {m for m in stored_ids() if m in expected} == expected
    assert Message.objects.count() == 321
    assert Event.objects.filter(type="message.received").count() == 321
    assert Conversation.objects.filter(kind="private").count() == len(
        set(Conversation.objects.filter(kind="private").values_list("thread_key", flat=True))
    )
