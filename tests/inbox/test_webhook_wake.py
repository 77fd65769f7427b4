"""Accepted webhook deliveries ask for a processing run only while none is
queued: one broker send and one run for a burst, not one each, and never a
delivery left waiting for a run that already went by."""

from __future__ import annotations

import json
import time

import pytest
from django.core.cache import cache

from inbox import tasks
from inbox.models import Message, WebhookDelivery
from inbox.webhooks import services
from inbox.webhooks.services import WAKE_KEY
from inbox.webhooks.signatures import meta_signature
from tests.inbox.facebook_support import (
    fb_channel_fixture,  # noqa: F401 (fixture)
    messenger_delivery,
)
from tests.inbox.test_webhooks import FB_SECRET, X_SECRET, post_fb

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _wake(settings):
    settings.FACEBOOK_APP_SECRET = FB_SECRET
    settings.X_CONSUMER_SECRET = X_SECRET
    settings.WEBHOOK_WAKE_SECONDS = 3
    cache.delete(WAKE_KEY)
    yield
    cache.delete(WAKE_KEY)


@pytest.fixture
def runs_asked(monkeypatch):
    """The runs the deliveries asked the broker for (the task itself is run by
    the test, as a worker would, so the order of events is the test's)."""
    asked: list[str] = []

    def enqueue(name, **kw):
        asked.append(name)
        countdowns.append(kw.get("countdown"))

    monkeypatch.setattr(services, "task_enqueue", enqueue)
    return asked


countdowns: list[float | None] = []


@pytest.fixture(autouse=True)
def _countdowns():
    countdowns.clear()


def _deliver(client, n: int) -> None:
    body = json.dumps(messenger_delivery(n, mid_prefix="m_wake")).encode()
    assert post_fb(client, body, meta_signature(FB_SECRET, body)).status_code == 200


def test_a_burst_asks_for_one_run_and_that_run_takes_it_all(client, fb_channel, runs_asked):
    for n in range(5):
        _deliver(client, n)
    assert runs_asked == ["inbox.tasks.process_webhook_deliveries"]
    assert WebhookDelivery.objects.count() == 5
    assert tasks.process_webhook_deliveries() == 5
    assert Message.objects.count() == 5
    assert not WebhookDelivery.objects.filter(processed_at__isnull=True).exists()


def test_a_delivery_during_a_run_asks_for_the_next_one(client, fb_channel, runs_asked, monkeypatch):
    """The run clears its mark before it claims: a delivery landing after the
    claim (which the run cannot see) asks for a run of its own."""
    _deliver(client, 1)
    claim = services.webhook_deliveries_process

    def claim_then_another_arrives():
        result = claim()
        _deliver(client, 2)  # after this run's claim
        return result

    monkeypatch.setattr(services, "webhook_deliveries_process", claim_then_another_arrives)
    assert tasks.process_webhook_deliveries() == 1
    assert len(runs_asked) == 2  # the first delivery's run, then the late one's
    monkeypatch.setattr(services, "webhook_deliveries_process", claim)
    assert tasks.process_webhook_deliveries() == 1
    assert Message.objects.count() == 2


def test_a_lost_queued_run_holds_deliveries_back_only_until_the_mark_lapses(
    client, fb_channel, runs_asked, settings
):
    settings.WEBHOOK_WAKE_SECONDS = 1
    _deliver(client, 1)  # its run is lost on the way (never starts)
    _deliver(client, 2)
    assert len(runs_asked) == 1
    time.sleep(1.2)
    _deliver(client, 3)
    assert len(runs_asked) == 2
    assert tasks.process_webhook_deliveries() == 3  # the new run takes all three


def test_a_run_that_stops_at_its_cap_asks_for_the_next(
    client, fb_channel, runs_asked, settings, monkeypatch
):
    settings.WEBHOOK_BATCH_SIZE = 2
    monkeypatch.setattr(tasks, "WEBHOOK_DRAIN_BATCHES", 2)
    for n in range(6):
        _deliver(client, n)
    runs_asked.clear()
    assert tasks.process_webhook_deliveries() == 4
    assert runs_asked == ["inbox.tasks.process_webhook_deliveries"]
    assert tasks.process_webhook_deliveries() == 2
    assert Message.objects.count() == 6


def test_an_unreachable_cache_asks_for_a_run_every_time(
    client, fb_channel, runs_asked, monkeypatch
):
    # What django-redis answers with IGNORE_EXCEPTIONS when Redis is down: None.
    monkeypatch.setattr(services.cache, "add", lambda *a, **kw: None)
    _deliver(client, 1)
    _deliver(client, 2)
    assert len(runs_asked) == 2


def test_without_a_shared_cache_every_delivery_asks(client, fb_channel, runs_asked, settings):
    settings.WEBHOOK_WAKE_SECONDS = 0
    _deliver(client, 1)
    _deliver(client, 2)
    assert len(runs_asked) == 2


def test_the_same_delivery_twice_is_stored_once(client, fb_channel, runs_asked):
    _deliver(client, 1)
    _deliver(client, 1)
    assert WebhookDelivery.objects.count() == 1
    tasks.process_webhook_deliveries()
    assert Message.objects.count() == 1


def test_the_run_starts_after_the_gather_window_so_a_burst_shares_it(
    client, fb_channel, runs_asked, settings
):
    settings.WEBHOOK_GATHER_SECONDS = 0.25
    for n in range(3):
        _deliver(client, n)
    assert runs_asked == ["inbox.tasks.process_webhook_deliveries"]
    assert countdowns == [0.25]


def test_without_the_shared_mark_a_run_is_not_delayed(client, fb_channel, runs_asked, settings):
    settings.WEBHOOK_WAKE_SECONDS = 0
    settings.WEBHOOK_GATHER_SECONDS = 0.25
    _deliver(client, 1)
    assert countdowns == [None]  # every delivery asks for its own run: no burst to gather


def test_no_gather_window_asks_for_the_run_at_once(client, fb_channel, runs_asked, settings):
    settings.WEBHOOK_GATHER_SECONDS = 0
    _deliver(client, 1)
    assert countdowns == [None]
