"""Each network's length rule, for the composer and for validation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

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


LIMITS: dict[str, dict[str, tuple[Callable[[str], int], int]]] = {
    # network -> (kind -> (function, limit))
    "x": {"public": (x_weighted_length, X_MAX_WEIGHT), "private": (len, 10000)},
    "facebook": {"comment": (len, 8000), "private": (len, 2000)},
}


def length_problem(network: str, kind: str, text: str) -> str | None:
    """A sentence for the officer if the text is too long, else None."""
    measure, limit = LIMITS.get(network, {}).get(kind, (len, 10000))
    used = measure(text)
    if used > limit:
        return f"Too long for {network.upper() if network == 'x' else network.title()}: {used} of {limit} characters."
    return None
