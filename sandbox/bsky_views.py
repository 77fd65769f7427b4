"""Bluesky's JSON views (what the AppView and the chat service answer with),
its error bodies, and the record checks the PDS applies to the app's writes.

Shapes follow the lexicons the atproto SDK is generated from: union members
carry ``$type``, times are UTC with milliseconds, absent optionals are left out.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from sandbox.bsky_store import BskyActor, BskyPost, ChatMessage, Convo, iso_ms
from sandbox.router import ApiError

if TYPE_CHECKING:
    from sandbox.bsky_store import BskyStore

MAX_POST_GRAPHEMES = 300
MAX_POST_BYTES = 3000
MAX_CHAT_GRAPHEMES = 1000
MESSAGE_VIEW = "chat.bsky.convo.defs#messageView"


def xrpc_error(status: int, error: str, message: str) -> ApiError:
    return ApiError(status, {"error": error, "message": message})


def invalid(message: str) -> ApiError:
    return xrpc_error(400, "InvalidRequest", message)


def graphemes(text: str) -> int:
    """User-perceived characters, near enough to UAX #29 for the limits: marks,
    variation selectors, skin tones and tag characters join the character
    before them, a zero-width joiner joins the next, flags are pairs."""
    count = 0
    join_next = False
    open_flag = False
    for char in text:
        code = ord(char)
        if join_next:
            join_next = False
            continue
        if code == 0x200D:
            join_next = True
            continue
        if (
            unicodedata.category(char) in ("Mn", "Mc", "Me")
            or 0xFE00 <= code <= 0xFE0F
            or 0x1F3FB <= code <= 0x1F3FF
            or 0xE0020 <= code <= 0xE007F
        ):
            continue
        if 0x1F1E6 <= code <= 0x1F1FF:
            open_flag = not open_flag
            if not open_flag:
                continue
        else:
            open_flag = False
        count += 1
    return count


# -- actors ---------------------------------------------------------------------


def profile_basic(actor: BskyActor, store: BskyStore, viewer: str | None) -> dict[str, Any]:
    view: dict[str, Any] = {"did": actor.did, "handle": actor.handle}
    if actor.display_name:
        view["displayName"] = actor.display_name
    if viewer:
        view["viewer"] = _viewer_state(actor, store, viewer)
    view["labels"] = []
    if actor.created_at is not None:
        view["createdAt"] = iso_ms(actor.created_at)
    return view


def profile_detailed(actor: BskyActor, store: BskyStore, viewer: str | None) -> dict[str, Any]:
    view = profile_basic(actor, store, viewer)
    view.update(
        {
            "description": actor.description,
            "followersCount": actor.followers_count,
            "followsCount": 120,
            "postsCount": len(store.posts_by(actor.did)),
            "indexedAt": iso_ms(actor.created_at) if actor.created_at else None,
        }
    )
    return {k: v for k, v in view.items() if v is not None}


def _viewer_state(actor: BskyActor, store: BskyStore, viewer: str) -> dict[str, Any]:
    state: dict[str, Any] = {"muted": (viewer, actor.did) in store.mutes, "blockedBy": False}
    block = store.block_of(viewer, actor.did)
    if block is not None:
        state["blocking"] = block.uri
    return state


def chat_member(actor: BskyActor) -> dict[str, Any]:
    view: dict[str, Any] = {"did": actor.did, "handle": actor.handle}
    if actor.display_name:
        view["displayName"] = actor.display_name
    view["chatDisabled"] = False
    return view


# -- posts and notifications ----------------------------------------------------


def post_view(post: BskyPost, store: BskyStore, viewer: str | None) -> dict[str, Any]:
    author = store.actor(post.author_did)
    view: dict[str, Any] = {
        "uri": post.uri,
        "cid": post.cid,
        "author": profile_basic(author, store, viewer) if author else {"did": post.author_did},
        "record": post.record,
        "replyCount": store.replies_to(post.uri),
        "repostCount": 0,
        "likeCount": store.likes_on(post.uri),
        "quoteCount": store.quotes_of(post.uri),
        "indexedAt": iso_ms(post.indexed_at),
        "labels": [],
    }
    if viewer:
        like = store.like_of(viewer, post.uri)
        view["viewer"] = {"like": like.uri} if like else {}
    return view


def notification_reason(post: BskyPost, account: BskyActor, store: BskyStore) -> str | None:
    """Why ``account`` is told about ``post``: one notification per post, the
    strongest reason first (a reply that also @mentions is a reply)."""
    if post.author_did == account.did or post.deleted:
        return None
    parent = store.post(post.parent_uri() or "")
    if parent is not None and parent.author_did == account.did:
        return "reply"
    quoted = store.post(post.quoted_uri() or "")
    if quoted is not None and quoted.author_did == account.did:
        return "quote"
    for facet in post.record.get("facets") or []:
        for feature in facet.get("features") or [] if isinstance(facet, dict) else []:
            if isinstance(feature, dict) and feature.get("did") == account.did:
                return "mention"
    if f"@{account.handle}" in post.text.lower():
        return "mention"
    return None


def notification_view(post: BskyPost, reason: str, store: BskyStore, viewer: str) -> dict[str, Any]:
    author = store.actor(post.author_did)
    view: dict[str, Any] = {
        "uri": post.uri,
        "cid": post.cid,
        "author": profile_basic(author, store, viewer) if author else {"did": post.author_did},
        "reason": reason,
    }
    subject = post.parent_uri() if reason == "reply" else post.quoted_uri()
    if subject and reason in ("reply", "quote"):
        view["reasonSubject"] = subject
    view.update(
        {
            "record": post.record,
            "isRead": False,
            "indexedAt": iso_ms(post.indexed_at),
            "labels": [],
        }
    )
    return view


# -- chat -----------------------------------------------------------------------


def message_view(message: ChatMessage) -> dict[str, Any]:
    view: dict[str, Any] = {
        "$type": MESSAGE_VIEW,
        "id": message.id,
        "rev": message.rev,
        "text": message.text,
        "sender": {"did": message.sender_did},
        "sentAt": iso_ms(message.sent_at),
    }
    if message.facets:
        view["facets"] = message.facets
    return view


def convo_view(convo: Convo, store: BskyStore, viewer: str) -> dict[str, Any]:
    members = [chat_member(a) for a in (store.actor(d) for d in convo.members) if a is not None]
    messages = store.messages_in(convo.id)
    view: dict[str, Any] = {
        "id": convo.id,
        "rev": convo.rev,
        "members": members,
        "muted": False,
        "status": "accepted",
        "unreadCount": sum(1 for m in messages if m.sender_did != viewer),
    }
    if messages:
        view["lastMessage"] = message_view(messages[0])
    return view


# -- record checks ----------------------------------------------------------------


def check_post_record(record: dict[str, Any], store: BskyStore) -> None:
    """What the PDS refuses in an app.bsky.feed.post record (400 InvalidRequest)."""
    text = record.get("text")
    if not isinstance(text, str):
        raise invalid("Invalid app.bsky.feed.post record: Record/text must be a string")
    if graphemes(text) > MAX_POST_GRAPHEMES:
        raise invalid(
            "Invalid app.bsky.feed.post record: "
            f"Record/text must not be longer than {MAX_POST_GRAPHEMES} graphemes"
        )
    if len(text.encode("utf-8")) > MAX_POST_BYTES:
        raise invalid("Invalid app.bsky.feed.post record: Record/text must not be longer than 3000")
    if not isinstance(record.get("createdAt"), str):
        raise invalid("Invalid app.bsky.feed.post record: Record must have the property createdAt")
    reply = record.get("reply")
    if reply is not None:
        for part in ("root", "parent"):
            ref = reply.get(part) if isinstance(reply, dict) else None
            if not isinstance(ref, dict) or not ref.get("uri") or not ref.get("cid"):
                raise invalid(f"Invalid app.bsky.feed.post record: Record/reply/{part} is invalid")
            target = store.post(str(ref["uri"]))
            if target is None or target.cid != ref["cid"]:
                raise invalid(f"Could not find the reply's {part} ({ref['uri']}) at that cid")
    check_facets(text, record.get("facets"), store)


def check_facets(text: str, facets: Any, store: BskyStore) -> None:
    if facets is None:
        return
    size = len(text.encode("utf-8"))
    for n, facet in enumerate(facets if isinstance(facets, list) else [None]):
        index = facet.get("index") if isinstance(facet, dict) else None
        start = index.get("byteStart") if isinstance(index, dict) else None
        end = index.get("byteEnd") if isinstance(index, dict) else None
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= size):
            raise invalid(f"Invalid facet {n}: byteStart/byteEnd outside the text")
        for feature in facet.get("features") or []:
            kind = feature.get("$type") if isinstance(feature, dict) else None
            if (
                kind == "app.bsky.richtext.facet#mention"
                and store.actor(str(feature.get("did"))) is None
            ):
                raise invalid(f"Invalid facet {n}: mention of an unknown did")
            if kind == "app.bsky.richtext.facet#link" and not str(feature.get("uri")).startswith(
                ("http://", "https://")
            ):
                raise invalid(f"Invalid facet {n}: a link needs an http(s) uri")
