"""Bluesky blobs: ``com.atproto.repo.uploadBlob`` and the
``app.bsky.embed.images`` embed a post record may carry.

uploadBlob takes the raw bytes with their Content-Type and answers a blob
ref, ``{"blob": {"$type": "blob", "ref": {"$link": <cid>}, "mimeType",
"size"}}``; the cid is a real CIDv1 (raw, sha-256), so the same bytes always
get the same one. A blob is only shown once a record references it: a post's
images embed must name blobs its author uploaded, with the mime type and size
the upload was given (400 InvalidRequest otherwise). The app view then serves
it at ``https://cdn.bsky.app/img/feed_fullsize/plain/<did>/<cid>@jpeg``,
which the sandbox CDN answers with the uploaded bytes.
"""

from __future__ import annotations

import base64
import hashlib
import io
from typing import TYPE_CHECKING, Any

from sandbox.bsky_views import invalid, xrpc_error
from sandbox.media import BSKY_CDN, MediaBlob
from sandbox.router import Request, Response

if TYPE_CHECKING:
    from sandbox.state import SandboxState

IMAGES = "app.bsky.embed.images"
# app.bsky.embed.images#image: "maxSize": 1000000. Bluesky's PDS takes
# bigger blobs for video; the sandbox only takes pictures, so it refuses at upload.
MAX_IMAGE_BYTES = 1_000_000
MAX_IMAGES = 4
SNIFFED = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


def blob_cid(data: bytes) -> str:
    """CIDv1, raw codec, sha2-256, base32: what a PDS calls these bytes ("bafkrei...")."""
    prefix = bytes([0x01, 0x55, 0x12, 0x20])
    return "b" + base64.b32encode(prefix + hashlib.sha256(data).digest()).decode().lower().rstrip(
        "="
    )


def _mime_type(data: bytes, declared: str) -> str:
    """As the PDS does, the bytes say what they are; the header only when they do not."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            found = SNIFFED.get(image.format or "")
    except (UnidentifiedImageError, OSError):
        found = None
    declared = declared.split(";")[0].strip().lower()
    return found or (declared if declared and declared != "*/*" else "application/octet-stream")


def upload_blob(state: SandboxState, req: Request) -> Response:
    data = req.body
    if not data:
        raise invalid("Request body is empty: a blob needs its bytes")
    if len(data) > MAX_IMAGE_BYTES:
        raise xrpc_error(
            400,
            "BlobTooLarge",
            f"This file is too large. It is {len(data)} bytes "
            f"but the maximum size is {MAX_IMAGE_BYTES} bytes.",
        )
    mime_type = _mime_type(data, req.headers.get("content-type", ""))
    cid = blob_cid(data)
    with state.lock:
        did = str(req.auth)
        state.bsky.blobs[(did, cid)] = {"mimeType": mime_type, "size": len(data)}
        state.media.add(
            MediaBlob(
                key=cid,
                kind="photo",
                host=BSKY_CDN,
                path=f"img/feed_fullsize/plain/{did}/{cid}@jpeg",
                width=0,
                height=0,
                data=data,
                content_type=mime_type,
            )
        )
        state.outbox.record(
            network="bsky",
            kind="blob_upload",
            account_id=did,
            target=None,
            result_id=cid,
            meta={"bytes": len(data), "mime_type": mime_type},
        )
    ref = {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime_type, "size": len(data)}
    return Response(200, {"blob": ref})


def check_images_embed(embed: Any, state: SandboxState, author_did: str) -> None:
    """What the PDS refuses in a post's images embed. Other embeds (quotes,
    links) are not checked: the app never writes them."""
    if not isinstance(embed, dict) or embed.get("$type") != IMAGES:
        return
    images = embed.get("images")
    if not isinstance(images, list) or not 1 <= len(images) <= MAX_IMAGES:
        raise invalid(
            f"Invalid app.bsky.feed.post record: Record/embed/images must hold 1 to {MAX_IMAGES}"
        )
    for n, image in enumerate(images):
        where = f"Record/embed/images/{n}"
        if not isinstance(image, dict) or not isinstance(image.get("alt"), str):
            raise invalid(f"Invalid app.bsky.feed.post record: {where}/alt must be a string")
        found = image.get("image")
        ref: dict[str, Any] = found if isinstance(found, dict) else {}
        link = ref["ref"].get("$link") if isinstance(ref.get("ref"), dict) else None
        uploaded = state.bsky.blobs.get((author_did, str(link)))
        if uploaded is None:
            raise invalid(f"Could not find blob: {link}")
        if not str(uploaded["mimeType"]).startswith("image/"):
            raise invalid(f"Invalid app.bsky.feed.post record: {where}/image must be an image")
        if ref.get("mimeType") != uploaded["mimeType"] or ref.get("size") != uploaded["size"]:
            raise invalid(f"{where}/image does not match the blob uploaded as {link}")
        _check_aspect_ratio(image.get("aspectRatio"), where)


def _check_aspect_ratio(ratio: Any, where: str) -> None:
    if ratio is None:
        return
    sides = [ratio.get(k) if isinstance(ratio, dict) else None for k in ("width", "height")]
    if not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in sides):
        raise invalid(f"Invalid app.bsky.feed.post record: {where}/aspectRatio must be positive")


def embedded_media(record: dict[str, Any], state: SandboxState) -> list[dict[str, Any]]:
    """What the outbox shows of a post's pictures: each one's cid, alt text and size."""
    embed = record.get("embed")
    if not isinstance(embed, dict) or embed.get("$type") != IMAGES:
        return []
    out = []
    for image in embed.get("images") or []:
        ref = image["image"]
        out.append(
            {
                "cid": ref["ref"]["$link"],
                "alt_text": image["alt"],
                "bytes": ref["size"],
                "mime_type": ref["mimeType"],
            }
        )
    return out
