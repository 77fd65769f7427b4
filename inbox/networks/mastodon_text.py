"""Mastodon's status HTML back to plain text, and Mastodon's length rule.

Mastodon sends ``content`` as HTML (paragraphs, ``<br />``, mentions and links
as anchors; a long URL is split into "invisible" and "ellipsis" spans, whose
text together is the whole URL, kept here). Officers read and search plain
text, so it is rebuilt here with the standard library's parser: no markup is
ever kept, so nothing a stranger wrote reaches a template unescaped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

URL_WEIGHT = 23  # Mastodon counts every link as 23 characters
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
# "@user@instance" counts as "@user": the domain is free.
_MENTION_DOMAIN = re.compile(r"(?<![\w@])(@[A-Za-z0-9_]+)@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_LEADING_MENTIONS = re.compile(r"^(?:\s*@[A-Za-z0-9_]+(?:@[A-Za-z0-9.-]+)?)+\s*")


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.paragraphs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p":
            if self.paragraphs:
                self.parts.append("\n\n")
            self.paragraphs += 1

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(content: str) -> str:
    """The words of a status as its author typed them (near enough)."""
    parser = _TextOf()
    parser.feed(content)
    parser.close()
    return "".join(parser.parts).strip()


def status_length(text: str) -> int:
    """Characters Mastodon counts against the instance's limit."""
    text = _MENTION_DOMAIN.sub(r"\1", text)
    return len(_URL.sub("", text)) + URL_WEIGHT * len(_URL.findall(text))


def without_leading_mentions(text: str) -> str:
    """The text after the @handles a reply starts with (clients add them)."""
    return _LEADING_MENTIONS.sub("", text or "", count=1)
