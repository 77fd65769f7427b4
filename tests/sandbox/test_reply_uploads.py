"""Pictures written to the sandbox's Bluesky and Mastodon as those networks
take them: Bluesky's uploadBlob (raw bytes, a CID, 1,000,000 bytes at most)
and the images embed that must name an uploaded blob; Mastodon's multipart
POST /api/v2/media (200, or 202 while processing) and ``media_ids[]`` on a
status. Checked with the real atproto and Mastodon.py clients and requests."""

from __future__ import annotations

import io

import pytest
import requests
from atproto import Client, models
from atproto_client import exceptions as sdk
from atproto_client.models.blob_ref import BlobRef, IpldLink
from atproto_client.request import Request
from mastodon import Mastodon, MastodonAPIError
from PIL import Image

from sandbox.bsky_blobs import blob_cid

HANDLE = "council.bsky.social"
PASSWORD = "sbx-app-aaaa-bbbb"
MASTO_TOKEN = "sbx-masto-1001"
ALT = "Map of the Elm Rd diversion"


def png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def bsky(sandbox, control) -> Client:
    control.post("/_sandbox/bsky/accounts", {"handle": HANDLE, "app_password": PASSWORD})
    client = Client(base_url=sandbox.url + "/bsky", request=Request(timeout=5))
    client.login(HANDLE, PASSWORD, fetch_bsky_profile=False)
    return client


def post_with_picture(bsky: Client, text: str, blob: BlobRef) -> None:
    embed = models.AppBskyEmbedImages.Main(
        images=[models.AppBskyEmbedImages.Image(alt=ALT, image=blob)]
    )
    bsky.send_post(text, profile_identify=HANDLE, embed=embed)


def test_an_uploaded_blob_is_named_by_its_cid_and_embedded_with_alt_text(bsky, control, sandbox):
    data = png()
    blob = bsky.com.atproto.repo.upload_blob(data, headers={"Content-Type": "image/png"}).blob
    assert (blob.ref.link, blob.mime_type, blob.size) == (blob_cid(data), "image/png", len(data))
    assert blob.ref.link.startswith("bafkrei")

    post_with_picture(bsky, "The map", blob)
    [post] = control.outbox(network="bsky", kind="post")
    assert post["meta"]["media"] == [
        {"cid": blob.ref.link, "alt_text": ALT, "bytes": len(data), "mime_type": "image/png"}
    ]
    did = control.get("/_sandbox/bsky/accounts")["accounts"][0]["did"]
    cdn = f"{sandbox.url}/cdn/cdn.bsky.app/img/feed_fullsize/plain/{did}/{blob.ref.link}@jpeg"
    assert requests.get(cdn, timeout=5).content == data


def test_a_blob_over_a_megabyte_is_refused_as_too_large(bsky, control):
    with pytest.raises(sdk.BadRequestError) as caught:
        bsky.upload_blob(b"\xff" * 1_000_001)
    assert caught.value.response.content.error == "BlobTooLarge"
    assert control.outbox(network="bsky") == []


def test_an_embed_must_name_a_blob_its_author_uploaded_as_uploaded(bsky, control):
    ghost = BlobRef(mime_type="image/png", size=10, ref=IpldLink(link="bafkreighost"))
    with pytest.raises(sdk.BadRequestError, match="Could not find blob") as caught:
        post_with_picture(bsky, "Map", ghost)
    assert caught.value.response.content.error == "InvalidRequest"
    real = bsky.upload_blob(png()).blob
    lying = BlobRef(mime_type="image/png", size=real.size + 1, ref=real.ref)
    with pytest.raises(sdk.BadRequestError, match="does not match"):
        post_with_picture(bsky, "Map", lying)
    assert control.outbox(network="bsky", kind="post") == []


@pytest.fixture
def masto(sandbox, control) -> Mastodon:
    control.post("/_sandbox/masto/accounts", {"id": "1001", "username": "riverside"})
    return Mastodon(
        access_token=MASTO_TOKEN,
        api_base_url=f"{sandbox.url}/masto",
        ratelimit_method="throw",
        request_timeout=5,
    )


def test_mastodon_media_is_uploaded_with_its_description_then_attached_once(masto, control):
    data = png()
    uploaded = masto.media_post(data, mime_type="image/png", description=ALT)
    assert (uploaded.type, uploaded.description) == ("image", ALT)
    assert uploaded.url.startswith("https://files.social.sandbox.example/")
    assert uploaded.meta.original.width == 40

    status = masto.status_post("The map", media_ids=[uploaded.id])
    assert [(m.id, m.description) for m in status.media_attachments] == [(uploaded.id, ALT)]
    assert masto.status(status.id).media_attachments[0].description == ALT
    [sent] = control.outbox(network="masto", kind="status")
    assert sent["meta"]["media"] == [
        {"id": str(uploaded.id), "alt_text": ALT, "bytes": len(data), "content_type": "image/png"}
    ]
    with pytest.raises(MastodonAPIError, match="already attached"):
        masto.status_post("Again", media_ids=[uploaded.id])


def test_an_unknown_media_id_is_refused_with_422(masto, sandbox):
    answer = requests.post(
        f"{sandbox.url}/masto/api/v1/statuses",
        headers={"Authorization": f"Bearer {MASTO_TOKEN}"},
        data={"status": "Map", "media_ids[]": ["424242"]},
        timeout=5,
    )
    assert answer.status_code == 422
    assert answer.json() == {"error": "Media 424242 not found or already attached to another post"}


def test_a_picture_alone_is_a_status_and_not_a_picture_is_refused(masto, control):
    uploaded = masto.media_post(png(), mime_type="image/png")
    assert masto.status_post("", media_ids=[uploaded.id]).media_attachments
    with pytest.raises(MastodonAPIError, match="content type is invalid"):
        masto.media_post(b"<html></html>", mime_type="image/png")


def test_media_still_processing_answers_202_then_206_then_is_ready(masto, control, sandbox):
    control.post("/_sandbox/masto/instance", {"media_processing_reads": 1})
    answer = requests.post(
        f"{sandbox.url}/masto/api/v2/media",
        headers={"Authorization": f"Bearer {MASTO_TOKEN}"},
        files={"file": ("map.png", png(), "image/png")},
        data={"description": ALT},
        timeout=5,
    )
    assert answer.status_code == 202 and answer.json()["url"] is None
    media_id = answer.json()["id"]
    with pytest.raises(MastodonAPIError, match="not finished processing"):
        masto.status_post("Map", media_ids=[media_id])
    assert masto.media(media_id).url is None  # 206
    assert masto.media(media_id).url
    assert masto.status_post("Map", media_ids=[media_id]).media_attachments
