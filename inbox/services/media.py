"""The media proxy: a message's picture, fetched, checked, re-encoded, cached.

Officers' browsers never load a network's CDN directly: that would tell the
network (and whoever posted the picture) who looked and when, bypass the
access rule, and hand the browser whatever bytes the CDN sent. Instead the
server fetches the network's address (inbox.networks.media_fetch: size,
type and address limits), re-encodes it (inbox.services.images: metadata
stripped, dimensions bounded, bombs refused) and caches the results.

One fetch makes every variant: ``full`` (2,048 px), ``thumb`` (480 px) and
``blurred`` (what the abuse shield shows before a reveal: so coarse that
nothing can be made out, and made on the server so the picture itself never
reaches the browser until the officer chooses to see it).
"""

from __future__ import annotations

import io
import logging
from dataclasses import astuple

from django.conf import settings
from django.core.cache import cache
from PIL import Image, ImageFilter

from inbox.models import MessageMedia
from inbox.networks.media_fetch import MediaRefused, MediaUnavailable, fetch_image
from inbox.services.images import FULL_SIDE, THUMB_SIDE, Encoded, NotAnImage, reencode

VARIANTS = ("full", "thumb", "blurred")
CACHE_VERSION = 1
# A refusal is remembered for a while, so a page of broken pictures does not
# refetch each one (an 11 MB file every poll) until it expires.
REFUSAL_SECONDS = 600
BLUR_SIDE = 16

log = logging.getLogger("socialdesk.media")


class MediaNotShown(Exception):
    """The picture cannot be shown; the message says why, for the officer.
    ``transient`` says whether trying later may help."""

    def __init__(self, reason: str, *, transient: bool = False):
        super().__init__(reason)
        self.transient = transient


def media_image(*, media: MessageMedia, variant: str) -> Encoded:
    """The re-encoded ``variant`` of ``media``, from the cache or made now.
    Raises MediaNotShown. The caller has applied the access rule."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}")
    if not media.is_image_like:
        raise MediaNotShown("this attachment is not a picture")
    cached = cache.get(_key(media.pk, variant))
    if cached is not None:
        return Encoded(*cached)
    refused = cache.get(_key(media.pk, "refused"))
    if refused is not None:
        raise MediaNotShown(refused)
    made = _make_all(media)
    cache.set_many(
        {_key(media.pk, name): astuple(enc) for name, enc in made.items()},
        timeout=settings.MEDIA_CACHE_SECONDS,
    )
    return made[variant]


def _make_all(media: MessageMedia) -> dict[str, Encoded]:
    try:
        source = _source_bytes(media)
        full = reencode(source, max_side=FULL_SIDE)
    except MediaNotShown as exc:
        if not exc.transient:
            cache.set(_key(media.pk, "refused"), str(exc), timeout=REFUSAL_SECONDS)
        log.info("media %s not shown: %s", media.pk, exc)
        raise
    except NotAnImage as exc:
        reason = f"the network's file is not a picture we can show: {exc}"
        cache.set(_key(media.pk, "refused"), reason, timeout=REFUSAL_SECONDS)
        log.info("media %s not shown: %s", media.pk, exc)
        raise MediaNotShown(reason) from exc
    thumb = reencode(full.body, max_side=THUMB_SIDE)
    return {"full": full, "thumb": thumb, "blurred": _blurred(thumb)}


def _source_bytes(media: MessageMedia) -> bytes:
    if media.content_type:
        # Our own reply's upload (already re-encoded when it was attached).
        upload = MessageMedia.objects.filter(pk=media.pk).values_list("upload", flat=True).first()
        if not upload:
            raise MediaNotShown("the attached picture is no longer stored")
        return bytes(upload)
    try:
        return fetch_image(media.url).body
    except MediaRefused as exc:
        raise MediaNotShown(str(exc)) from exc
    except MediaUnavailable as exc:
        raise MediaNotShown(
            "the network did not send the picture; try again later", transient=True
        ) from exc


def _blurred(thumb: Encoded) -> Encoded:
    """A tiny version blown up and blurred: colours only, no shapes or words."""
    with Image.open(io.BytesIO(thumb.body)) as image:
        small = image.convert("RGB")
        small.thumbnail((BLUR_SIDE, BLUR_SIDE))
        big = small.resize((thumb.width, thumb.height), Image.Resampling.BILINEAR)
        big = big.filter(ImageFilter.GaussianBlur(radius=max(thumb.width, thumb.height) / 20))
    out = io.BytesIO()
    big.save(out, format="JPEG", quality=70)
    return Encoded(out.getvalue(), "image/jpeg", big.width, big.height)


def _key(pk: int, variant: str) -> str:
    return f"media:{CACHE_VERSION}:{pk}:{variant}"
