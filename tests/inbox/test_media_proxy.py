"""The media proxy (/inbox/media/<id>/): real pictures from the sandbox's CDN,
re-encoded; and every way an attacker might use it, refused."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from PIL import Image

from inbox.models import Message, MessageMedia
from inbox.services import polling
from inbox.services.shield import abuse_term_add, message_reveal

PHOTO = {"type": "photo", "alt_text": "Flooded underpass", "width": 3000, "height": 2000}


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Tests reuse primary keys; a picture cached by one must not answer another.
    cache.clear()
    yield
    cache.clear()


def picture(sandbox, channel, **spec) -> MessageMedia:
    """A mention carrying one picture, polled in; returns its stored media."""
    [tweet] = sandbox.inject(
        kind="mention", account_id="999", text="@council_help look", media=[{**PHOTO, **spec}]
    )
    polling.channel_poll(channel_id=channel.pk)
    return Message.objects.get(external_id=tweet["id"]).media.get()


def get(client, media: MessageMedia, variant: str = ""):
    if variant:
        return client.get(reverse("inbox:media_variant", args=[media.pk, variant]))
    return client.get(reverse("inbox:media", args=[media.pk]))


def decoded(response) -> Image.Image:
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image


@pytest.mark.django_db
def test_an_officer_gets_a_reencoded_bounded_picture_with_safe_headers(
    client, officer, sandbox, x_channel
):
    media = picture(sandbox, x_channel)
    client.force_login(officer)

    full, thumb = get(client, media), get(client, media, "thumb")

    assert full.status_code == thumb.status_code == 200
    assert full["Content-Type"] == "image/jpeg"
    assert full["X-Content-Type-Options"] == "nosniff"
    assert full["Cache-Control"] == "private, max-age=3600"
    assert "sandbox" in full["Content-Security-Policy"]
    assert max(decoded(full).size) == 2000  # the sandbox draws at most 2,000 px
    assert decoded(thumb).size == (480, 320)


@pytest.mark.django_db
def test_camera_and_gps_metadata_never_reach_the_browser(client, officer, sandbox, x_channel):
    media = picture(sandbox, x_channel, variant="exif")
    original = Image.open(io.BytesIO(_cdn_bytes(sandbox, media.url)))
    assert original.getexif().get(0x010F) == "SandboxCam"  # the source does carry it
    client.force_login(officer)

    response = get(client, media)

    image = decoded(response)
    assert dict(image.getexif()) == {}
    assert b"SandboxCam" not in response.content and b"secret-firmware" not in response.content
    assert not {"exif", "icc_profile", "xmp"} & set(image.info)


@pytest.mark.django_db
def test_an_officer_of_another_team_gets_nothing_and_nothing_is_fetched(
    client, other_officer, sandbox, x_channel
):
    media = picture(sandbox, x_channel)
    sandbox.fault(network="cdn", method="GET", path=".", kind="server_error", times=1)
    client.force_login(other_officer)

    for variant in ("", "thumb", "blurred"):
        assert get(client, media, variant).status_code == 404
    # The fault is still queued: the CDN was never asked.
    assert [f["kind"] for f in sandbox.get("/_sandbox/faults")["faults"]] == ["server_error"]


@pytest.mark.django_db
def test_a_signed_out_visitor_is_sent_to_sign_in(client, sandbox, x_channel):
    media = picture(sandbox, x_channel)
    response = get(client, media, "thumb")
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.django_db
def test_the_path_takes_our_ids_not_addresses(client, officer, sandbox, x_channel):
    media = picture(sandbox, x_channel)
    client.force_login(officer)
    assert client.get(f"/inbox/media/{media.pk + 1000}/").status_code == 404
    assert client.get(f"/inbox/media/{media.pk}/original/").status_code == 404
    assert client.get("/inbox/media/https://pbs.twimg.com/media/x.jpg").status_code == 404
    assert client.get(f"/inbox/media/?url={media.url}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("variant", "reason"),
    [
        ("huge", "larger than 10 MB"),
        ("html", "not an image (text/html)"),
        ("svg", "not an image (image/svg+xml)"),
        ("liar", "not a picture we can show"),
        ("bomb", "too many pixels"),
    ],
)
def test_a_file_too_large_or_not_an_image_is_refused(
    client, officer, sandbox, x_channel, variant, reason
):
    media = picture(sandbox, x_channel, variant=variant)
    client.force_login(officer)

    response = get(client, media, "thumb")

    assert response.status_code == 502
    assert response["Content-Type"].startswith("text/plain")
    assert reason in response.content.decode()


@pytest.mark.django_db
def test_a_limit_below_the_file_size_is_enforced_while_reading(
    client, officer, sandbox, x_channel, settings
):
    settings.MEDIA_MAX_BYTES = 20_000  # the drawn JPEG is ~50 kB
    media = picture(sandbox, x_channel)
    client.force_login(officer)
    response = get(client, media, "thumb")
    assert response.status_code == 502 and "larger than" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "address",
    [
        "http://127.0.0.1:1/_sandbox/state",  # our own machine (the sandbox's control API)
        "https://127.0.0.1/secret.png",
        "https://169.254.169.254/latest/meta-data/",  # a cloud metadata service
        "https://10.0.0.5/internal.jpg",
        "https://[::1]/x.png",
        "file:///etc/passwd",
        "https://user:pass@pbs.twimg.com.evil.example/x.jpg",
    ],
)
def test_a_stored_address_into_our_own_network_is_never_fetched(
    client, officer, sandbox, x_channel, address
):
    media = picture(sandbox, x_channel)
    # As if a network (or a forged payload) had named this address.
    MessageMedia.objects.filter(pk=media.pk).update(url=address)
    client.force_login(officer)

    response = get(client, media, "thumb")

    assert response.status_code == 502
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_pictures_are_cached_once_fetched(client, officer, sandbox, x_channel):
    media = picture(sandbox, x_channel)
    client.force_login(officer)
    first = get(client, media, "thumb")
    sandbox.fault(network="cdn", method="GET", path=".", kind="server_error", times=5)

    again, full = get(client, media, "thumb"), get(client, media)

    assert again.status_code == full.status_code == 200
    assert again.content == first.content


@pytest.mark.django_db
def test_a_failing_cdn_is_a_temporary_refusal_and_is_retried(client, officer, sandbox, x_channel):
    media = picture(sandbox, x_channel)
    sandbox.fault(network="cdn", method="GET", path=".", kind="server_error", times=1)
    client.force_login(officer)

    failed = get(client, media, "thumb")
    assert failed.status_code == 502 and failed["Retry-After"] == "60"
    assert get(client, media, "thumb").status_code == 200


@pytest.mark.django_db
def test_the_shield_serves_only_a_blurred_picture_until_the_message_is_revealed(
    client, officer, admin_user, sandbox, x_channel
):
    media = picture(sandbox, x_channel)
    abuse_term_add(term="look", actor=admin_user)  # the mention's text is "@council_help look"
    client.force_login(officer)

    assert get(client, media, "thumb").status_code == 403
    assert get(client, media).status_code == 403
    blurred = get(client, media, "blurred")
    assert blurred.status_code == 200 and decoded(blurred).size == (480, 320)

    message_reveal(message=media.message, actor=officer)
    assert get(client, media, "thumb").status_code == 200


@pytest.mark.django_db
def test_alt_text_that_matches_the_word_list_shields_the_message(
    client, officer, admin_user, sandbox, x_channel
):
    media = picture(sandbox, x_channel, alt_text="a rude gesture")
    abuse_term_add(term="rude", actor=admin_user)
    client.force_login(officer)
    assert get(client, media, "thumb").status_code == 403
    page = client.get(reverse("inbox:conversation", args=[media.message.conversation_id]))
    assert "rude gesture" not in page.content.decode()


def _cdn_bytes(sandbox, url: str) -> bytes:
    import requests

    path = url.removeprefix("https://")
    return requests.get(f"{sandbox.url}/cdn/{path}", timeout=5).content
