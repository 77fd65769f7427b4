"""Instagram webhooks (object "instagram") arrive at the Meta endpoint the Page
webhooks use, signed with the app secret, and land on the Instagram channel."""

from __future__ import annotations

import json

import pytest

from inbox.models import Message, QuarantinedPayload, WebhookDelivery
from inbox.webhooks.services import webhook_deliveries_process
from inbox.webhooks.signatures import meta_signature
from tests.factories import ChannelFactory

FB_URL = "/webhooks/facebook/"
SECRET = "sandbox-app-secret"
IG_ACCOUNT = "17841400000000001"
MEDIA = "17900000000000001"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _secrets(settings, monkeypatch):
    settings.FACEBOOK_APP_SECRET = SECRET
    monkeypatch.setattr("inbox.webhooks.views._enqueue_processing", lambda: None)


@pytest.fixture
def ig_channel(team_a):
    return ChannelFactory(network="instagram", external_account_id=IG_ACCOUNT, covered_by=[team_a])


def _post(client, payload: dict, *, signed: bool = True):
    body = json.dumps(payload).encode()
    extra = {"HTTP_X_HUB_SIGNATURE_256": meta_signature(SECRET, body)} if signed else {}
    return client.post(FB_URL, data=body, content_type="application/json", **extra)


def _payload() -> dict:
    return {
        "object": "instagram",
        "entry": [
            {
                "id": IG_ACCOUNT,
                "time": 1764583200,
                "changes": [
                    {
                        "field": "comments",
                        "value": {
                            "id": "17850000000000009",
                            "text": "The bin on Elm Road is overflowing",
                            "from": {"id": "4003", "username": "resident_c"},
                            "media": {"id": MEDIA, "media_product_type": "FEED"},
                        },
                    },
                    {"field": "comments", "value": {"text": "names no media"}},
                ],
                "messaging": [
                    {
                        "sender": {"id": "9002"},
                        "recipient": {"id": IG_ACCOUNT},
                        "timestamp": 1764583300000,
                        "message": {"mid": "aWdfZAG3", "text": "Is the tip open on Sunday?"},
                    }
                ],
            }
        ],
    }


def test_a_signed_instagram_delivery_lands_on_the_instagram_channel(client, ig_channel):
    assert _post(client, _payload()).status_code == 200
    webhook_deliveries_process()

    delivery = WebhookDelivery.objects.get()
    assert delivery.processed_at and delivery.channel_id == ig_channel.pk
    stored = dict(
        Message.objects.filter(channel=ig_channel).values_list(
            "external_id", "conversation__thread_key"
        )
    )
    assert stored == {"17850000000000009": f"igc:{MEDIA}:4003", "aWdfZAG3": "igm:9002"}
    assert QuarantinedPayload.objects.filter(channel=ig_channel).count() == 1


def test_the_same_instagram_delivery_twice_makes_one_message_each(client, ig_channel):
    for _ in range(2):
        assert _post(client, _payload()).status_code == 200
        webhook_deliveries_process()
    assert Message.objects.filter(channel=ig_channel).count() == 2


def test_an_unsigned_instagram_delivery_is_refused(client, ig_channel):
    assert _post(client, _payload(), signed=False).status_code == 403
    assert not WebhookDelivery.objects.exists()


def test_an_instagram_delivery_for_an_unknown_account_keeps_its_error(client, ig_channel):
    payload = _payload()
    payload["entry"][0]["id"] = "17841499999999999"
    assert _post(client, payload).status_code == 200
    webhook_deliveries_process()
    delivery = WebhookDelivery.objects.get()
    assert "no active instagram channel for account 17841499999999999" in delivery.error
    assert not Message.objects.exists()
