"""Instagram Graph objects -> InboundItems, shared by polling and webhooks.

Instagram professional accounts are read through the Graph API of the
Facebook Page they are linked to. Threading follows Facebook's (DESIGN.md):
- comments on our media are comment threads, one conversation per commenter
  per media (``igc:{media id}:{commenter id}``); a reply nests under its
  top-level comment through ``in_reply_to`` (Instagram nests one level only),
  a top-level comment under the media;
- direct messages are private conversations, one per Instagram-scoped id
  (``igm:{igsid}``), derivable from both polling and webhooks;
- our own replies seen on the network are outbound with the person they
  answer as contact; our own top-level comments belong to no conversation.
Instagram comments carry ``from{id, username}`` (or only ``username`` on
older media), ``text`` and ``timestamp``; messages carry ``message`` and
``created_time``, both in Graph's "2024-05-01T10:00:00+0000" form.
"""

from __future__ import annotations

import hashlib
from typing import Any

from inbox.networks import reading
from inbox.networks.base import MAX_ID_LENGTH, Author, InboundItem, Unparseable, Unreadable
from inbox.networks.facebook_mapping import message_attachments, parse_time, webhook_attachments

NETWORK = "instagram"
# Instagram's message ids ("aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlE...") run to
# 150 characters and more; longer than SocialDesk keeps an id, so such an id
# is kept as a digest of itself. Polling, webhooks (``mid``), the send's answer
# and reconciliation all go through ``message_key``: the same message, the same key.
MAX_MESSAGE_ID = 1000


def message_key(message_id: str) -> str:
    if len(message_id) <= MAX_ID_LENGTH:
        return message_id
    return "igmid:" + hashlib.sha256(message_id.encode()).hexdigest()[:48]


def _message_id(raw: dict[str, Any], key: str, what: str) -> str:
    value = reading.need(raw, key, what)
    if not isinstance(value, str) or not value:
        raise Unreadable(f"{what}'s {key} is not an id")
    if len(value) > MAX_MESSAGE_ID or not value.isprintable() or any(c.isspace() for c in value):
        raise Unreadable(f"{what}'s {key} is not a readable id")
    return message_key(value)


def _author(raw: Any, what: str) -> Author:
    person = reading.obj(raw, what)
    username = reading.text(person, "username", what, required=False)
    return Author(
        external_id=reading.plain_id(person, "id", what),
        display_name=username,
        handle=username,
    )


def _metrics(raw: dict[str, Any]) -> dict[str, int]:
    count = raw.get("like_count")
    if isinstance(count, int) and not isinstance(count, bool):
        return {"like_count": count}
    return {}


def map_comment(
    raw: Any, *, media_id: str, account_id: str, parent: Any = None
) -> InboundItem | None:
    """A comment (``id, text, timestamp, from{id,username}, like_count``) on
    our media ``media_id``; ``parent`` is the top-level comment a reply was
    listed under (``/{comment-id}/replies``), or the comment's own
    ``parent_id`` names it (webhooks)."""
    comment = reading.obj(raw, "Instagram comment")
    comment_id = reading.plain_id(comment, "id", "Instagram comment")
    author = _author(reading.need(comment, "from", "Instagram comment"), "Instagram comment's from")
    parent_id, parent_from = "", None
    if parent is not None:
        parent_obj = reading.obj(parent, "Instagram comment's parent")
        parent_id = reading.plain_id(parent_obj, "id", "Instagram comment's parent")
        parent_from = parent_obj.get("from")
    elif comment.get("parent_id") not in (None, ""):
        parent_id = reading.plain_id(comment, "parent_id", "Instagram comment")
    if author.external_id == account_id:
        if not parent_id or not isinstance(parent_from, dict) or not parent_from.get("id"):
            return None  # our own top-level comment, or a reply whose parent we cannot name
        contact = _author(parent_from, "Instagram comment's parent's from")
        if contact.external_id == account_id:
            return None
        direction = "out"
    else:
        contact, direction = author, "in"
    return InboundItem(
        network=NETWORK,
        external_id=comment_id,
        kind="comment",
        conversation_kind="comment",
        thread_key=f"igc:{media_id}:{contact.external_id}",
        contact=contact,
        text=reading.text(comment, "text", "Instagram comment", required=False),
        created_at=reading.moment(comment, "timestamp", "Instagram comment", parse_time),
        direction=direction,
        in_reply_to=parent_id or media_id,
        metrics=_metrics(comment),
        raw={**comment, "media_id": media_id},
    )


def map_tag(raw: Any, *, account_id: str) -> InboundItem:
    """A person's media that tags our account (``/{ig-user-id}/tags``:
    ``id, caption, timestamp, username, permalink``). Graph names the owner of
    someone else's media only by ``username``, so that is the contact's id
    (``@name``); the account answers with a comment on the media."""
    what = "Instagram tagged media"
    media = reading.obj(raw, what)
    media_id = reading.plain_id(media, "id", what)
    username = reading.text(media, "username", what)
    if not username.strip():
        raise Unreadable(f"{what} has no username")
    contact = Author(external_id=f"@{username}", handle=username, display_name=username)
    return InboundItem(
        network=NETWORK,
        external_id=media_id,
        kind="tag",
        conversation_kind="comment",
        thread_key=f"igc:{media_id}:{contact.external_id}",
        contact=contact,
        text=reading.text(media, "caption", what, required=False),
        created_at=reading.moment(media, "timestamp", what, parse_time),
        in_reply_to="",
        raw={**media, "account_id": account_id},
    )


def map_message(raw: Any, *, igsid: str, account_id: str) -> InboundItem:
    """A direct message (``id, message, from{id,username}, created_time``) in
    our conversation with ``igsid``."""
    what = "Instagram message"
    message = reading.obj(raw, what)
    message_id = _message_id(message, "id", what)
    sender = _author(reading.need(message, "from", what), f"{what}'s from")
    outbound = sender.external_id == account_id
    return InboundItem(
        network=NETWORK,
        external_id=message_id,
        kind="dm",
        conversation_kind="private",
        thread_key=f"igm:{igsid}",
        contact=Author(external_id=igsid) if outbound else sender,
        text=reading.text(message, "message", what, required=False),
        created_at=reading.moment(message, "created_time", what, parse_time),
        direction="out" if outbound else "in",
        raw={**message, "igsid": igsid},
        # The same attachments shape as Messenger's (image_data, video_data).
        media=message_attachments(message.get("attachments")),
    )


# --- webhooks (object: instagram) ------------------------------------------------------


def webhook_entries(payload: Any) -> tuple[dict[str, list[dict[str, Any]]], list[Unparseable]]:
    """Group an Instagram webhook payload's entries by account id; entries
    naming no account come back apart, to be quarantined on their own."""
    if not isinstance(payload, dict) or payload.get("object") != "instagram":
        raise ValueError("not an Instagram webhook payload (object != 'instagram')")
    grouped: dict[str, list[dict[str, Any]]] = {}
    bad: list[Unparseable] = []
    try:
        entries = reading.items_of(payload.get("entry"), "the payload's entry")
    except Unreadable as exc:
        return grouped, [Unparseable(payload=payload.get("entry"), error=str(exc))]
    for entry in entries:
        try:
            account = reading.plain_id(reading.obj(entry, "webhook entry"), "id", "webhook entry")
        except Unreadable as exc:
            bad.append(Unparseable(payload=entry, error=str(exc)))
            continue
        grouped.setdefault(account, []).append(entry)
    return grouped, bad


def webhook_items(
    entries: list[dict[str, Any]], *, account_id: str
) -> tuple[list[InboundItem], list[Unparseable]]:
    """New comments and incoming direct messages. Mentions arrive naming only
    a media or comment id, which polling fetches; echoes of our own messages
    are left to polling, which knows which of our sends are in flight."""
    items: list[InboundItem] = []
    bad: list[Unparseable] = []
    for entry in entries:
        # Comment changes carry no time of their own: the entry's stands in
        # (epoch seconds) until polling refreshes the item.
        sent = entry.get("time")
        streams = (
            ("changes", "Instagram change", lambda c, sent=sent: _change(c, account_id, sent)),
            ("messaging", "Instagram messaging event", lambda e: _messaging(e, account_id)),
        )
        for key, what, read in streams:
            try:
                events = reading.items_of(entry.get(key), f"webhook entry's {key}")
            except Unreadable as exc:
                bad.append(Unparseable(payload=entry.get(key), error=str(exc)))
                continue
            for event in events:
                reading.read_into(items, bad, event, read, what)
    return items, bad


def _change(change: Any, account_id: str, sent: Any) -> InboundItem | None:
    change = reading.obj(change, "Instagram change")
    if change.get("field") not in ("comments", "live_comments"):
        return None
    what = "Instagram change's value"
    value = reading.obj(reading.need(change, "value", "Instagram change"), what)
    media = reading.obj(reading.need(value, "media", what), f"{what}'s media")
    media_id = reading.plain_id(media, "id", f"{what}'s media")
    raw = {
        "id": reading.plain_id(value, "id", what),
        "text": reading.text(value, "text", what, required=False),
        "from": reading.need(value, "from", what),
        "timestamp": value.get("timestamp") or sent,
        "source": "webhook",
    }
    if value.get("parent_id") not in (None, ""):
        raw["parent_id"] = value["parent_id"]
    return map_comment(raw, media_id=media_id, account_id=account_id)


def _messaging(event: Any, account_id: str) -> InboundItem | None:
    event = reading.obj(event, "Instagram messaging event")
    if event.get("message") is None:
        return None  # reads, reactions, postbacks
    message = reading.obj(event["message"], "Instagram messaging event's message")
    if message.get("is_echo") or message.get("is_deleted"):
        return None
    sender = reading.obj(reading.need(event, "sender", "Instagram messaging event"), "sender")
    igsid = reading.plain_id(sender, "id", "Instagram sender")
    stamp = reading.need(event, "timestamp", "Instagram messaging event")
    raw = {
        "id": _message_id(message, "mid", "Instagram messaging event's message"),
        "message": reading.text(message, "text", "Instagram message", required=False),
        "from": {"id": igsid},
        "created_time": int(stamp) if isinstance(stamp, str) and stamp.isdigit() else stamp,
        "source": "webhook",
    }
    if message.get("attachments") is not None:
        raw["attachments"] = {"data": webhook_attachments(message["attachments"])}
    return map_message(raw, igsid=igsid, account_id=account_id)
