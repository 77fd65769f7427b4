"""Faults while polling X: every test ends with 0 lost and 0 duplicated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox.models import Channel, Message, QuarantinedPayload
from inbox.services import polling

MENTIONS = r"/2/users/999/mentions"
TOTAL = 250  # three pages of 100


def poll(channel):
    return polling.channel_poll(channel_id=channel.pk)


def assert_all_stored_once(sandbox):
    stored = list(Message.objects.values_list("external_id", flat=True))
    assert len(stored) == len(set(stored)), "a message was stored twice"
    return set(stored)


def injected(sandbox, count=TOTAL):
    return {item["id"] for item in sandbox.inject(kind="mention", account_id="999", count=count)}


def polled_once(sandbox, channel) -> set[str]:
    """The channel's first poll (it reads only the newest page) sets its cursor."""
    first = injected(sandbox, 1)
    poll(channel)
    channel.refresh_from_db()
    assert channel.poll_cursor["mentions_since_id"] == min(first)
    return first


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("rate_limit", {"reset_in": 120}),
        ("rate_limit_no_reset", {}),
        ("server_error", {}),
        ("bad_gateway_html", {}),
        ("malformed_json", {}),
        ("hang", {"seconds": 5}),  # past the 3 s client timeout
    ],
)
def test_a_fault_mid_pagination_loses_and_doubles_nothing(sandbox, x_channel, kind, params):
    first = polled_once(sandbox, x_channel)
    cursor = dict(x_channel.poll_cursor)
    expected = first | injected(sandbox)
    sandbox.fault(method="GET", path=MENTIONS, kind=kind, params=params, skip=1)  # fails page 2

    poll(x_channel)
    x_channel.refresh_from_db()
    assert x_channel.last_error, "the failure is shown on the channel"
    assert x_channel.poll_cursor == cursor, "cursor must not pass unfetched pages"
    partial = assert_all_stored_once(sandbox)
    assert partial <= expected and len(partial) == 101  # page 1 kept

    Channel.objects.filter(pk=x_channel.pk).update(next_poll_at=None, rate_limited_until=None)
    poll(x_channel)
    assert assert_all_stored_once(sandbox) == expected
    x_channel.refresh_from_db()
    assert x_channel.last_error == "" and x_channel.poll_failures == 0


@pytest.mark.django_db
def test_a_rate_limit_reschedules_the_channel_at_the_reset_time(sandbox, x_channel):
    sandbox.fault(method="GET", path=MENTIONS, kind="rate_limit", params={"reset_in": 600})
    before = timezone.now()
    poll(x_channel)
    x_channel.refresh_from_db()
    assert x_channel.rate_limited_until is not None
    assert x_channel.rate_limited_until > before + timedelta(seconds=500)
    assert x_channel.next_poll_at == x_channel.rate_limited_until
    assert polling.channels_claim_due() == []  # not polled again before the reset


@pytest.mark.django_db
def test_a_rate_limit_without_reset_backs_off(sandbox, x_channel):
    sandbox.fault(method="GET", path=MENTIONS, kind="rate_limit_no_reset")
    poll(x_channel)
    x_channel.refresh_from_db()
    assert x_channel.rate_limited_until > timezone.now() + timedelta(seconds=60)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["duplicate_page", "out_of_order"])
def test_overlapping_and_out_of_order_pages_store_each_message_once(sandbox, x_channel, kind):
    expected = polled_once(sandbox, x_channel)
    more = injected(sandbox, 250)
    sandbox.fault(method="GET", path=MENTIONS, kind=kind, times=3)
    poll(x_channel)
    assert assert_all_stored_once(sandbox) == expected | more


@pytest.mark.django_db
def test_an_expired_token_marks_the_channel_and_stops_polling(sandbox, x_channel, admin_user):
    from events.models import Event
    from inbox.models import Notification

    sandbox.fault(method="GET", path=MENTIONS, kind="expired_token")
    poll(x_channel)
    x_channel.refresh_from_db()
    assert x_channel.needs_attention
    assert "reconnect" in x_channel.last_error
    assert Event.objects.filter(type="channel.needs_attention", channel=x_channel).count() == 1
    assert Notification.objects.filter(user=admin_user).count() == 1
    assert polling.channels_claim_due() == []


@pytest.mark.django_db
def test_an_unreadable_item_is_quarantined_and_the_rest_stored(sandbox, x_channel, monkeypatch):
    from inbox.networks import x as x_module

    expected = injected(sandbox, 5)
    real = x_module.XClient._map_tweet
    victim = sorted(expected)[2]

    def flaky(self, raw, users):
        if raw["id"] == victim:
            raw = {k: v for k, v in raw.items() if k != "author_id"}
        return real(self, raw, users)

    monkeypatch.setattr(x_module.XClient, "_map_tweet", flaky)
    poll(x_channel)
    assert assert_all_stored_once(sandbox) == expected - {victim}
    q = QuarantinedPayload.objects.get()
    assert q.payload["id"] == victim and "author_id" in q.error


@pytest.mark.django_db
def test_claiming_is_exclusive(x_channel):
    assert polling.channels_claim_due() == [x_channel.pk]
    assert polling.channels_claim_due() == []
