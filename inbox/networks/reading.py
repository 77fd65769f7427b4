"""Reading untrusted network JSON one item at a time.

A page or webhook body is a list of items written by strangers' clients and
relayed by the network: any element may be null, of the wrong type, missing
its id or carrying a date nobody can read. The mappers read fields through
these helpers, which raise ``Unreadable`` with a reason an admin can act on
("tweet has no author_id", not "KeyError: 'author_id'"); ``read_into`` turns
any failure of one item into an ``Unparseable`` so the rest of the batch goes on.
Reasons name fields, never their values: they are logged, and values may be
a citizen's words.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from inbox.networks.base import MAX_ID_LENGTH, InboundItem, Unparseable, Unreadable

T = TypeVar("T")

# A date outside these is not a real post's: a year-9999 message would sit on
# top of every inbox, and far dates overflow time-zone arithmetic.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
ID_KEYS = ("id", "id_str", "mid", "comment_id")


def kind_of(value: Any) -> str:
    """What a JSON value is, in words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Unreadable(f"{what} is {kind_of(value)}, not an object")
    return value


def need(raw: dict[str, Any], key: str, what: str) -> Any:
    if key not in raw:
        raise Unreadable(f"{what} has no {key}")
    if raw[key] is None:
        raise Unreadable(f"{what} has a null {key}")
    return raw[key]


def text(raw: dict[str, Any], key: str, what: str, *, required: bool = True) -> str:
    value = need(raw, key, what) if required else raw.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Unreadable(f"{what}'s {key} is {kind_of(value)}, not text")
    return value


def _id_text(value: Any, key: str, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Unreadable(f"{what}'s {key} is {kind_of(value)}, not an id")
    found = str(value)
    if not found:
        raise Unreadable(f"{what} has an empty {key}")
    if len(found) > MAX_ID_LENGTH:
        raise Unreadable(f"{what}'s {key} is too long ({len(found)} characters)")
    return found


def numeric_id(raw: dict[str, Any], key: str, what: str) -> str:
    """An X-style id: ASCII digits (X sends them as strings; a number is accepted)."""
    found = _id_text(need(raw, key, what), key, what)
    if not (found.isascii() and found.isdigit()):
        raise Unreadable(f"{what}'s {key} is not numeric")
    return found


def plain_id(raw: dict[str, Any], key: str, what: str) -> str:
    """A Graph-style id ("123_456", "m_AbC"): any printable text without spaces."""
    found = _id_text(need(raw, key, what), key, what)
    if not found.isprintable() or any(c.isspace() for c in found):
        raise Unreadable(f"{what}'s {key} has spaces or control characters")
    return found


def moment(raw: dict[str, Any], key: str, what: str, parse: Callable[[Any], datetime]) -> datetime:
    value = need(raw, key, what)
    try:
        found = parse(value)
    except (TypeError, ValueError, OverflowError, OSError, AttributeError):
        raise Unreadable(f"{what} has an unreadable {key}") from None
    if found.tzinfo is None:
        raise Unreadable(f"{what}'s {key} has no time zone")
    if not EARLIEST <= found < LATEST:
        raise Unreadable(f"{what}'s {key} is out of range")
    return found


def count(raw: dict[str, Any], key: str, what: str) -> int:
    """A non-negative count that fits the database's integer, 0 when absent."""
    value = raw.get(key)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise Unreadable(f"{what}'s {key} is {kind_of(value)}, not a whole number")
    if not 0 <= value < 2**31:
        raise Unreadable(f"{what}'s {key} is out of range")
    return value


def guess_id(raw: Any) -> str:
    """The item's id if it has a plausible one, for the log line; else ""."""
    if not isinstance(raw, dict):
        return ""
    for key in ID_KEYS:
        value = raw.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool):
            found = str(value)
            if 0 < len(found) <= MAX_ID_LENGTH and found.isprintable():
                return found
    return ""


def read_one(
    bad: list[Unparseable], raw: Any, mapper: Callable[[Any], T | None], what: str
) -> T | None:
    """Map one item; if it cannot be read, keep it in ``bad`` with the reason
    and return None (as for an item the mapper skips on purpose)."""
    try:
        return mapper(raw)
    except Unreadable as exc:
        reason = str(exc)
    except Exception as exc:  # one item's surprise must not sink its batch
        reason = f"{what} could not be read ({exc.__class__.__name__})"
    bad.append(Unparseable(payload=raw, error=reason, external_id=guess_id(raw)))
    return None


def read_into(
    items: list[InboundItem],
    bad: list[Unparseable],
    raw: Any,
    mapper: Callable[[Any], InboundItem | None],
    what: str,
) -> None:
    """``read_one``, keeping a readable item in ``items``."""
    item = read_one(bad, raw, mapper, what)
    if item is not None:
        items.append(item)


def items_of(value: Any, what: str) -> list[Any]:
    """A list of items, [] for absent; anything else is unreadable as a whole."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise Unreadable(f"{what} is {kind_of(value)}, not a list")
    return value
