"""Facebook objects -> InboundItems, shared by polling and the Page webhooks.

Threading rules (see DESIGN.md):
- Page comments are public comment threads, one conversation per commenter
  per post (``fbc:{post id}:{commenter id}``); replies nest through
  ``in_reply_to`` (the parent comment, or the post for a top-level comment).
- Messenger messages are private conversations, one per person
  (``fbm:{psid}``): webhooks carry the PSID but not the thread id, so the key
  must be derivable from both.
- A person's post on the Page (a visitor post, kind ``post``) or elsewhere
  tagging the Page (kind ``tag``) opens a comment thread of its own, keyed as
  comments are (``fbc:{post id}:{author id}``): the author's comments under
  it join that conversation, and the Page answers with a comment on the post.
- The Page's own comments and messages seen on the network are outbound
  (``direction="out"``) with the person they answer as contact; the Page's own
  top-level comments belong to no conversation and are skipped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from inbox.networks import reading
from inbox.networks.base import Author, InboundItem, MediaItem, Unparseable, Unreadable
from inbox.networks.media import MAX_MEDIA, UNREADABLE, media_item

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


def map_comment(
    raw: Any, *, post_id: str, page_id: str, post_author: Author | None = None
) -> InboundItem | None:
    """A Graph comment (``id, message, from{id,name}, created_time, parent{id,from}``).
    ``post_author`` is the person who wrote the post when it is not the
    Page's: the Page's top-level comment there answers them."""
    comment = reading.obj(raw, "comment")
    comment_id = reading.plain_id(comment, "id", "comment")
    author = _author(reading.need(comment, "from", "comment"), "comment's from")
    parent_id, parent_from = _parent(comment)
    if author.external_id == page_id:
        if not parent_id and post_author is not None and post_author.external_id != page_id:
            contact, direction = post_author, "out"  # our answer to a person's post
        elif not parent_id or not isinstance(parent_from, dict) or not parent_from.get("id"):
            return None  # the Page's own post-level comment: not part of a conversation
        else:
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
        media=_comment_attachment(comment.get("attachment")),
    )


POST_KINDS = ("post", "tag")


def post_author(raw: Any) -> Author | None:
    """A feed post's author when the post says (``from{id,name}``), else None."""
    sender = raw.get("from") if isinstance(raw, dict) else None
    try:
        return _author(sender, "post's from") if sender is not None else None
    except Unreadable:
        return None


def map_post(raw: Any, *, page_id: str, kind: str) -> InboundItem | None:
    """A person's post (``id, message, from{id,name}, created_time``): on the
    Page's timeline (``kind="post"``, from /visitor_posts or /feed) or one that
    tags the Page (``kind="tag"``, from /tagged). The Page's own posts are
    not conversations (None)."""
    if kind not in POST_KINDS:
        raise ValueError(f"unknown post kind {kind!r}")
    post = reading.obj(raw, "post")
    post_id = reading.plain_id(post, "id", "post")
    author = _author(reading.need(post, "from", "post"), "post's from")
    if author.external_id == page_id:
        return None
    return InboundItem(
        network=NETWORK,
        external_id=post_id,
        kind=kind,
        conversation_kind="comment",
        thread_key=f"fbc:{post_id}:{author.external_id}",
        contact=author,
        text=reading.text(post, "message", "post", required=False),
        created_at=reading.moment(post, "created_time", "post", parse_time),
        raw={**post, "post_id": post_id},
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
        media=message_attachments(message.get("attachments")),
    )


# --- media -----------------------------------------------------------------------------

# A comment's ``attachment.type``: a photo, a GIF shared from a library, a video.
_COMMENT_KINDS = {
    "photo": "image",
    "sticker": "image",
    "animated_image_share": "gif",
    "animated_image_autoplay": "gif",
    "video_inline": "video",
    "video_autoplay": "video",
    "video_share_youtube": "video",
}


def _comment_attachment(raw: Any) -> tuple[MediaItem, ...]:
    """A Graph comment's one ``attachment``: ``{type, media{image{src, width,
    height}}, url, description}``. Graph gives no alt text for it; the
    ``description`` (what the person wrote for it, when any) stands in."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        return (UNREADABLE,)
    media = raw.get("media")
    image = media.get("image") if isinstance(media, dict) else None
    image = image if isinstance(image, dict) else {}
    return (
        media_item(
            kind=_COMMENT_KINDS.get(str(raw.get("type")), "other"),
            url=image.get("src"),
            alt_text=raw.get("description"),
            key=(raw.get("target") or {}).get("id", "")
            if isinstance(raw.get("target"), dict)
            else "",
            width=image.get("width"),
            height=image.get("height"),
        ),
    )


def message_attachments(raw: Any) -> tuple[MediaItem, ...]:
    """A Messenger message's ``attachments{data[{id, mime_type, name, size,
    image_data{url, width, height, preview_url}, video_data{url, preview_url,
    width, height}, file_url}]}``."""
    if raw is None:
        return ()
    data = raw.get("data") if isinstance(raw, dict) else None
    if not isinstance(data, list):
        return (UNREADABLE,)
    return tuple(_message_attachment(a) for a in data[:MAX_MEDIA])


def _message_attachment(raw: Any) -> MediaItem:
    if not isinstance(raw, dict):
        return UNREADABLE
    image, video = raw.get("image_data"), raw.get("video_data")
    common = {"key": raw.get("id", ""), "size_bytes": raw.get("size"), "alt_text": raw.get("name")}
    if isinstance(image, dict):
        animated = image.get("animated_gif_url") or str(raw.get("mime_type")) == "image/gif"
        return media_item(
            kind="gif" if animated else "image",
            url=image.get("url"),
            width=image.get("width"),
            height=image.get("height"),
            **common,
        )
    if isinstance(video, dict):
        return media_item(
            kind="video",
            url=video.get("preview_url"),
            source_url=video.get("url"),
            width=video.get("width"),
            height=video.get("height"),
            **common,
        )
    return media_item(kind="other", source_url=raw.get("file_url"), **common)


# Webhook ``message.attachments[].type`` (Send/Receive API shape: ``payload.url``).
_WEBHOOK_KINDS = {"image": "image", "video": "video", "animated_image": "gif"}


def webhook_attachments(raw: Any) -> list[dict[str, Any]]:
    """Webhook attachments reshaped as Graph's ``attachments.data`` entries, so
    one mapper reads both (a sticker arrives as an image)."""
    out: list[dict[str, Any]] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            out.append({})
            continue
        payload = item.get("payload")
        url = payload.get("url") if isinstance(payload, dict) else None
        kind = _WEBHOOK_KINDS.get(str(item.get("type")))
        if kind in ("image", "gif"):
            mime = "image/gif" if kind == "gif" else "image/jpeg"
            out.append({"mime_type": mime, "image_data": {"url": url}})
        elif kind == "video":
            out.append({"video_data": {"url": url}})
        else:
            out.append({"file_url": url})
    return out


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


# Feed change ``item``s that are a post on the Page's timeline.
_POST_ITEMS = frozenset({"status", "post", "photo", "video", "link"})


def _feed_change(change: Any, page_id: str) -> InboundItem | None:
    change = reading.obj(change, "feed change")
    if change.get("field") == "mention":
        return _mention_change(change, page_id)
    if change.get("field") != "feed":
        return None
    what = "feed change's value"
    value = reading.obj(reading.need(change, "value", "feed change"), what)
    if value.get("verb") == "add" and value.get("item") in _POST_ITEMS:
        return _visitor_post_change(value, page_id)
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
    if value.get("photo") not in (None, ""):
        # A feed webhook names a comment's picture only by its address.
        raw["attachment"] = {"type": "photo", "media": {"image": {"src": value.get("photo")}}}
    return map_comment(raw, post_id=post_id, page_id=page_id)


def _visitor_post_change(value: dict[str, Any], page_id: str) -> InboundItem | None:
    """A new post on the Page's timeline; the Page's own posts are skipped."""
    what = "feed change's value"
    sender = _author(reading.need(value, "from", what), f"{what}'s from")
    if sender.external_id == page_id:
        return None
    raw = {
        "id": reading.plain_id(value, "post_id", what),
        "message": reading.text(value, "message", what, required=False),
        "from": {"id": sender.external_id, "name": sender.display_name},
        "created_time": reading.need(value, "created_time", what),
        "source": "webhook",
    }
    return map_post(raw, page_id=page_id, kind="post")


def _mention_change(change: dict[str, Any], page_id: str) -> InboundItem | None:
    """A post that tags the Page (``mention`` field, item ``post``). Mentions
    in comments, edits and removals are left to polling and ignored here."""
    what = "mention change's value"
    value = reading.obj(reading.need(change, "value", "mention change"), what)
    if value.get("item") != "post" or value.get("verb") != "add":
        return None
    sender_id = reading.plain_id(value, "sender_id", what)
    if sender_id == page_id:
        return None
    raw = {
        "id": reading.plain_id(value, "post_id", what),
        "message": reading.text(value, "message", what, required=False),
        "from": {"id": sender_id, "name": reading.text(value, "sender_name", what, required=False)},
        "created_time": reading.need(value, "created_time", what),
        "source": "webhook",
    }
    return map_post(raw, page_id=page_id, kind="tag")


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
    if message.get("attachments") is not None:
        raw["attachments"] = {"data": webhook_attachments(message["attachments"])}
    return map_message(raw, psid=psid, page_id=page_id)
