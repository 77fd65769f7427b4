"""Each network's length rule, for the composer and for validation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from inbox.networks.mastodon_text import status_length

X_MAX_WEIGHT = 280
X_URL_WEIGHT = 23
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
# twitter-text v3: these code point ranges weigh 1, everything else 2.
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def x_weighted_length(text: str) -> int:
    text = unicodedata.normalize("NFC", text)
    urls = _URL.findall(text)
    rest = _URL.sub("", text)
    weight = X_URL_WEIGHT * len(urls)
    for char in rest:
        code = ord(char)
        weight += 1 if any(lo <= code <= hi for lo, hi in _LIGHT_RANGES) else 2
    return weight


def characters(text: str) -> int:
    """Characters as a profile form counts them (code points after NFC)."""
    return len(unicodedata.normalize("NFC", text))


def bluesky_graphemes(text: str) -> int:
    from inbox.networks.bluesky_text import graphemes

    return graphemes(text)


LIMITS: dict[str, dict[str, tuple[Callable[[str], int], int]]] = {
    # network -> (kind -> (function, limit))
    # "bio": the profile text a statement of hours goes in (X's bio; a Facebook
    # Page's "about"/short description; a Bluesky profile's description; a
    # Mastodon account's note).
    "x": {
        "public": (x_weighted_length, X_MAX_WEIGHT),
        "private": (len, 10000),
        "bio": (characters, 160),
    },
    "facebook": {"comment": (len, 8000), "private": (len, 2000), "bio": (characters, 255)},
    # Instagram: 2,200 characters in a comment, 1,000 in a direct message, 150 in a bio.
    "instagram": {"comment": (len, 2200), "private": (len, 1000), "bio": (characters, 150)},
    # Bluesky counts graphemes: 300 in a post, 1,000 in a chat message, 256 in a bio.
    "bluesky": {
        "public": (bluesky_graphemes, 300),
        "private": (bluesky_graphemes, 1000),
        "bio": (bluesky_graphemes, 256),
    },
    # Each instance sets its own post limit (Channel.post_max_characters); 500 is
    # Mastodon's default. Direct messages are statuses too: the same rule. A
    # profile note is 500 characters.
    "mastodon": {
        "public": (status_length, 500),
        "private": (status_length, 500),
        "bio": (characters, 500),
    },
}


def length_used(network: str, kind: str, text: str) -> tuple[int, int | None]:
    """(length as the network counts it, the network's limit or None)."""
    rule = LIMITS.get(network, {}).get(kind)
    if rule is None:
        return characters(text), None
    measure, limit = rule
    return measure(text), limit


def length_problem(
    network: str, kind: str, text: str, *, server_limit: int | None = None
) -> str | None:
    """A sentence for the officer if the text is too long, else None.
    ``server_limit``: the account's server's own limit, where it sets one."""
    measure, limit = LIMITS.get(network, {}).get(kind, (len, 10000))
    limit = server_limit or limit
    used = measure(text)
    if used > limit:
        return f"Too long for {network.upper() if network == 'x' else network.title()}: {used} of {limit} characters."
    return None
