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

from inbox.networks import reading
from inbox.networks.base import Author, InboundItem, Unparseable, Unreadable

NETWORK = "facebook"


def parse_time(value: Any) -> datetime:
    """Graph's "2024-05-01T10:00:00+0000", or a webhook's epoch seconds/ms."""
    if isinstance(value, bool):
        raise TypeError("not a time")
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, UTC)
    if not isinstance(value, str):
        raise TypeError("not a time")
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)


def _author(raw: Any, what: str) -> Author:
    person = reading.obj(raw, what)
    return Author(
        external_id=reading.plain_id(person, "id", what),
        display_name=reading.text(person, "name", what, required=False),
    )


def _metrics(raw: dict[str, Any]) -> dict[str, int]:
    return {
        key: raw[key]
        for key in ("like_count", "comment_count")
        if isinstance(raw.get(key), int) and not isinstance(raw[key], bool)
    }


def _parent(comment: dict[str, Any]) -> tuple[str, Any]:
    """The parent comment's id ("" for a top-level comment) and its ``from``."""
    parent = comment.get("parent")
    if parent is None:
        return "", None
    parent = reading.obj(parent, "comment's parent")
    if parent.get("id") in (None, ""):
        return "", parent.get("from")
    return reading.plain_id(parent, "id", "comment's parent"), parent.get("from")


def map_comment(raw: Any, *, post_id: str, page_id: str) -> InboundItem | None:
    """A Graph comment (``id, message, from{id,name}, created_time, parent{id,from}``)."""
    comment = reading.obj(raw, "comment")
    comment_id = reading.plain_id(comment, "id", "comment")
    author = _author(reading.need(comment, "from", "comment"), "comment's from")
    parent_id, parent_from = _parent(comment)
    if author.external_id == page_id:
        if not parent_id or not isinstance(parent_from, dict) or not parent_from.get("id"):
            return None  # the Page's own post-level comment: not part of a conversation
        contact, direction = _author(parent_from, "comment's parent's from"), "out"
        if contact.external_id == page_id:
            return None
    else:
        contact, direction = author, "in"
    return InboundItem(
        network=NETWORK,
        external_id=comment_id,
        kind="comment",
        conversation_kind="comment",
        thread_key=f"fbc:{post_id}:{contact.external_id}",
        contact=contact,
        text=reading.text(comment, "message", "comment", required=False),
        created_at=reading.moment(comment, "created_time", "comment", parse_time),
        direction=direction,
        in_reply_to=parent_id or post_id,
        metrics=_metrics(comment),
        raw={**comment, "post_id": post_id},
    )


def map_message(raw: Any, *, psid: str, page_id: str) -> InboundItem:
    """A Messenger message (``id, message, from{id,name}, created_time``) in the
    Page's thread with ``psid``."""
    message = reading.obj(raw, "Messenger message")
    message_id = reading.plain_id(message, "id", "Messenger message")
    sender = _author(reading.need(message, "from", "Messenger message"), "Messenger message's from")
    outbound = sender.external_id == page_id
    contact = Author(external_id=psid) if outbound else sender
    return InboundItem(
        network=NETWORK,
        external_id=message_id,
        kind="dm",
        conversation_kind="private",
        thread_key=f"fbm:{psid}",
        contact=contact,
        text=reading.text(message, "message", "Messenger message", required=False),
        created_at=reading.moment(message, "created_time", "Messenger message", parse_time),
        direction="out" if outbound else "in",
        raw={**message, "psid": psid},
    )


# --- Page webhooks -------------------------------------------------------------------


def webhook_entries(payload: Any) -> tuple[dict[str, list[dict[str, Any]]], list[Unparseable]]:
    """Group a Page webhook payload's entries by Page id (Meta batches Pages).
    Entries that name no Page come back apart, to be quarantined on their own."""
    if not isinstance(payload, dict) or payload.get("object") != "page":
        raise ValueError("not a Page webhook payload (object != 'page')")
    grouped: dict[str, list[dict[str, Any]]] = {}
    bad: list[Unparseable] = []
    try:
        entries = reading.items_of(payload.get("entry"), "the payload's entry")
    except Unreadable as exc:
        return grouped, [Unparseable(payload=payload.get("entry"), error=str(exc))]
    for entry in entries:
        try:
            page = reading.plain_id(reading.obj(entry, "webhook entry"), "id", "webhook entry")
        except Unreadable as exc:
            bad.append(Unparseable(payload=entry, error=str(exc)))
            continue
        grouped.setdefault(page, []).append(entry)
    return grouped, bad


def webhook_items(
    entries: list[dict[str, Any]], *, page_id: str
) -> tuple[list[InboundItem], list[Unparseable]]:
    """New comments (feed changes) and incoming Messenger messages. Edits,
    removals, reactions and the Page's own posts are ignored; so are echoes of
    the Page's own messages, which polling picks up knowing which of our sends
    are still in flight (a webhook racing our own send must not store it twice)."""
    items: list[InboundItem] = []
    bad: list[Unparseable] = []
    streams = (
        ("changes", "feed change", lambda c: _feed_change(c, page_id)),
        ("messaging", "Messenger event", lambda e: _messaging_event(e, page_id)),
    )
    for entry in entries:
        for key, what, read in streams:
            try:
                events = reading.items_of(entry.get(key), f"webhook entry's {key}")
            except Unreadable as exc:
                bad.append(Unparseable(payload=entry.get(key), error=str(exc)))
                continue
            for event in events:
                reading.read_into(items, bad, event, read, what)
    return items, bad


def _feed_change(change: Any, page_id: str) -> InboundItem | None:
    change = reading.obj(change, "feed change")
    if change.get("field") != "feed":
        return None
    what = "feed change's value"
    value = reading.obj(reading.need(change, "value", "feed change"), what)
    if value.get("item") != "comment" or value.get("verb") != "add":
        return None
    sender = _author(reading.need(value, "from", what), f"{what}'s from")
    if sender.external_id == page_id:
        return None
    post_id = reading.plain_id(value, "post_id", what)
    parent_id = post_id
    if value.get("parent_id") not in (None, ""):
        parent_id = reading.plain_id(value, "parent_id", what)
    raw = {
        "id": reading.plain_id(value, "comment_id", what),
        "message": reading.text(value, "message", what, required=False),
        "from": {"id": sender.external_id, "name": sender.display_name},
        "created_time": reading.need(value, "created_time", what),
        "source": "webhook",
    }
    if parent_id != post_id:
        raw["parent"] = {"id": parent_id}
    return map_comment(raw, post_id=post_id, page_id=page_id)


def _messaging_event(event: Any, page_id: str) -> InboundItem | None:
    event = reading.obj(event, "Messenger event")
    if event.get("message") is None:
        return None  # delivery/read receipts and postbacks
    message = reading.obj(event["message"], "Messenger event's message")
    if message.get("is_echo"):
        return None  # our own echoes
    sender = reading.obj(reading.need(event, "sender", "Messenger event"), "Messenger sender")
    psid = reading.plain_id(sender, "id", "Messenger sender")
    stamp = reading.need(event, "timestamp", "Messenger event")
    raw = {
        "id": reading.plain_id(message, "mid", "Messenger event's message"),
        "message": reading.text(message, "text", "Messenger event's message", required=False),
        "from": {"id": psid},
        "created_time": int(stamp) if isinstance(stamp, str) and stamp.isdigit() else stamp,
        "source": "webhook",
    }
    return map_message(raw, psid=psid, page_id=page_id)
