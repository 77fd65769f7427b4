"""Mastodon media uploads, as the instance answers Mastodon.py's ``media_post``
and ``media``, and attaching them to a status with ``media_ids[]``.

``POST /api/v2/media`` takes a multipart ``file`` with an optional
``description`` (the alt text, 1,500 characters at most) and answers the
MediaAttachment: 200 when processed, or 202 with ``url`` null while the
instance processes it (``/_sandbox/masto/instance`` ``media_processing_reads``:
that many reads of ``GET /api/v1/media/:id`` answer 206 processing before it
is ready). An upload is attached to one status of its uploader; naming one
that is unknown, someone else's, already attached or still processing is 422.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox import masto_render as render
from sandbox.media import MASTO_CDN, MediaBlob
from sandbox.multipart import form_parts
from sandbox.router import ApiError, Request, Response

if TYPE_CHECKING:
    from sandbox.state import SandboxState

# What the instance announces (configuration.media_attachments.image_size_limit).
MAX_IMAGE_BYTES = 16 * 1024 * 1024
MAX_DESCRIPTION = 1500
MAX_ATTACHMENTS = 4
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


@dataclass
class MastoUpload:
    blob: MediaBlob
    owner_id: str
    reads_until_ready: int = 0
    status_id: str | None = None

    @property
    def ready(self) -> bool:
        return self.reads_until_ready <= 0


def _error(status: int, message: str) -> ApiError:
    return ApiError(status, {"error": message})


def _picture(data: bytes) -> tuple[str, int, int]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt, (width, height) = image.format or "", image.size
    except (UnidentifiedImageError, OSError):
        fmt, width, height = "", 0, 0
    if fmt not in IMAGE_TYPES:
        raise _error(422, "Validation failed: File content type is invalid, File is invalid")
    return IMAGE_TYPES[fmt], width, height


def attachment(upload: MastoUpload) -> dict[str, Any]:
    """The MediaAttachment; ``url`` and ``preview_url`` are null while processing."""
    body = render.attachment_json(upload.blob)
    if not upload.ready:
        body.update(url=None, preview_url=None)
    return body


def upload(state: SandboxState, req: Request, me: str) -> Response:
    fields = form_parts(req)
    data = fields.get("file", (b"", ""))[0]
    if not data:
        raise _error(422, "Validation failed: File can't be blank")
    if len(data) > MAX_IMAGE_BYTES:
        raise _error(422, "Validation failed: File file size must be less than 16 MB")
    content_type, width, height = _picture(data)
    description = fields.get("description", (b"", ""))[0].decode("utf-8", "replace")
    if len(description) > MAX_DESCRIPTION:
        raise _error(422, "Validation failed: Description is too long (maximum is 1500 characters)")
    with state.lock:
        number = str(state.ids.next(state.now()))
        groups = "/".join(number[i : i + 3] for i in range(0, len(number), 3))
        ext = "png" if content_type == "image/png" else "jpg"
        blob = state.media.add(
            MediaBlob(
                key=number,
                kind="photo",
                host=MASTO_CDN,
                path=f"media_attachments/files/{groups}/original/{int(number) % 16**16:016x}.{ext}",
                width=width,
                height=height,
                alt_text=description,
                data=data,
                content_type=content_type,
            )
        )
        store = state.masto
        found = MastoUpload(blob, me, reads_until_ready=store.media_processing_reads)
        store.uploads[number] = found
        state.outbox.record(
            network="masto",
            kind="media_upload",
            account_id=me,
            target=None,
            result_id=number,
            meta={"bytes": len(data), "content_type": content_type, "alt_text": description},
        )
        return Response(200 if found.ready else 202, attachment(found))


def show(state: SandboxState, me: str, media_id: str) -> Response:
    with state.lock:
        found = state.masto.uploads.get(media_id)
        if found is None or found.owner_id != me:
            raise _error(404, "Record not found")
        body = attachment(found)
        if not found.ready:
            found.reads_until_ready -= 1
            return Response(206, body)
        return Response(200, body)


def attachable(state: SandboxState, me: str, media_ids: list[str]) -> list[MastoUpload]:
    """The uploads a new status may carry, checked as Mastodon's PostStatusService does."""
    if len(media_ids) > MAX_ATTACHMENTS:
        raise _error(422, f"Validation failed: You can attach at most {MAX_ATTACHMENTS} files")
    uploads = [state.masto.uploads.get(m) for m in media_ids]
    missing = [
        m
        for m, u in zip(media_ids, uploads, strict=True)
        if u is None or u.owner_id != me or u.status_id
    ]
    if missing:
        raise _error(
            422, f"Media {', '.join(missing)} not found or already attached to another post"
        )
    found = [u for u in uploads if u is not None]
    if not all(u.ready for u in found):
        raise _error(
            422, "Cannot attach files that have not finished processing. Try again in a moment!"
        )
    return found


def media_record(uploads: list[MastoUpload]) -> list[dict[str, Any]]:
    """What the outbox shows of a status's pictures."""
    return [
        {
            "id": u.blob.key,
            "alt_text": u.blob.alt_text,
            "bytes": len(u.blob.data or b""),
            "content_type": u.blob.content_type,
        }
        for u in uploads
    ]
