"""Connecting Instagram through Facebook Login: the chosen Page's linked
instagram_business_account becomes an Instagram channel with the Page's token
(encrypted at rest), and an account check that explains a Page with none."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from channels.services import backfill
from channels.services import connect as channel_services
from events.models import Event
from inbox.models import Channel, Message
from inbox.networks.instagram_mapping import message_key
from inbox.services import polling
from tests.inbox.facebook_support import PAGE_ID, PAGE_TOKEN

pytestmark = pytest.mark.django_db

FB_LOGIN = reverse("channels:facebook_login")
FB_CHOOSE = reverse("channels:facebook_choose")
IG_ACCOUNT = "17841400000000001"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def linked_page(sandbox):
    sandbox.post(
        "/_sandbox/fb/pages",
        {"id": PAGE_ID, "name": "Riverside Council", "access_token": PAGE_TOKEN},
    )
    sandbox.post(
        "/_sandbox/ig/accounts",
        {"id": IG_ACCOUNT, "page_id": PAGE_ID, "username": "riversidecouncil"},
    )


def sign_in_with_facebook(admin_client) -> None:
    dialog = admin_client.post(FB_LOGIN)["Location"]
    assert "instagram_manage_messages" in dialog  # the Instagram permissions are asked for
    back = urlsplit(requests.get(dialog, allow_redirects=False, timeout=5).headers["Location"])
    assert admin_client.get(f"{back.path}?{back.query}")["Location"] == FB_CHOOSE


def test_the_pages_linked_instagram_account_becomes_a_channel(
    admin_client, sandbox, linked_page, team_a
):
    sign_in_with_facebook(admin_client)
    assert "linked Instagram professional account" in admin_client.get(FB_CHOOSE).content.decode()
    done = admin_client.post(
        FB_CHOOSE, {"page": PAGE_ID, "teams": [team_a.pk], "with_instagram": "on"}
    )
    assert done.status_code == 302

    instagram = Channel.objects.get(network="instagram")
    assert (instagram.external_account_id, instagram.handle) == (IG_ACCOUNT, "@riversidecouncil")
    assert list(instagram.teams.all()) == [team_a]
    assert instagram.get_credentials()["page_access_token"] == PAGE_TOKEN
    assert instagram.get_credentials()["page_id"] == PAGE_ID
    assert PAGE_TOKEN not in str(instagram.credentials_encrypted)
    assert Channel.objects.filter(network="facebook").count() == 1
    connected = Event.objects.filter(type="channel.connected").values_list("data", flat=True)
    assert sorted(d["network"] for d in connected) == ["facebook", "instagram"]

    # It lives: a comment on its media is polled into the inbox.
    sandbox.post("/_sandbox/ig/inject", {"account_id": IG_ACCOUNT, "text": "Hello council"})
    assert polling.channel_poll(channel_id=instagram.pk).stored == 1


def test_without_the_box_only_the_page_is_connected(admin_client, sandbox, linked_page, team_a):
    sign_in_with_facebook(admin_client)
    admin_client.post(FB_CHOOSE, {"page": PAGE_ID, "teams": [team_a.pk]})
    assert list(Channel.objects.values_list("network", flat=True)) == ["facebook"]


def test_a_page_with_no_linked_account_is_explained(sandbox, admin_user, team_a):
    sandbox.post(
        "/_sandbox/fb/pages",
        {"id": PAGE_ID, "name": "Riverside Council", "access_token": PAGE_TOKEN},
    )
    with pytest.raises(ValidationError, match="has no linked Instagram professional account"):
        channel_services.channel_connect(
            actor=admin_user,
            network="instagram",
            credentials=channel_services.facebook_credentials(page_access_token=PAGE_TOKEN),
            teams=[team_a],
        )
    assert not Channel.objects.exists()


def ago(**delta) -> str:
    return (timezone.now() - timedelta(**delta)).isoformat()


def test_the_history_import_reads_comments_and_threads_back_to_its_start(
    sandbox, admin_user, team_a, settings
):
    settings.BACKFILL_DAYS = 7
    sandbox.post("/_sandbox/fb/pages", {"id": PAGE_ID, "name": "RC", "access_token": PAGE_TOKEN})
    sandbox.post(
        "/_sandbox/ig/accounts",
        {"id": IG_ACCOUNT, "page_id": PAGE_ID, "username": "riversidecouncil"},
    )
    media = "/_sandbox/ig/media"
    old = sandbox.post(media, {"account_id": IG_ACCOUNT, "created_at": ago(days=12)})["media"]
    recent = sandbox.post(media, {"account_id": IG_ACCOUNT, "created_at": ago(days=3)})["media"]
    inject = "/_sandbox/ig/inject"
    sandbox.post(inject, {"media_id": old["id"], "created_at": ago(days=11)})
    wanted = sandbox.post(
        inject, {"media_id": recent["id"], "count": 60, "created_at": ago(days=2)}
    )
    dms = sandbox.post(inject, {"kind": "dm", "count": 3, "created_at": ago(days=1)})
    channel = channel_services.channel_connect(
        actor=admin_user,
        network="instagram",
        credentials=channel_services.facebook_credentials(page_access_token=PAGE_TOKEN),
        teams=[team_a],
    )
    backfill.channel_backfill_run(channel_id=channel.pk)  # as the worker would
    stored = set(Message.objects.values_list("external_id", flat=True))
    assert stored == {message_key(item["id"]) for item in wanted["items"] + dms["items"]}
