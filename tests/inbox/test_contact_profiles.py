"""People a Messenger or Instagram webhook names by id alone get their names
from the network's User Profile API, through the real facebook-sdk client
against the sandbox, in a task after the batch is stored (never in the
webhook's own path)."""

from __future__ import annotations

import json

import pytest

from inbox.models import Contact
from inbox.networks import client_for
from inbox.services import polling
from inbox.services.contact_profiles import PROFILES_TASK, contact_profiles_fill
from inbox.webhooks.services import webhook_deliveries_process
from inbox.webhooks.signatures import meta_signature
from tests.inbox import facebook_support as fb
from tests.inbox import instagram_support as ig
from tests.inbox.facebook_support import fb_channel_fixture  # noqa: F401
from tests.inbox.instagram_support import ig_channel_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
SECRET = "sandbox-app-secret"


@pytest.fixture(autouse=True)
def _secrets(settings, monkeypatch):
    settings.FACEBOOK_APP_SECRET = SECRET
    monkeypatch.setattr("inbox.webhooks.views._enqueue_processing", lambda: None)


def deliver(client, payload: dict) -> None:
    body = json.dumps(payload).encode()
    response = client.post(
        "/webhooks/facebook/",
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=meta_signature(SECRET, body),
    )
    assert response.status_code == 200


def dm_payload(obj: str, account: str, sender: str, mid: str) -> dict:
    return {
        "object": obj,
        "entry": [
            {
                "id": account,
                "time": 1764583200,
                "messaging": [
                    {
                        "sender": {"id": sender},
                        "recipient": {"id": account},
                        "timestamp": 1764583300000,
                        "message": {"mid": mid, "text": "Is the tip open on Sunday?"},
                    }
                ],
            }
        ],
    }


@pytest.fixture
def enqueued(monkeypatch):
    """The tasks the services ask for, by name, instead of a broker."""
    sent: list[tuple] = []
    monkeypatch.setattr(
        "inbox.services.contact_profiles.task_enqueue_on_commit",
        lambda name, *args, **kw: sent.append((name, *args)),
    )
    return sent


def test_an_instagram_sender_known_by_id_gets_their_name(client, sandbox, ig_channel, enqueued):
    ig.ig_inject(sandbox, kind="dm", author=ig.JO, text="Hello")  # they messaged us
    deliver(client, dm_payload("instagram", ig.IG_ACCOUNT, ig.JO["id"], "aWdfZAG3"))
    webhook_deliveries_process()
    contact = Contact.objects.get(external_id=ig.JO["id"])
    assert (contact.handle, contact.display_name) == ("", "")  # the webhook gave an id only
    [(name, channel_id, ids)] = enqueued
    assert (name, channel_id, ids) == (PROFILES_TASK, ig_channel.pk, [ig.JO["id"]])

    assert contact_profiles_fill(channel_id=channel_id, external_ids=ids) == 1
    contact.refresh_from_db()
    assert contact.handle == "jo.resident" and contact.display_name == "Jo Resident"


def test_a_messenger_sender_known_by_id_gets_their_name(client, sandbox, fb_channel, enqueued):
    fb.fb_inject(sandbox, kind="message", author=fb.JO, text="Hello")
    deliver(client, dm_payload("page", fb.PAGE_ID, fb.JO["id"], "m_webhook1"))
    webhook_deliveries_process()
    [(_, channel_id, ids)] = enqueued
    assert contact_profiles_fill(channel_id=channel_id, external_ids=ids) == 1
    assert Contact.objects.get(external_id=fb.JO["id"]).display_name == "Jo Resident"


def test_a_named_sender_asks_for_no_lookup(client, sandbox, fb_channel, enqueued):
    fb.fb_inject(sandbox, kind="message", author=fb.JO, text="Hello")
    polling.channel_poll(channel_id=fb_channel.pk)  # the poll named them
    deliver(client, dm_payload("page", fb.PAGE_ID, fb.JO["id"], "m_webhook2"))
    webhook_deliveries_process()
    assert enqueued == []


def test_a_name_a_poll_wrote_meanwhile_is_kept(sandbox, ig_channel):
    ig.ig_inject(sandbox, kind="dm", author=ig.JO, text="Hello")
    Contact.objects.create(network="instagram", external_id=ig.JO["id"], display_name="Jo R.")
    assert contact_profiles_fill(channel_id=ig_channel.pk, external_ids=[ig.JO["id"]]) == 0
    assert Contact.objects.get(external_id=ig.JO["id"]).display_name == "Jo R."


def test_a_page_cannot_read_a_person_who_never_messaged_it(sandbox, fb_channel, ig_channel):
    """The User Profile API answers only for people who messaged that Page:
    another Page's correspondent, or a made-up id, is skipped, not fatal."""
    fb.fb_inject(sandbox, kind="message", author=fb.JO, text="Hello")
    ig.ig_inject(sandbox, kind="dm", author=ig.SAM, text="Hi")
    people = client_for(fb_channel).people([ig.SAM["id"], "999999", fb.JO["id"]])
    assert [p.external_id for p in people] == [fb.JO["id"]]
    assert client_for(ig_channel).people([fb.JO["id"], "123"]) == []
    [sam] = client_for(ig_channel).people([ig.SAM["id"]])
    assert (sam.handle, sam.display_name) == ("sam_patel", "Sam Patel")


def test_an_outage_leaves_the_contact_for_the_next_poll(sandbox, fb_channel):
    fb.fb_inject(sandbox, kind="message", author=fb.JO, text="Hello")
    Contact.objects.create(network="facebook", external_id=fb.JO["id"])
    fb.fb_fault(sandbox, method="GET", path=fb.JO["id"], kind="server_error")
    assert contact_profiles_fill(channel_id=fb_channel.pk, external_ids=[fb.JO["id"]]) == 0
    assert Contact.objects.get(external_id=fb.JO["id"]).display_name == ""
    assert contact_profiles_fill(channel_id=fb_channel.pk, external_ids=[fb.JO["id"]]) == 1


def test_a_limit_midway_keeps_the_names_read_before_it(sandbox, fb_channel):
    fb.fb_inject(sandbox, kind="message", author=fb.JO, text="Hello")
    fb.fb_inject(sandbox, kind="message", author=fb.SAM, text="Hi")
    for person in (fb.JO, fb.SAM):
        Contact.objects.create(network="facebook", external_id=person["id"])
    fb.fb_fault(sandbox, method="GET", path=fb.SAM["id"], kind="rate_limit")
    ids = [fb.JO["id"], fb.SAM["id"]]
    assert contact_profiles_fill(channel_id=fb_channel.pk, external_ids=ids) == 1
    assert Contact.objects.get(external_id=fb.JO["id"]).display_name == "Jo Resident"
    assert Contact.objects.get(external_id=fb.SAM["id"]).display_name == ""
