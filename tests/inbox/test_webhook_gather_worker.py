"""A burst of webhook deliveries is stored by one run of a real worker, which
starts after the gather window (WEBHOOK_GATHER_SECONDS) through the broker's
countdown, and nothing is lost on the way."""

from __future__ import annotations

import json
import os

import pytest
from django.core.cache import cache
from django.db import connection

from inbox.models import Message, WebhookDelivery
from inbox.webhooks.services import WAKE_KEY
from inbox.webhooks.signatures import meta_signature
from tests.inbox.facebook_support import (
    fb_channel_fixture,  # noqa: F401 (fixture)
    messenger_delivery,
)
from tests.inbox.test_webhooks import FB_SECRET, post_fb
from tests.support.worker import WorkerProcess, purge_broker, wait_for

pytestmark = pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"),
    reason="needs the suite's Redis broker and a real worker, as in CI",
)

BURST = 8


@pytest.fixture
def worker(transactional_db, settings):
    if connection.vendor != "postgresql":
        pytest.skip("runs on Postgres, as production does")
    settings.FACEBOOK_APP_SECRET = FB_SECRET
    settings.WEBHOOK_WAKE_SECONDS = 5
    settings.WEBHOOK_GATHER_SECONDS = 1.0
    cache.delete(WAKE_KEY)
    purge_broker()
    process = WorkerProcess(extra_env={"FACEBOOK_APP_SECRET": FB_SECRET}).start()
    yield process
    process.stop()
    purge_broker()
    cache.delete(WAKE_KEY)


def test_a_burst_is_stored_by_one_run_after_the_window(client, fb_channel, worker):
    for n in range(BURST):
        body = json.dumps(messenger_delivery(n, mid_prefix="m_gather")).encode()
        assert post_fb(client, body, meta_signature(FB_SECRET, body)).status_code == 200
    wait_for(lambda: Message.objects.count() == BURST, timeout=30, what="the burst stored")
    deliveries = WebhookDelivery.objects.all()
    assert deliveries.count() == BURST
    assert not deliveries.filter(processed_at__isnull=True).exists()
    # One run marks its whole batch processed at one time: a single run took them all.
    assert deliveries.values("processed_at").distinct().count() == 1
    first_received = min(d.received_at for d in deliveries)
    processed = deliveries.first().processed_at
    assert (processed - first_received).total_seconds() >= 0.9  # waited for the window
