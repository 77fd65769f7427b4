"""Words for a message's attachments, where a line of text stands for them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

_NAMES = {
    "image": ("image", "images"),
    "video": ("video", "videos"),
    "gif": ("animated GIF", "animated GIFs"),
    "other": ("attachment", "attachments"),
}


def media_summary(kinds: Sequence[str]) -> str:
    """ "(image)", "(2 images and a video)": the inbox preview of a message with
    no text, and what a screen reader hears for it."""
    counts = Counter(k if k in _NAMES else "other" for k in kinds)
    present = [(counts[k], names) for k, names in _NAMES.items() if counts.get(k)]
    if not present:
        return ""
    if len(present) == 1 and present[0][0] == 1:
        return f"({present[0][1][0]})"
    parts = [
        f"{n} {many}" if n > 1 else f"a{'n' if one[0] in 'aeiou' else ''} {one}"
        for n, (one, many) in present
    ]
    words = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"({words})"
