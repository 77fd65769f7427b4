"""Re-encoding untrusted image bytes into a plain, bounded, metadata-free image.

Everything an officer's browser receives from the media proxy, and every
image a reply uploads, goes through ``reencode``: the pixels are decoded and
drawn into a new image, so nothing of the original file survives but its
picture. EXIF (camera, GPS position, a thumbnail that may show what was
cropped out), ICC, XMP and comments are gone; polyglot files (an image that
is also HTML or a script) lose their second nature; the dimensions are
bounded; and a file whose header claims more pixels than
``MAX_SOURCE_PIXELS`` is refused before its pixels are decoded (a small PNG
can claim gigapixels: a decompression bomb).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

# Formats decoded at all; anything else (SVG, PDF, PSD, TIFF...) is refused.
SOURCE_FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP"})
# 50 megapixels: a 48 MP phone photo still passes; a bomb does not.
MAX_SOURCE_PIXELS = 50_000_000
FULL_SIDE = 2048
THUMB_SIDE = 480
JPEG_QUALITY = 85


class NotAnImage(ValueError):
    """The bytes are not an image we accept; the message says why, for a person."""


@dataclass(frozen=True)
class Encoded:
    body: bytes
    content_type: str
    width: int
    height: int


def reencode(data: bytes, *, max_side: int = FULL_SIDE) -> Encoded:
    """A new JPEG (or PNG, when the picture has transparency) of ``data``'s
    first frame, at most ``max_side`` pixels on its longer side, with no metadata."""
    with warnings.catch_warnings():
        # Pillow warns, then raises, on huge images; the limit below is ours.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            source = Image.open(io.BytesIO(data), formats=sorted(SOURCE_FORMATS))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise NotAnImage("the image claims too many pixels") from exc
        except (UnidentifiedImageError, OSError) as exc:
            raise NotAnImage("not a JPEG, PNG, GIF or WebP image") from exc
        with source:
            width, height = source.size
            if width * height > MAX_SOURCE_PIXELS:
                raise NotAnImage("the image claims too many pixels")
            try:
                source.seek(0)
                # Apply the EXIF rotation before the EXIF is dropped, or
                # portrait photos would show on their side.
                picture = ImageOps.exif_transpose(source.convert("RGBA"))
            except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
                raise NotAnImage("the image could not be decoded") from exc
    return _encode(picture, max_side)


def _encode(picture: Image.Image, max_side: int) -> Encoded:
    picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    lowest_alpha = picture.getchannel("A").getextrema()[0]
    transparent = isinstance(lowest_alpha, int | float) and lowest_alpha < 255
    # A fresh image from raw pixels: no info dict, no EXIF, no ICC, no text chunks.
    mode = "RGBA" if transparent else "RGB"
    clean = Image.frombytes(mode, picture.size, picture.convert(mode).tobytes())
    out = io.BytesIO()
    if transparent:
        clean.save(out, format="PNG", optimize=True)
        content_type = "image/png"
    else:
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        content_type = "image/jpeg"
    return Encoded(out.getvalue(), content_type, clean.width, clean.height)
