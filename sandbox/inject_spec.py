"""Reading an inject request (/_sandbox/<network>/inject): the same shape for
every network, so one reader validates it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sandbox.clock import parse_time
from sandbox.media import MediaSpecError, read_media_spec

MAX_INJECT_COUNT = 500


def read_inject_spec(
    spec: dict[str, Any], *, kinds: tuple[str, ...], default_kind: str, error: type[ValueError]
) -> tuple[str, int, dict[str, Any]]:
    """(kind, count, the fields every injected item takes), or ``error``."""
    kind = spec.get("kind", default_kind)
    if kind not in kinds:
        raise error(f"kind must be one of {kinds}")
    count = int(spec.get("count", 1))
    if not 1 <= count <= MAX_INJECT_COUNT:
        raise error(f"count must be between 1 and {MAX_INJECT_COUNT}")
    common = {
        "text": spec.get("text"),
        "author": spec.get("author"),
        "created_at": parse_when(spec.get("created_at"), error),
        "category": spec.get("category"),
        "media": _media(spec.get("media"), error),
    }
    return kind, count, common


def _media(value: Any, error: type[ValueError]) -> list[dict[str, Any]]:
    try:
        return read_media_spec(value)
    except (MediaSpecError, TypeError, ValueError) as exc:
        raise error(str(exc)) from exc


def parse_when(value: Any, error: type[ValueError]) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        # Facebook writes offsets as +0000; ISO wants +00:00.
        return parse_time(str(value).replace("+0000", "+00:00"))
    except ValueError as exc:
        raise error(f"created_at is not an ISO-8601 time: {value!r}") from exc
