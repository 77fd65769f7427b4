"""A reply's picture as Bluesky takes it.

An ``app.bsky.embed.images`` image is at most 1,000,000 bytes. Our re-encode
(inbox.services.images, 2,048 px) of a detailed photo can be bigger, so the
picture is re-encoded smaller here rather than refused: the officer chose a
picture and Bluesky's own app shrinks pictures the same way. It is done at
send time because only the Bluesky client knows the limit; the re-encode is
a pure function of the bytes (no database, no network).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from inbox.networks.base import OutboundImage, Refused
from inbox.services.images import NotAnImage, reencode

MAX_IMAGE_BYTES = 1_000_000
# Longer sides tried in turn. Below 1,024 px a photographed notice stops
# being legible: a picture still too big there is refused, not mangled.
SHRINK_SIDES = (1600, 1280, 1024)


@dataclass(frozen=True)
class Fitted:
    image: OutboundImage
    width: int | None
    height: int | None


def fit(image: OutboundImage) -> Fitted:
    """``image`` within Bluesky's limit, with its size in pixels when readable;
    Refused when it cannot be made small enough."""
    if len(image.body) <= MAX_IMAGE_BYTES:
        return Fitted(image, *_size(image.body))
    for side in SHRINK_SIDES:
        try:
            smaller = reencode(image.body, max_side=side)
        except NotAnImage as exc:
            raise Refused(f"Bluesky cannot take this picture: {exc}.") from exc
        if len(smaller.body) <= MAX_IMAGE_BYTES:
            shrunk = OutboundImage(smaller.body, smaller.content_type, image.alt_text)
            return Fitted(shrunk, smaller.width, smaller.height)
    raise Refused(
        "This picture is too large for Bluesky (1 MB at most), even made smaller. "
        "Send a simpler picture, or a crop of the part that matters."
    )


def _size(body: bytes) -> tuple[int | None, int | None]:
    try:
        with Image.open(io.BytesIO(body)) as picture:
            return picture.size
    except (UnidentifiedImageError, OSError):
        return None, None  # aspectRatio is optional: Bluesky's apps then guess
