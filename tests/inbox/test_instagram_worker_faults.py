"""A real Celery worker SIGKILLed while its Instagram reply is in flight: Graph
still takes the reply, and the retry finds it instead of posting again."""

from __future__ import annotations

import time

from django.conf import settings

from events.models import Event
from inbox import tasks
from inbox.models import Conversation, DeliveryState, Message
from inbox.services import outbound, polling
from tests.inbox.instagram_support import (
    JO,
    ig_channel_fixture,  # noqa: F401 (fixture)
    ig_fault,
    ig_inject,
)
from tests.support.worker import wait_for


def fault_used(sandbox):
    return not sandbox.get("/_sandbox/faults")["faults"]


def test_worker_killed_mid_send_posts_exactly_once(
    sandbox, ig_channel, officer, celery_worker_process
):
    [comment] = ig_inject(sandbox, kind="comment", author=JO, text="Is the tip open today?")
    polling.channel_poll(channel_id=ig_channel.pk)
    # The request is in flight when the worker dies; Graph still acts on it.
    ig_fault(sandbox, method="POST", path=r"/replies$", kind="hang", params={"seconds": 1.5})
    message = outbound.reply_create(
        conversation=Conversation.objects.get(), actor=officer, text="Yes, 8am to 6pm."
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
    [reply] = sandbox.outbox(network="ig", kind="reply")
    assert reply["target"] == comment["id"]
    assert Message.objects.get(pk=message.pk).external_id == reply["result_id"]
    assert Event.objects.get(type="message.sent", message=message).data["reconciled"] is True
