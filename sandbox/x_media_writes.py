"""X media uploads (v1.1 on upload.twitter.com, as tweepy's ``API`` calls them).

``POST /1.1/media/upload.json`` takes a multipart ``media`` file (or base64
``media_data``) and answers ``{media_id, media_id_string, size,
expires_after_secs, image{image_type, w, h}}``; ``POST
/1.1/media/metadata/create.json`` sets its alt text (1,000 characters at
most). A media id can then be attached to one tweet or DM by its uploader
(``media.media_ids`` on POST /2/tweets, ``attachments[].media_id`` on a DM);
the posted item carries it as ``attachments.media_keys`` ["3_<id>"], and the
CDN serves the uploaded bytes.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.media import X_CDN, MediaBlob
from sandbox.multipart import form_parts
from sandbox.router import ApiError, Request, Response
from sandbox.x_auth import require_user

if TYPE_CHECKING:
    from sandbox.state import SandboxState

MAX_IMAGE_BYTES = 5 * 1024 * 1024  # X's limit for images
MAX_ALT_TEXT = 1000
MAX_MEDIA_PER_POST = 4
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


@dataclass
class XUpload:
    media_id: str
    owner_id: str
    blob: MediaBlob
    used_by: str | None = None  # the tweet or DM event it was attached to


def _v1_error(status: int, code: int, message: str) -> ApiError:
    return ApiError(status, {"errors": [{"code": code, "message": message}]})


def _uploaded_bytes(req: Request) -> bytes:
    parts = form_parts(req)
    if "media" in parts:
        return parts["media"][0]
    if "media_data" in parts:
        return _b64(parts["media_data"][0])
    raise _v1_error(400, 38, "media parameter is missing.")


def _b64(value: bytes) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _v1_error(400, 324, "media_data is not valid base64.") from exc


def _image_facts(data: bytes) -> tuple[str, int, int]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt, (width, height) = image.format or "", image.size
    except (UnidentifiedImageError, OSError) as exc:
        raise _v1_error(400, 324, "Invalid media: the file is not a supported image.") from exc
    if fmt not in IMAGE_TYPES:
        raise _v1_error(400, 324, "Invalid media: unsupported image format.")
    return IMAGE_TYPES[fmt], width, height


def upload(state: SandboxState, req: Request) -> Response:
    account_id = require_user(req)
    data = _uploaded_bytes(req)
    if len(data) > MAX_IMAGE_BYTES:
        raise _v1_error(400, 324, "File size exceeds 5242880 bytes.")
    image_type, width, height = _image_facts(data)
    with state.lock:
        media_id = state.ids.next(state.now())
        ext = "png" if image_type == "image/png" else "jpg"
        blob = state.media.add(
            MediaBlob(
                key=f"3_{media_id}",
                kind="photo",
                host=X_CDN,
                path=f"media/up{media_id}.{ext}",
                width=width,
                height=height,
                data=data,
                content_type=image_type,
            )
        )
        state.x.uploads[media_id] = XUpload(media_id=media_id, owner_id=account_id, blob=blob)
        state.outbox.record(
            network="x",
            kind="media_upload",
            account_id=account_id,
            target=None,
            result_id=media_id,
            meta={"size": len(data), "image_type": image_type},
        )
    body = {
        "media_id": int(media_id),
        "media_id_string": media_id,
        "size": len(data),
        "expires_after_secs": 86400,
        "image": {"image_type": image_type, "w": width, "h": height},
    }
    return Response(200, body)


def metadata_create(state: SandboxState, req: Request) -> Response:
    account_id = require_user(req)
    body = req.json_object()
    alt = body.get("alt_text")
    text = alt.get("text") if isinstance(alt, dict) else None
    if not isinstance(text, str) or len(text) > MAX_ALT_TEXT:
        raise _v1_error(400, 44, "alt_text.text must be text of at most 1000 characters.")
    with state.lock:
        found = _owned(state, account_id, body.get("media_id"))
        found.blob.alt_text = text
    return Response(200, b"", content_type="")


def _owned(state: SandboxState, account_id: str, media_id: Any) -> XUpload:
    found = state.x.uploads.get(str(media_id))
    if found is None or found.owner_id != account_id:
        raise _v1_error(400, 324, f"Invalid media id {media_id}.")
    return found


def attach(state: SandboxState, account_id: str, media_ids: Any, used_by: str) -> list[str]:
    """The media keys for ``media_ids`` once checked (the caller's own uploads,
    at most four, each used once), marked as used by ``used_by``."""
    if media_ids in (None, []):
        return []
    if not isinstance(media_ids, list) or len(media_ids) > MAX_MEDIA_PER_POST:
        raise _v1_error(400, 324, "Up to 4 media ids may be attached.")
    uploads = [_owned(state, account_id, m) for m in media_ids]
    if any(u.used_by for u in uploads):
        raise _v1_error(400, 324, "A media id can be attached to one post only.")
    for u in uploads:
        u.used_by = used_by
    return [u.blob.key for u in uploads]


def check_attachable(state: SandboxState, account_id: str, media_ids: Any) -> None:
    """As ``attach`` (before the post exists), without marking anything used."""
    if media_ids in (None, []):
        return
    if not isinstance(media_ids, list) or len(media_ids) > MAX_MEDIA_PER_POST:
        raise _v1_error(400, 324, "Up to 4 media ids may be attached.")
    for media_id in media_ids:
        if _owned(state, account_id, media_id).used_by:
            raise _v1_error(400, 324, "A media id can be attached to one post only.")
