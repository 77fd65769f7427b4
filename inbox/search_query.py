"""The search box's small language, parsed into a ``SearchQuery``.

Officers type free words, "quoted phrases", -excluded words and a few
operators: ``from:handle``, ``channel:name``, ``label:name``, ``is:unread``,
``is:mine``. An operator's value may be quoted (``label:"needs review"``).

This reads outside input, so it never fails on odd text: anything that is not
an operator is search text. The one refusal is a word shaped like an operator
(letters, a colon, a value) whose name we do not know, because silently
searching for "stauts:open" as text would show an empty page with no hint of
the typo. Links (``https://...``) and times (``10:30``) are text, not operators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUERY = 200

OPERATORS = ("from", "channel", "label", "is")
IS_VALUES = ("unread", "mine")

# One token: an optional operator name, then a quoted or a bare value.
# The quote may be unclosed (someone still typing): it runs to the end.
_TOKEN = re.compile(
    r"""
    (?P<neg>-)?
    (?:(?P<op>[A-Za-z]+):(?=\S))?
    (?:
        "(?P<quoted>[^"]*)"?
      | (?P<bare>\S+)
    )
    """,
    re.VERBOSE,
)


class SearchQueryError(ValueError):
    """The query names an operator we do not know, or a value ``is:`` cannot take.
    ``str()`` is a sentence to show the officer as it is."""


@dataclass(frozen=True)
class SearchQuery:
    """What the officer asked for. ``text`` is for the full-text engine, in
    web-search syntax (words, "phrases", -word); the rest narrows the
    conversations searched."""

    text: str = ""
    from_handles: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    unread: bool = False
    mine: bool = False

    def has_operators(self) -> bool:
        return bool(self.from_handles or self.channels or self.labels or self.unread or self.mine)

    def is_empty(self) -> bool:
        return not self.text and not self.has_operators()

    def terms(self) -> list[tuple[str, bool]]:
        """(term, excluded) for each word or phrase of ``text``: what a
        substring engine matches one by one."""
        found = []
        for m in _TOKEN.finditer(self.text):
            quoted, op = m.group("quoted"), m.group("op")
            term = quoted if quoted is not None else m.group("bare") or ""
            term = " ".join((f"{op}:{term}" if op else term).split())
            if term and term != "-":
                found.append((term, bool(m.group("neg"))))
        return found


def _quote(value: str) -> str:
    # Quoted when a bare value would read differently: spaces, or a leading
    # "//" (which would make it a link).
    return f'"{value}"' if " " in value or value.startswith("//") else value


def search_query_parse(raw: str) -> SearchQuery:
    """Parse what was typed. Raises ``SearchQueryError`` for an unknown
    operator or an unknown ``is:`` value; never for anything else."""
    raw = " ".join(str(raw).split())[:MAX_QUERY]
    text: list[str] = []
    found: dict[str, list[str]] = {"from": [], "channel": [], "label": []}
    flags: set[str] = set()
    for m in _TOKEN.finditer(raw):
        op, neg = m.group("op"), m.group("neg") or ""
        quoted = m.group("quoted")
        value = " ".join((quoted if quoted is not None else m.group("bare") or "").split())
        if op is None or (quoted is None and value.startswith("//")):
            # Plain text (a link's "https:" is no operator).
            if op is not None:
                value = f"{op}:{value}"
            if value:
                text.append(neg + (f'"{value}"' if quoted is not None else value))
            continue
        name = op.lower()
        if name not in OPERATORS:
            raise SearchQueryError(
                f"“{op}:” is not a search operator. Use from:, channel:, label:, "
                "is:unread or is:mine, or put the words in quotes to search for them."
            )
        if neg:
            raise SearchQueryError(
                f"“-{op}:” cannot leave things out; search operators only narrow the results."
            )
        if not value:
            continue
        if name == "is":
            if value.lower() not in IS_VALUES:
                raise SearchQueryError(
                    f"“is:{value}” is not something search knows. Use is:unread or is:mine."
                )
            flags.add(value.lower())
            continue
        # Handles, channel and label names hold no quotes; dropping stray ones
        # keeps a value writable back into the box unchanged.
        value = value.replace('"', "")
        value = value.lstrip("@") if name == "from" else value
        if value and value.lower() not in (v.lower() for v in found[name]):
            found[name].append(value)
    return SearchQuery(
        text=" ".join(text),
        from_handles=tuple(found["from"]),
        channels=tuple(found["channel"]),
        labels=tuple(found["label"]),
        unread="unread" in flags,
        mine="mine" in flags,
    )


def search_query_format(query: SearchQuery) -> str:
    """The query written back as an officer would type it (parsing the result
    gives the same ``SearchQuery``): for the search box and result headings."""
    parts = [f"from:{_quote(h)}" for h in query.from_handles]
    parts += [f"channel:{_quote(c)}" for c in query.channels]
    parts += [f"label:{_quote(lb)}" for lb in query.labels]
    parts += ["is:unread"] * query.unread + ["is:mine"] * query.mine
    return " ".join([query.text, *parts]).strip()
