"""A real Celery worker SIGKILLed while its Bluesky reply is in flight: the
network still takes the post, and the retry finds it instead of posting again."""

from __future__ import annotations

import time

from django.conf import settings

from events.models import Event
from inbox import tasks
from inbox.models import Conversation, DeliveryState, Message
from inbox.services import outbound, polling
from tests.inbox.bluesky_support import (
    HANDLE,
    bsky_channel_fixture,  # noqa: F401 (fixture)
    bsky_fault,
    bsky_inject,
    xrpc,
)
from tests.support.worker import wait_for


def fault_used(sandbox):
    return not sandbox.get("/_sandbox/faults")["faults"]


def test_worker_killed_mid_send_posts_exactly_once(
    sandbox, bsky_channel, officer, celery_worker_process
):
    bsky_inject(sandbox, kind="mention", text=f"@{HANDLE} is the library open?")
    polling.channel_poll(channel_id=bsky_channel.pk)
    # The request is in flight when the worker dies; the network still acts on it.
    bsky_fault(
        sandbox,
        method="POST",
        path=xrpc("com.atproto.repo.createRecord"),
        kind="hang",
        params={"seconds": 1.5},
    )
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
    [post] = sandbox.outbox(network="bsky", kind="post")
    assert Message.objects.get(pk=message.pk).external_id == post["result_id"]
    assert Event.objects.get(type="message.sent", message=message).data["reconciled"] is True
