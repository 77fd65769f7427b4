"""Fetching a message's picture from a network's CDN, defensively.

The address comes from a network payload, so it is treated as untrusted:
only http(s), only hosts that resolve to public addresses (no loopback,
private, link-local or metadata addresses: the proxy must not become a way
into our own network), redirects followed only a few times and each one
checked the same way, a timeout, a byte limit enforced while reading (a
server may lie about Content-Length or send none), and an image content
type. What comes back is still untrusted bytes: the caller re-encodes them.

With ``SOCIAL_SANDBOX_URL`` set, the networks' CDN hosts are rewritten to
the sandbox's ``/cdn/<host>/...``, as the API hosts are in transport.py.
DNS rebinding between the check and the connection is not covered; the
re-encode still bounds what an answer can do.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings

from inbox.networks.base import PermanentError, TransientError

# CDN hosts the sandbox network stands in for. Networks added later list
# their own here (their sandbox part serves them under /cdn/<host>/).
SANDBOX_CDN_HOSTS = frozenset(
    {
        "pbs.twimg.com",
        "ton.twitter.com",
        "video.twimg.com",
        "scontent.xx.fbcdn.net",
        "lookaside.fbsbx.com",
        "files.social.sandbox.example",  # the sandbox Mastodon instance's files
        "cdn.bsky.app",
    }
)
# Raster formats a browser shows and Pillow reads safely. SVG is refused: it
# can carry script.
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
MAX_REDIRECTS = 3
CHUNK = 64 * 1024


class MediaRefused(PermanentError):
    """This address will not give an image we may show (not an image, too
    large, a forbidden address, gone). Trying again will not help."""


class MediaUnavailable(TransientError):
    """The CDN did not answer in time or failed; worth trying later."""


@dataclass(frozen=True)
class Fetched:
    body: bytes
    content_type: str


def fetch_image(url: str, *, max_bytes: int | None = None) -> Fetched:
    """The bytes at ``url`` if it is an image of at most ``max_bytes``."""
    limit = max_bytes if max_bytes is not None else settings.MEDIA_MAX_BYTES
    with requests.Session() as session:
        session.trust_env = False  # no proxy from the environment: it would bypass the checks
        for _ in range(MAX_REDIRECTS + 1):
            target = _target(url)
            response = _get(session, target)
            with response:
                if response.is_redirect:
                    location = response.headers.get("Location", "")
                    url = urljoin(url, location)
                    continue
                return _read(response, limit)
    raise MediaRefused("the network redirected too many times")


def _target(url: str) -> str:
    """Where to connect for ``url``: the sandbox for a CDN it stands in for,
    else ``url`` itself once its host is known to be public."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise MediaRefused("not a web address")
    host = parts.hostname.lower()
    sandbox = settings.SOCIAL_SANDBOX_URL.rstrip("/")
    if sandbox and host in SANDBOX_CDN_HOSTS:
        query = f"?{parts.query}" if parts.query else ""
        return f"{sandbox}/cdn/{host}{parts.path}{query}"
    if parts.scheme != "https":
        raise MediaRefused("only https addresses are fetched")
    if parts.username or parts.password:
        raise MediaRefused("an address with credentials is refused")
    _require_public(host, parts.port or 443)
    return url


def _require_public(host: str, port: int) -> None:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise MediaUnavailable(f"cannot resolve {host}") from exc
    for *_rest, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0])
        if not address.is_global:
            raise MediaRefused("the address is not on the public internet")


def _get(session: requests.Session, url: str) -> requests.Response:
    try:
        return session.get(
            url,
            stream=True,
            allow_redirects=False,
            timeout=settings.MEDIA_FETCH_TIMEOUT,
            headers={"Accept": ", ".join(sorted(IMAGE_TYPES))},
        )
    except requests.RequestException as exc:
        raise MediaUnavailable(
            f"the network's media server failed: {exc.__class__.__name__}"
        ) from exc


def _read(response: requests.Response, limit: int) -> Fetched:
    if response.status_code >= 500 or response.status_code == 429:
        raise MediaUnavailable(f"the network's media server answered {response.status_code}")
    if response.status_code != 200:
        raise MediaRefused(f"the network's media server answered {response.status_code}")
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type not in IMAGE_TYPES:
        raise MediaRefused(f"not an image ({content_type or 'no content type'})")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise MediaRefused(f"larger than {limit // (1024 * 1024)} MB")
    body = bytearray()
    try:
        for chunk in response.iter_content(CHUNK):
            body.extend(chunk)
            if len(body) > limit:
                raise MediaRefused(f"larger than {limit // (1024 * 1024)} MB")
    except requests.RequestException as exc:
        raise MediaUnavailable("the network's media server stopped mid-file") from exc
    return Fetched(body=bytes(body), content_type=content_type)
