"""Pictures in the conversation page and the API: our proxy's addresses,
alt text for screen readers, blurred while shielded."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from inbox.models import Message
from inbox.services import polling
from inbox.services.shield import abuse_term_add

PHOTO = {"type": "photo", "alt_text": "Flooded underpass on Mill Lane", "width": 800}


def mention(sandbox, channel, text="@council_help see this", media=(PHOTO,)) -> Message:
    [tweet] = sandbox.inject(kind="mention", account_id="999", text=text, media=list(media))
    polling.channel_poll(channel_id=channel.pk)
    return Message.objects.get(external_id=tweet["id"])


@pytest.mark.django_db
def test_the_thread_shows_a_thumbnail_with_its_alt_text_linked_to_full_size(
    client, officer, sandbox, x_channel
):
    message = mention(sandbox, x_channel)
    media = message.media.get()
    client.force_login(officer)

    html = client.get(reverse("inbox:conversation", args=[message.conversation_id])).content
    page = html.decode()

    thumb = reverse("inbox:media_variant", args=[media.pk, "thumb"])
    assert f'src="{thumb}"' in page
    assert 'alt="Flooded underpass on Mill Lane"' in page
    assert f'href="{reverse("inbox:media", args=[media.pk])}"' in page
    assert "pbs.twimg.com" not in page  # the browser never loads the network's CDN


@pytest.mark.django_db
def test_a_picture_with_no_alt_text_says_so(client, officer, sandbox, x_channel):
    message = mention(sandbox, x_channel, media=[{"type": "photo"}])
    client.force_login(officer)
    page = client.get(reverse("inbox:conversation", args=[message.conversation_id])).content
    assert b'alt="Image with no description from the sender"' in page
    assert b"No description given" in page


@pytest.mark.django_db
def test_a_shielded_message_shows_only_the_blurred_picture(
    client, officer, admin_user, sandbox, x_channel
):
    message = mention(sandbox, x_channel, text="@council_help you idiots")
    media = message.media.get()
    abuse_term_add(term="idiots", actor=admin_user)
    client.force_login(officer)

    page = client.get(reverse("inbox:conversation", args=[message.conversation_id])).content
    page = page.decode()

    assert reverse("inbox:media_variant", args=[media.pk, "blurred"]) in page
    assert reverse("inbox:media_variant", args=[media.pk, "thumb"]) not in page
    assert "Flooded underpass" not in page
    assert "Image hidden with the message" in page


@pytest.mark.django_db
def test_the_api_lists_each_messages_media_with_proxy_addresses(
    officer, admin_user, sandbox, x_channel
):
    plain = mention(sandbox, x_channel)
    rude = mention(sandbox, x_channel, text="@council_help idiots")
    abuse_term_add(term="idiots", actor=admin_user)
    api = APIClient()
    api.force_authenticate(officer)

    def listed(message):
        url = reverse("api:conversation_messages", args=[message.conversation_id])
        return api.get(url).json()[0]["media"]

    [shown] = listed(plain)
    media = plain.media.get()
    assert shown == {
        "id": media.pk,
        "kind": "image",
        "alt_text": "Flooded underpass on Mill Lane",
        "width": 800,
        "height": 480,
        "size_bytes": None,
        "url": reverse("inbox:media", args=[media.pk]),
        "thumbnail_url": reverse("inbox:media_variant", args=[media.pk, "thumb"]),
        "blurred_url": reverse("inbox:media_variant", args=[media.pk, "blurred"]),
    }
    [hidden] = listed(rude)
    assert (hidden["url"], hidden["thumbnail_url"], hidden["alt_text"]) == (None, None, None)
    assert hidden["blurred_url"]
