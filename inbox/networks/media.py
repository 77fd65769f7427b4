"""Reading media descriptions out of network payloads, leniently.

A message's words matter more than its pictures: a media entry the mapper
cannot read never costs the message (that would quarantine a citizen's text
for a broken thumbnail). It is kept as an "other" attachment with no address,
so the officer is told something was attached that could not be shown.
"""

from __future__ import annotations

from typing import Any

from inbox.networks.base import MEDIA_KINDS, MediaItem

MAX_URL_LENGTH = 2000
MAX_ALT_LENGTH = 1500  # X allows 1,000 characters, Mastodon 1,500
MAX_KEY_LENGTH = 100
# A message with more attachments than this is not a real message (X: 4,
# Mastodon: 4, Bluesky: 4, Messenger: 10 in practice).
MAX_MEDIA = 20


def url_or_blank(value: Any) -> str:
    """An absolute http(s) URL, or "" for anything else."""
    if not isinstance(value, str) or len(value) > MAX_URL_LENGTH:
        return ""
    lowered = value.lower()
    return value if lowered.startswith(("https://", "http://")) else ""


def dimension(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value < 2**31 else None


def short_text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def media_item(
    *,
    kind: str,
    url: Any = "",
    alt_text: Any = "",
    key: Any = "",
    source_url: Any = "",
    width: Any = None,
    height: Any = None,
    size_bytes: Any = None,
) -> MediaItem:
    """A MediaItem from untrusted values: wrong types become blanks."""
    return MediaItem(
        kind=kind if kind in MEDIA_KINDS else "other",
        url=url_or_blank(url),
        alt_text=short_text(alt_text, MAX_ALT_LENGTH),
        key=short_text(str(key) if isinstance(key, int) else key, MAX_KEY_LENGTH),
        source_url=url_or_blank(source_url),
        width=dimension(width),
        height=dimension(height),
        size_bytes=dimension(size_bytes),
    )


UNREADABLE = MediaItem(kind="other")
