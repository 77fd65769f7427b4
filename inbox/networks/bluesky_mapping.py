"""Bluesky payloads -> InboundItem, one item at a time.

Notifications and chat messages are read from the raw XRPC JSON (not the
SDK's models, which validate a whole page at once: one bad notification would
sink the rest), field by field through ``reading``, so an item nobody can read
is quarantined with a reason and its page goes on.

Threads: a public conversation is one person in one Bluesky thread
(``bs:<root post uri>:<author did>``, as X's conversation id + author); a
mention or a quote starts its own thread. A chat is ``bsdm:<convo id>``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from inbox.networks import reading
from inbox.networks.base import MAX_ID_LENGTH, Author, InboundItem, MediaItem, Unreadable
from inbox.networks.media import MAX_MEDIA, UNREADABLE, media_item

# The notifications SocialDesk answers; likes, reposts and follows are not messages.
INBOUND_REASONS = ("mention", "reply", "quote")
MESSAGE_VIEW = "chat.bsky.convo.defs#messageView"
URI_LENGTH = 100  # the message id column; real post URIs are ~70 characters
# A post's images are blobs in its author's repository; the app view serves
# each from Bluesky's CDN at this address (what getPosts returns as "fullsize").
IMAGE_CDN = "https://cdn.bsky.app/img/feed_fullsize/plain/{did}/{cid}@jpeg"
IMAGES = "app.bsky.embed.images"
RECORD_WITH_MEDIA = "app.bsky.embed.recordWithMedia"


def parse_time(value: Any) -> datetime:
    """An atproto datetime (RFC 3339, zone required) as aware UTC."""
    if not isinstance(value, str):
        raise ValueError("not text")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("a time with no zone")  # the lexicon requires one
    return moment.astimezone(UTC)


def did(raw: dict[str, Any], key: str, what: str) -> str:
    found = reading.plain_id(raw, key, what)
    if not found.startswith("did:"):
        raise Unreadable(f"{what}'s {key} is not a DID")
    return found


def at_uri(raw: dict[str, Any], key: str, what: str) -> str:
    found = reading.text(raw, key, what)
    if not found.startswith("at://") or len(found) > URI_LENGTH or any(c.isspace() for c in found):
        raise Unreadable(f"{what}'s {key} is not an AT URI")
    return found


def post_images(record: dict[str, Any], author_did: str) -> tuple[MediaItem, ...]:
    """The pictures of a post record (``app.bsky.embed.images``, or the media
    half of a quote with media), leniently: a broken entry is kept as an
    unreadable attachment and never costs the post its words."""
    embed = record.get("embed")
    if isinstance(embed, dict) and embed.get("$type") == RECORD_WITH_MEDIA:
        embed = embed.get("media")
    if not isinstance(embed, dict) or embed.get("$type") != IMAGES:
        return ()
    images = embed.get("images")
    if not isinstance(images, list):
        return (UNREADABLE,)
    return tuple(_image(entry, author_did) for entry in images[:MAX_MEDIA])


def _image(entry: Any, author_did: str) -> MediaItem:
    blob = entry.get("image") if isinstance(entry, dict) else None
    ref = blob.get("ref") if isinstance(blob, dict) else None
    cid = ref.get("$link") if isinstance(ref, dict) else None
    if not isinstance(cid, str) or not cid.isalnum() or len(cid) > MAX_ID_LENGTH:
        return UNREADABLE
    ratio = entry.get("aspectRatio")
    ratio = ratio if isinstance(ratio, dict) else {}
    return media_item(
        kind="image",
        url=IMAGE_CDN.format(did=author_did, cid=cid),
        alt_text=entry.get("alt"),
        key=cid,
        width=ratio.get("width"),
        height=ratio.get("height"),
        size_bytes=blob.get("size") if isinstance(blob, dict) else None,
    )


def author_of(raw: Any, what: str) -> Author:
    profile = reading.obj(raw, what)
    return Author(
        external_id=did(profile, "did", what),
        handle=reading.text(profile, "handle", what, required=False),
        display_name=reading.text(profile, "displayName", what, required=False),
        followers_count=reading.count(profile, "followersCount", what),
    )


def _ref_uri(reply: dict[str, Any], part: str) -> str:
    ref = reading.obj(reading.need(reply, part, "post's reply"), f"post's reply {part}")
    return at_uri(ref, "uri", f"post's reply {part}")


def map_notification(raw: Any, *, account_did: str) -> InboundItem | None:
    """A mention, reply or quote of the account; None for other reasons and
    for the account's own posts."""
    note = reading.obj(raw, "notification")
    reason = reading.text(note, "reason", "notification")
    if reason not in INBOUND_REASONS:
        return None
    uri = at_uri(note, "uri", "notification")
    author = author_of(reading.need(note, "author", "notification"), "notification's author")
    if author.external_id == account_did:
        return None
    record = reading.obj(reading.need(note, "record", "notification"), "notification's record")
    indexed = reading.moment(note, "indexedAt", "notification", parse_time)
    # Bluesky sorts by the earlier of the two: createdAt is the author's
    # client's word (it may be far in the future, or missing).
    written = _created(record) or indexed
    reply = record.get("reply")
    root = parent = ""
    if reply is not None and reason == "reply":
        reply = reading.obj(reply, "post's reply")
        root, parent = _ref_uri(reply, "root"), _ref_uri(reply, "parent")
    return InboundItem(
        network="bluesky",
        external_id=uri,
        kind=reason,
        conversation_kind="public",
        thread_key=f"bs:{root or uri}:{author.external_id}",
        contact=author,
        text=reading.text(record, "text", "post"),
        created_at=min(written, indexed),
        in_reply_to=parent,
        raw=note,
        media=post_images(record, author.external_id),
    )


def _created(record: dict[str, Any]) -> datetime | None:
    try:
        return reading.moment(record, "createdAt", "post", parse_time)
    except Unreadable:
        return None


def convo_members(raw: Any, *, account_did: str) -> tuple[str, Author]:
    """A chat conversation's id and the person in it who is not the account."""
    convo = reading.obj(raw, "chat conversation")
    convo_id = reading.plain_id(convo, "id", "chat conversation")
    members = reading.items_of(reading.need(convo, "members", "chat conversation"), "chat members")
    others = [
        author_of(m, "chat member")
        for m in members
        if not (isinstance(m, dict) and m.get("did") == account_did)
    ]
    if len(others) != 1:
        raise Unreadable("chat conversation is not between the account and one person")
    return convo_id, others[0]


def convo_last_sent(raw: dict[str, Any]) -> datetime | None:
    """When the conversation's last message was sent (None: no messages)."""
    last = raw.get("lastMessage")
    if not isinstance(last, dict) or last.get("sentAt") is None:
        return None
    return reading.moment(last, "sentAt", "chat message", parse_time)


def map_message(raw: Any, *, convo_id: str, other: Author, account_did: str) -> InboundItem | None:
    """A chat message; None for a deleted one (its text is gone)."""
    message = reading.obj(raw, "chat message")
    kind = reading.text(message, "$type", "chat message", required=False)
    if kind and kind != MESSAGE_VIEW:
        return None
    message_id = reading.plain_id(message, "id", "chat message")
    sender = did(
        reading.obj(reading.need(message, "sender", "chat message"), "sender"),
        "did",
        "chat message's sender",
    )
    if sender not in (account_did, other.external_id):
        raise Unreadable("chat message's sender is not in the conversation")
    if len(message_id) > MAX_ID_LENGTH:
        raise Unreadable("chat message's id is too long")
    return InboundItem(
        network="bluesky",
        external_id=message_id,
        kind="dm",
        conversation_kind="private",
        thread_key=f"bsdm:{convo_id}",
        contact=other,
        text=reading.text(message, "text", "chat message"),
        created_at=reading.moment(message, "sentAt", "chat message", parse_time),
        direction="out" if sender == account_did else "in",
        raw=message,
    )
