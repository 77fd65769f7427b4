"""A reply's picture as Bluesky takes it: within its 1,000,000-byte limit
(``inbox.services.reply_media`` shrinks a picture to fit before it is queued),
with its size in pixels for the embed's aspect ratio.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from inbox.networks.base import OutboundImage, Refused

MAX_IMAGE_BYTES = 1_000_000


@dataclass(frozen=True)
class Fitted:
    image: OutboundImage
    width: int | None
    height: int | None


def fit(image: OutboundImage) -> Fitted:
    """``image`` with its size in pixels when readable; Refused when it is over
    Bluesky's limit (a reply queued before the limit was checked)."""
    if len(image.body) > MAX_IMAGE_BYTES:
        raise Refused(
            "This picture is too large for Bluesky (1 MB at most). "
            "Send a simpler picture, or a crop of the part that matters."
        )
    return Fitted(image, *_size(image.body))


def _size(body: bytes) -> tuple[int | None, int | None]:
    try:
        with Image.open(io.BytesIO(body)) as picture:
            return picture.size
    except (UnidentifiedImageError, OSError):
        return None, None  # aspectRatio is optional: Bluesky's apps then guess
