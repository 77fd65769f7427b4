"""Facebook objects -> InboundItems, shared by polling and the Page webhooks.

Threading rules (see DESIGN.md):
- Page comments are public comment threads, one conversation per commenter
  per post (``fbc:{post id}:{commenter id}``); replies nest through
  ``in_reply_to`` (the parent comment, or the post for a top-level comment).
- Messenger messages are private conversations, one per person
  (``fbm:{psid}``): webhooks carry the PSID but not the thread id, so the key
  must be derivable from both.
- The Page's own comments and messages seen on the network are outbound
  (``direction="out"``) with the person they answer as contact; the Page's own
  top-level comments belong to no conversation and are skipped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from inbox.networks.base import Author, InboundItem, Unparseable

NETWORK = "facebook"


def parse_time(value: Any) -> datetime:
    """Graph's "2024-05-01T10:00:00+0000", or a webhook's epoch seconds/ms."""
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, UTC)
    return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)


def _author(raw: dict[str, Any] | None) -> Author:
    raw = raw or {}
    return Author(external_id=str(raw["id"]), display_name=str(raw.get("name") or ""))


def map_comment(raw: dict[str, Any], *, post_id: str, page_id: str) -> InboundItem | None:
    """A Graph comment (``id, message, from{id,name}, created_time, parent{id,from}``)."""
    author = _author(raw.get("from"))
    parent = raw.get("parent") or {}
    parent_id = str(parent.get("id") or "")
    if author.external_id == page_id:
        parent_author = parent.get("from") or {}
        if not parent_id or not parent_author.get("id") or str(parent_author["id"]) == page_id:
            return None  # the Page's own post-level comment: not part of a conversation
        contact, direction = _author(parent_author), "out"
    else:
        contact, direction = author, "in"
    return InboundItem(
        network=NETWORK,
        external_id=str(raw["id"]),
        kind="comment",
        conversation_kind="comment",
        thread_key=f"fbc:{post_id}:{contact.external_id}",
        contact=contact,
        text=str(raw.get("message") or ""),
        created_at=parse_time(raw["created_time"]),
        direction=direction,
        in_reply_to=parent_id or post_id,
        metrics={
            k: int(raw[k]) for k in ("like_count", "comment_count") if isinstance(raw.get(k), int)
        },
        raw={**raw, "post_id": post_id},
    )


def map_message(raw: dict[str, Any], *, psid: str, page_id: str) -> InboundItem:
    """A Messenger message (``id, message, from{id,name}, created_time``) in the
    Page's thread with ``psid``."""
    sender = _author(raw.get("from"))
    outbound = sender.external_id == page_id
    contact = Author(external_id=psid) if outbound else sender
    return InboundItem(
        network=NETWORK,
        external_id=str(raw["id"]),
        kind="dm",
        conversation_kind="private",
        thread_key=f"fbm:{psid}",
        contact=contact,
        text=str(raw.get("message") or ""),
        created_at=parse_time(raw["created_time"]),
        direction="out" if outbound else "in",
        raw={**raw, "psid": psid},
    )


# --- Page webhooks -------------------------------------------------------------------


def webhook_entries(payload: Any) -> dict[str, list[dict[str, Any]]]:
    """Group a Page webhook payload's entries by Page id (Meta batches Pages)."""
    if not isinstance(payload, dict) or payload.get("object") != "page":
        raise ValueError("not a Page webhook payload (object != 'page')")
    grouped: dict[str, list[dict[str, Any]]] = {}
    for entry in payload.get("entry") or []:
        grouped.setdefault(str(entry["id"]), []).append(entry)
    return grouped


def webhook_items(
    entries: list[dict[str, Any]], *, page_id: str
) -> tuple[list[InboundItem], list[Unparseable]]:
    """New comments (feed changes) and incoming Messenger messages. Edits,
    removals, reactions and the Page's own posts are ignored; so are echoes of
    the Page's own messages, which polling picks up knowing which of our sends
    are still in flight (a webhook racing our own send must not store it twice)."""
    items: list[InboundItem] = []
    bad: list[Unparseable] = []
    for entry in entries:
        for change in entry.get("changes") or []:
            _collect(bad, items, change, lambda c: _feed_change(c, page_id))
        for event in entry.get("messaging") or []:
            _collect(bad, items, event, lambda e: _messaging_event(e, page_id))
    return items, bad


def _collect(bad: list[Unparseable], items: list[InboundItem], raw: Any, mapper: Any) -> None:
    try:
        item = mapper(raw)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        bad.append(Unparseable(payload=raw, error=f"{exc.__class__.__name__}: {exc}"))
        return
    if item is not None:
        items.append(item)


def _feed_change(change: dict[str, Any], page_id: str) -> InboundItem | None:
    if change.get("field") != "feed":
        return None
    value = change["value"]
    if value.get("item") != "comment" or value.get("verb") != "add":
        return None
    sender = value["from"]
    if str(sender["id"]) == page_id:
        return None
    post_id = str(value["post_id"])
    parent_id = str(value.get("parent_id") or post_id)
    raw = {
        "id": str(value["comment_id"]),
        "message": value.get("message", ""),
        "from": {"id": str(sender["id"]), "name": sender.get("name", "")},
        "created_time": value["created_time"],
        "source": "webhook",
    }
    if parent_id != post_id:
        raw["parent"] = {"id": parent_id}
    return map_comment(raw, post_id=post_id, page_id=page_id)


def _messaging_event(event: dict[str, Any], page_id: str) -> InboundItem | None:
    message = event.get("message")
    if not message or message.get("is_echo"):
        return None  # delivery/read receipts, postbacks, and our own echoes
    sender = str(event["sender"]["id"])
    raw = {
        "id": str(message["mid"]),
        "message": message.get("text", ""),
        "from": {"id": sender},
        "created_time": int(event["timestamp"]),
        "source": "webhook",
    }
    return map_message(raw, psid=sender, page_id=page_id)
