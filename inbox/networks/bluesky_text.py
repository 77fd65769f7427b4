"""Bluesky's length rules: posts and chat messages are measured in graphemes
(what a reader sees as one character: an emoji family, a flag, an accented
letter), not code points or bytes."""

from __future__ import annotations

from wcwidth import iter_graphemes  # UAX #29 clusters (installed with Celery's click-repl)

POST_GRAPHEMES = 300
POST_BYTES = 3000  # the lexicon's other limit, which only long scripts and emoji reach
CHAT_GRAPHEMES = 1000


def graphemes(text: str) -> int:
    return sum(1 for _ in iter_graphemes(text))
