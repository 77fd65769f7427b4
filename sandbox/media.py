"""Pictures for the sandbox's posts and messages, and the CDN that serves them.

Networks hand out media as addresses on their CDNs (pbs.twimg.com for X,
scontent.xx.fbcdn.net for Facebook). The sandbox keeps what each address is
(size, kind, alt text) and draws real image bytes for it on request, with
Pillow, so the app's media proxy fetches, checks and re-encodes genuine
images. The app's transport rewrites ``https://<cdn host>/...`` to
``<sandbox>/cdn/<cdn host>/...``.

A blob's ``variant`` makes the CDN misbehave the ways a proxy must survive:
``exif`` (a JPEG carrying camera and GPS metadata), ``huge`` (11 MB),
``html`` (a web page), ``svg`` (script-capable vector image), ``liar``
(labelled image/jpeg, but HTML), ``bomb`` (a PNG whose header claims
40,000 x 40,000 pixels).
"""

from __future__ import annotations

import io
import struct
import threading
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.router import Request, Response
from sandbox.x_models import unit

if TYPE_CHECKING:
    from sandbox.state import SandboxState

VARIANTS = ("normal", "exif", "huge", "html", "svg", "liar", "bomb")
X_CDN = "pbs.twimg.com"
FB_CDN = "scontent.xx.fbcdn.net"
# The sandbox Mastodon instance's media host (instances serve files from their
# own host or a files.<instance> one).
MASTO_CDN = "files.social.sandbox.example"
# Bluesky's app view serves a post's image blobs from its CDN, by author and CID.
BSKY_CDN = "cdn.bsky.app"
CDN_HOSTS = frozenset({X_CDN, FB_CDN, MASTO_CDN, BSKY_CDN})
HUGE_BYTES = 11 * 1024 * 1024
# Drawing is bounded whatever a blob claims: the sandbox is not a bomb itself.
MAX_DRAWN_SIDE = 2000


class MediaSpecError(ValueError):
    """An inject request's ``media`` entry the sandbox cannot use."""


@dataclass
class MediaBlob:
    key: str  # the network's id for it (X media_key, Graph attachment id)
    kind: str  # photo | video | animated_gif (X's words; Graph renders its own)
    host: str
    path: str  # after the host, no query
    width: int
    height: int
    alt_text: str = ""
    variant: str = "normal"
    query: str = ""  # Facebook signs its CDN addresses (oh=, oe=)
    data: bytes | None = None  # uploaded by the app: served as sent, not drawn
    content_type: str = ""

    @property
    def url(self) -> str:
        return f"https://{self.host}/{self.path}" + (f"?{self.query}" if self.query else "")

    @property
    def size_bytes(self) -> int:
        """What the network reports as the file size (an estimate, as it is drawn lazily)."""
        return HUGE_BYTES if self.variant == "huge" else self.width * self.height // 10 + 2000


class MediaStore:
    def __init__(self, lock: threading.RLock) -> None:
        self.lock = lock
        self.blobs: dict[str, MediaBlob] = {}  # "host/path" -> blob
        self.by_key: dict[str, MediaBlob] = {}

    def clear(self) -> None:
        with self.lock:
            self.blobs.clear()
            self.by_key.clear()

    def add(self, blob: MediaBlob) -> MediaBlob:
        with self.lock:
            self.blobs[f"{blob.host}/{blob.path}"] = blob
            self.by_key[blob.key] = blob
            return blob

    def find(self, host: str, path: str) -> MediaBlob | None:
        with self.lock:
            return self.blobs.get(f"{host}/{path}")

    def key(self, key: str) -> MediaBlob | None:
        with self.lock:
            return self.by_key.get(key)


def read_media_spec(value: Any) -> list[dict[str, Any]]:
    """An inject request's ``media``: a list of ``{type, alt_text, width,
    height, variant}`` (every field optional; type photo, video or animated_gif)."""
    if value in (None, []):
        return []
    if not isinstance(value, list) or len(value) > 10:
        raise MediaSpecError("media must be a list of at most 10 objects")
    specs = []
    for entry in value:
        entry = entry if isinstance(entry, dict) else {}
        kind = str(entry.get("type") or "photo")
        variant = str(entry.get("variant") or "normal")
        if kind not in ("photo", "video", "animated_gif"):
            raise MediaSpecError("a media type must be photo, video or animated_gif")
        if variant not in VARIANTS:
            raise MediaSpecError(f"a media variant must be one of {VARIANTS}")
        width, height = int(entry.get("width") or 640), int(entry.get("height") or 480)
        if not (1 <= width <= 10000 and 1 <= height <= 10000):
            raise MediaSpecError("media width and height must be 1-10000")
        specs.append(
            {
                "kind": kind,
                "variant": variant,
                "width": width,
                "height": height,
                "alt_text": str(entry.get("alt_text") or ""),
            }
        )
    return specs


# --- drawing ---------------------------------------------------------------------------


def draw(blob: MediaBlob) -> tuple[bytes, str]:
    """The bytes and content type the CDN serves for ``blob``."""
    if blob.data is not None:
        return blob.data, blob.content_type or "application/octet-stream"
    if blob.variant == "html":
        return b"<!doctype html><title>Login</title><p>Please sign in</p>", "text/html"
    if blob.variant == "liar":
        return b"<!doctype html><script>alert(1)</script>", "image/jpeg"
    if blob.variant == "svg":
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        return svg, "image/svg+xml"
    if blob.variant == "bomb":
        return _bomb_png(), "image/png"
    png = blob.path.endswith(".png")
    body = _picture(blob, fmt="PNG" if png else "JPEG", exif=blob.variant == "exif")
    if blob.variant == "huge":
        # JPEG decoders stop at the end-of-image marker; the padding only makes it big.
        body += b"\0" * (HUGE_BYTES - len(body))
    return body, "image/png" if png else "image/jpeg"


def _picture(blob: MediaBlob, *, fmt: str, exif: bool) -> bytes:
    from PIL import Image, ImageDraw  # only the CDN needs Pillow

    width, height = _drawn_size(blob.width, blob.height)
    hue = unit(blob.key, "hue")
    base = tuple(int(80 + 150 * unit(blob.key, c, hue)) for c in "rgb")
    image = Image.new("RGB", (width, height), base)
    pen = ImageDraw.Draw(image)
    # A few bands and a disc: enough for a person (or a screenshot) to tell images apart.
    for band in range(0, height, max(8, height // 6)):
        shade = tuple(max(0, v - 30) for v in base)
        pen.rectangle((0, band, width, band + max(4, height // 24)), fill=shade)
    r = min(width, height) // 4
    pen.ellipse((width // 2 - r, height // 2 - r, width // 2 + r, height // 2 + r), fill="white")
    out = io.BytesIO()
    if exif:
        info = Image.Exif()
        info[0x010F] = "SandboxCam"  # Make
        info[0x0110] = "Model 1"  # Model
        info[0x0131] = "secret-firmware-1.0"  # Software
        gps = {1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)}
        info[0x8825] = gps  # GPSInfo: where the photo was taken
        image.save(out, format=fmt, exif=info.tobytes(), quality=85)
    else:
        image.save(out, format=fmt, quality=85)
    return out.getvalue()


def _drawn_size(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, MAX_DRAWN_SIDE / max(width, height))
    return max(1, int(width * scale)), max(1, int(height * scale))


def _bomb_png() -> bytes:
    """A tiny PNG whose header claims 40,000 x 40,000 pixels (1.6 gigapixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 40_000, 40_000, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# --- the CDN "network" (mounted at /cdn) ---------------------------------------------------


class CdnNetwork:
    """GET /cdn/<host>/<path>: the bytes of a blob the sandbox handed out."""

    name = "cdn"
    prefix = "/cdn"

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def handle(self, req: Request) -> Response:
        if req.method not in ("GET", "HEAD"):
            return Response(405, b"", content_type="text/plain")
        host, _, path = req.path.lstrip("/").partition("/")
        blob = self.state.media.find(host, path) or self._stand_in(host, path)
        if blob is None:
            return Response(404, b"Not Found", content_type="text/plain")
        body, content_type = draw(blob)
        headers = {"Cache-Control": "max-age=86400"}
        return Response(200, body, headers, content_type=content_type)

    def _stand_in(self, host: str, path: str) -> MediaBlob | None:
        """With ``draw_any_picture`` (the demo), a picture for an address on a
        CDN the sandbox stands in for that this run did not hand out: the
        demo's history was made by another sandbox run, and a real CDN keeps
        every file. Off in tests, where an unknown address is a 404."""
        if not self.state.draw_any_picture or host not in CDN_HOSTS:
            return None
        if not path.lower().endswith((".jpg", ".jpeg", ".png", "@jpeg")):
            return None
        return MediaBlob(key=path, kind="photo", host=host, path=path, width=1200, height=900)

    def fault_response(self, kind: str, params: dict[str, Any], req: Request) -> Response | None:
        if kind == "server_error":
            status = int(params.get("status", 503))
            return Response(status, b"Service Unavailable", content_type="text/plain")
        return None

    def partial_errors(self, params: dict[str, Any], req: Request) -> list[dict[str, Any]]:
        return []


# --- handing out addresses -----------------------------------------------------------------


def x_blob(state: SandboxState, spec: dict[str, Any]) -> MediaBlob:
    """A blob shaped like X's: media_key "<type number>_<snowflake>", on pbs.twimg.com."""
    number = state.ids.next(state.now())
    prefix = {"photo": "3", "video": "7", "animated_gif": "16"}[spec["kind"]]
    name = _name(number)
    ext = "png" if spec["variant"] == "bomb" else "jpg"
    path = {
        "photo": f"media/{name}.{ext}",
        "video": f"ext_tw_video_thumb/{number}/pu/img/{name}.{ext}",
        "animated_gif": f"tweet_video_thumb/{name}.{ext}",
    }[spec["kind"]]
    return state.media.add(
        MediaBlob(
            key=f"{prefix}_{number}",
            kind=spec["kind"],
            host=X_CDN,
            path=path,
            width=spec["width"],
            height=spec["height"],
            alt_text=spec["alt_text"],
            variant=spec["variant"],
        )
    )


def fb_blob(state: SandboxState, spec: dict[str, Any]) -> MediaBlob:
    """A blob shaped like Graph's: a numeric id, a signed scontent address."""
    number = int(state.ids.next(state.now()))
    ext = "png" if spec["variant"] == "bomb" else "jpg"
    return state.media.add(
        MediaBlob(
            key=str(number),
            kind=spec["kind"],
            host=FB_CDN,
            path=f"v/t1.15752-9/{number}_{number % 997}_n.{ext}",
            width=spec["width"],
            height=spec["height"],
            alt_text=spec["alt_text"],
            variant=spec["variant"],
            query=f"_nc_cat=10{number % 9}&oh=00_{_name(number)}&oe=6{number % 99999:05d}",
        )
    )


def masto_blob(state: SandboxState, spec: dict[str, Any]) -> MediaBlob:
    """A blob shaped like a Mastodon instance's: a numeric id, the original
    under media_attachments/files/<id in groups of three>/original/."""
    number = str(state.ids.next(state.now()))
    groups = "/".join(number[i : i + 3] for i in range(0, len(number), 3))
    ext = "png" if spec["variant"] == "bomb" else "jpg"
    return state.media.add(
        MediaBlob(
            key=number,
            kind=spec["kind"],
            host=MASTO_CDN,
            path=f"media_attachments/files/{groups}/original/{int(number) % 16**16:016x}.{ext}",
            width=spec["width"],
            height=spec["height"],
            alt_text=spec["alt_text"],
            variant=spec["variant"],
        )
    )


def bsky_blob(state: SandboxState, spec: dict[str, Any], author_did: str) -> MediaBlob:
    """A blob shaped like Bluesky's: a CID ("bafkrei" + base32), served at
    img/feed_fullsize/plain/<author did>/<cid>@jpeg."""
    number = int(state.ids.next(state.now()))
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    tail = "".join(alphabet[(number >> (5 * i)) % 32] for i in range(52))
    cid = "bafkrei" + tail
    return state.media.add(
        MediaBlob(
            key=cid,
            kind="photo",  # Bluesky's images embed holds pictures only
            host=BSKY_CDN,
            path=f"img/feed_fullsize/plain/{author_did}/{cid}@jpeg",
            width=spec["width"],
            height=spec["height"],
            alt_text=spec["alt_text"],
            variant=spec["variant"],
        )
    )


def media_item(state: SandboxState, key: str) -> dict[str, Any]:
    """What the control API reports of a blob (for tests: its key and address)."""
    blob = state.media.key(key)
    if blob is None:
        return {"media_key": key}
    return {"media_key": key, "type": blob.kind, "url": blob.url, "variant": blob.variant}


def _name(number: int | str) -> str:
    """15 characters of base64url, like X's media file names."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    n = int(number)
    out = []
    for _ in range(15):
        n, r = divmod(n * 2654435761 + 12345, 64)
        out.append(alphabet[r])
    return "".join(out)


def picture_record(blob: MediaBlob) -> dict[str, Any]:
    """What the outbox keeps of a picture a write carried."""
    return {
        "media_key": blob.key,
        "bytes": len(blob.data or b""),
        "content_type": blob.content_type,
    }
