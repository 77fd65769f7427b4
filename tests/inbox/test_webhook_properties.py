"""Every item fails alone, for webhook bodies: generated X Account Activity and
Facebook Page bodies mixing well-formed events with malformed ones are signed,
POSTed to the real endpoints and processed. Every well-formed event is stored
once, every malformed one quarantined, and the delivery is processed (never
retried and abandoned with its good events)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.models import WebhookDelivery
from inbox.webhooks.services import webhook_deliveries_process
from tests.factories import ChannelFactory
from tests.inbox import properties as p

pytestmark = pytest.mark.django_db

X_SECRET = "sandbox-consumer-secret"
FB_SECRET = "sandbox-app-secret"


@pytest.fixture(autouse=True)
def _secrets(settings, monkeypatch):
    settings.X_CONSUMER_SECRET = X_SECRET
    settings.FACEBOOK_APP_SECRET = FB_SECRET
    monkeypatch.setattr("inbox.webhooks.views._enqueue_processing", lambda: None)


@pytest.fixture
def x_chan(team_a):
    return ChannelFactory(network="x", external_account_id=p.ACCOUNT_ID, covered_by=[team_a])


@pytest.fixture
def fb_chan(team_a):
    return ChannelFactory(network="facebook", external_account_id=p.PAGE_ID, covered_by=[team_a])


def _signed_post(client, url: str, header: str, secret: str, payload: dict) -> None:
    body = json.dumps(payload).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256)
    if header == "HTTP_X_TWITTER_WEBHOOKS_SIGNATURE":
        import base64

        signature = "sha256=" + base64.b64encode(digest.digest()).decode()
    else:
        signature = "sha256=" + digest.hexdigest()
    response = client.post(url, data=body, content_type="application/json", **{header: signature})
    assert response.status_code == 200


def _processed_cleanly() -> None:
    result = webhook_deliveries_process()
    assert result.failed == 0
    delivery = WebhookDelivery.objects.get()
    assert delivery.processed_at is not None and delivery.error == ""


@given(
    tweets=p.mixed(
        p.v1_tweet, lambda t: p.broken(t, p.V1_TWEET_BAD, p.V1_TWEET_REQUIRED), ids=p.TWEET_IDS
    ),
    dms=p.mixed(p.v1_dm, lambda d: p.broken(d, p.V1_DM_BAD, p.V1_DM_REQUIRED), ids=p.TWEET_IDS),
)
def test_x_activity_bodies_store_each_readable_event_once(client, x_chan, tweets, dms):
    good = [*tweets[1], *dms[1]]
    if len(set(good)) < len(good):
        return  # the two streams drew the same id: not a case the network produces
    with p.undone():
        payload = {
            "for_user_id": p.ACCOUNT_ID,
            "tweet_create_events": tweets[0],
            "direct_message_events": dms[0],
        }
        _signed_post(client, "/webhooks/x/", "HTTP_X_TWITTER_WEBHOOKS_SIGNATURE", X_SECRET, payload)
        _processed_cleanly()
        p.assert_each_stored_once_and_the_rest_quarantined(x_chan, good, tweets[2] + dms[2])


@given(
    changes=p.mixed(
        p.feed_change, lambda c: p.broken(c, p.CHANGE_BAD, p.CHANGE_REQUIRED), ids=p.GRAPH_IDS
    ),
    messaging=p.mixed(
        p.messaging_event,
        lambda m: p.broken(m, p.MESSAGING_BAD, p.MESSAGING_REQUIRED),
        ids=p.MESSAGE_IDS,
    ),
    junk_entries=st.lists(p.JUNK_ELEMENT | st.just({"changes": []}), max_size=2),
)
def test_facebook_page_bodies_store_each_readable_event_once(
    client, fb_chan, changes, messaging, junk_entries
):
    with p.undone():
        entry = {"id": p.PAGE_ID, "time": 1, "changes": changes[0], "messaging": messaging[0]}
        payload = {"object": "page", "entry": [*junk_entries, entry]}
        _signed_post(client, "/webhooks/facebook/", "HTTP_X_HUB_SIGNATURE_256", FB_SECRET, payload)
        _processed_cleanly()
        p.assert_each_stored_once_and_the_rest_quarantined(
            fb_chan,
            [*changes[1], *messaging[1]],
            changes[2] + messaging[2] + len(junk_entries),
            orphans=True,
        )
