"""Graph field syntax, object rendering and cursor paging for the /fb network.

Graph returns only the fields asked for (a few defaults otherwise), with
nested syntax: ``from{id,name}``, ``reactions.summary(total_count).limit(0)``,
``messages.limit(20){id,message}``. The sandbox parses the same syntax so the
app never comes to rely on a field it did not request.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from sandbox import fb_errors as errors
from sandbox.fb_models import (
    FbComment,
    FbConversation,
    FbMessage,
    FbPage,
    FbPost,
    format_fb_time,
    page_followers,
    post_engagement,
)
from sandbox.media import MediaBlob
from sandbox.router import Request

if TYPE_CHECKING:
    from sandbox.state import SandboxState

GRAPH_HOST = "https://graph.facebook.com"
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
_NAME = re.compile(r"[A-Za-z_][\w]*")


@dataclass
class FieldSpec:
    name: str
    modifiers: dict[str, str] = field(default_factory=dict)  # summary -> "true", limit -> "0"
    subfields: dict[str, FieldSpec] | None = None

    def limit(self, default: int) -> int:
        raw = self.modifiers.get("limit")
        return default if raw is None or not raw.isdigit() else min(int(raw), MAX_LIMIT)


class FieldSyntaxError(ValueError):
    pass


def parse_fields(text: str | None) -> dict[str, FieldSpec] | None:
    """Parse a Graph `fields` value; None when the parameter was not given."""
    if text is None:
        return None
    specs, pos = _parse_list(text, 0, closing=None)
    if pos != len(text):
        raise FieldSyntaxError(f"unexpected {text[pos]!r} at {pos}")
    return specs


def _parse_list(text: str, pos: int, closing: str | None) -> tuple[dict[str, FieldSpec], int]:
    specs: dict[str, FieldSpec] = {}
    while pos < len(text):
        if closing and text[pos] == closing:
            return specs, pos
        if text[pos] in ", ":
            pos += 1
            continue
        spec, pos = _parse_field(text, pos)
        specs[spec.name] = spec
    if closing:
        raise FieldSyntaxError(f"missing {closing!r}")
    return specs, pos


def _parse_field(text: str, pos: int) -> tuple[FieldSpec, int]:
    found = _NAME.match(text, pos)
    if not found:
        raise FieldSyntaxError(f"expected a field name at {pos}")
    spec = FieldSpec(found.group(0))
    pos = found.end()
    while pos < len(text) and text[pos] in ".{":
        if text[pos] == "{":
            spec.subfields, pos = _parse_list(text, pos + 1, closing="}")
            pos += 1
            continue
        modifier = _NAME.match(text, pos + 1)
        if not modifier:
            raise FieldSyntaxError(f"expected a modifier at {pos + 1}")
        pos = modifier.end()
        value = "true"
        if pos < len(text) and text[pos] == "(":
            end = text.find(")", pos)
            if end < 0:
                raise FieldSyntaxError("missing ')'")
            value, pos = text[pos + 1 : end], end + 1
        spec.modifiers[modifier.group(0)] = value
    return spec, pos


def fields_of(req: Request, default: tuple[str, ...]) -> dict[str, FieldSpec]:
    try:
        parsed = parse_fields(req.arg("fields"))
    except FieldSyntaxError as exc:
        raise errors.invalid_param(f"Syntax error in fields: {exc}") from None
    return parsed if parsed else {name: FieldSpec(name) for name in default}


def sub_or(spec: FieldSpec, default: tuple[str, ...]) -> dict[str, FieldSpec]:
    return spec.subfields or {name: FieldSpec(name) for name in default}


# -- paging ---------------------------------------------------------------------


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(f"c1:{key}".encode()).decode().rstrip("=")


def decode_cursor(raw: str) -> str:
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise errors.invalid_param("The parameter after is not a valid cursor") from None
    prefix, _, key = text.partition(":")
    if prefix != "c1" or not key:
        raise errors.invalid_param("The parameter after is not a valid cursor")
    return key


@dataclass
class Page:
    items: list[Any]
    before: str | None
    after: str | None
    has_more: bool


def cut_page(items: list[Any], *, limit: int, after: str | None, repeat: bool = False) -> Page:
    """One page of `items` (already in serving order) after the item whose id is
    the cursor key. `repeat` (duplicate_page fault) makes the next cursor point
    back so the next page serves most of this one again."""
    start = 0
    if after is not None:
        ids = [i.id for i in items]
        start = ids.index(after) + 1 if after in ids else len(items)
    page = items[start : start + limit]
    has_more = start + limit < len(items)
    if not page:
        return Page([], None, None, False)
    after_key = page[-1].id
    if repeat and len(page) > 1:
        after_key = page[0].id
        has_more = True
    return Page(page, encode_cursor(page[0].id), encode_cursor(after_key), has_more)


def paging_block(
    req: Request, path: str, page: Page, extra: dict[str, str] | None = None
) -> dict[str, Any]:
    """`paging` as Graph sends it: cursors, and `next` (a full URL that, like
    Graph's, carries access_token: facebook-sdk deletes that key and fails
    with KeyError when it is missing)."""
    block: dict[str, Any] = {}
    if page.before or page.after:
        block["cursors"] = {"before": page.before, "after": page.after}
    if page.has_more and page.after:
        query = {k: v[0] for k, v in req.query.items() if v and k not in ("after", "before")}
        query.update(extra or {})
        query["access_token"] = query.get("access_token") or req.auth.token
        query["after"] = page.after
        version = req.path.split("/")[1] if req.path.startswith("/v") else "v21.0"
        block["next"] = f"{GRAPH_HOST}/{version}/{path}?{urlencode(query)}"
    return block


def connection(
    req: Request,
    path: str,
    items: list[Any],
    render: Any,
    *,
    limit: int,
    after: str | None,
    repeat: bool = False,
    summary: dict[str, Any] | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, Any]:
    page = cut_page(items, limit=limit, after=after, repeat=repeat)
    body: dict[str, Any] = {"data": [render(i) for i in page.items]}
    block = paging_block(req, path, page, extra)
    if block:
        body["paging"] = block
    if summary is not None:
        body["summary"] = summary
    return body


# -- objects ----------------------------------------------------------------------


def actor(state: SandboxState, actor_id: str, with_email: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"name": state.fb.name_of(actor_id), "id": actor_id}
    if with_email and state.fb.page(actor_id) is None:
        out["email"] = f"{actor_id}@facebook.com"
    return out


def pick(value: dict[str, Any], spec: FieldSpec) -> dict[str, Any]:
    """Apply a ``name{a,b}`` subfield selection to a small nested object."""
    if not spec.subfields:
        return value
    return {k: v for k, v in value.items() if k in spec.subfields or k == "id"}


def render_page(state: SandboxState, page: FbPage, fields: dict[str, FieldSpec]) -> dict[str, Any]:
    now = state.now()
    values = {
        "id": page.id,
        "name": page.name,
        "username": page.username,
        "followers_count": page_followers(page, now),
        "fan_count": int(page_followers(page, now) * 0.93),
        "link": f"https://www.facebook.com/{page.username}",
        "about": page.about,
        "category": page.category,
        "verification_status": "blue_verified" if page.verified else "not_verified",
        "picture": {
            "data": {
                "height": 50,
                "width": 50,
                "is_silhouette": not page.picture_set,
                "url": f"https://scontent.xx.fbcdn.net/v/t39.30808-1/{page.id}_p50x50.jpg",
            }
        },
    }
    if page.cover_set:
        values["cover"] = {
            "cover_id": f"{page.id}9",
            "offset_x": 0,
            "offset_y": 50,
            "source": f"https://scontent.xx.fbcdn.net/v/t39.30808-6/{page.id}_cover.jpg",
            "id": f"{page.id}9",
        }
    linked = state.ig.account_of_page(page.id)
    if linked is not None:
        # Facebook Login for Business: the Page names its Instagram account.
        values["instagram_business_account"] = {"id": linked.id}
    return {"id": page.id, **{k: values[k] for k in fields if k in values}}


def render_post(
    state: SandboxState, req: Request, post: FbPost, fields: dict[str, FieldSpec]
) -> dict[str, Any]:
    page = state.fb.page(post.page_id)
    followers = page_followers(page, state.now()) if page else 100
    engagement = post_engagement(post, followers, state.now())
    if "parent" in fields:
        # Posts have ``parent_id`` (a shared post's original); only comments
        # have ``parent``. Graph refuses the whole request, as here.
        raise errors.graph_error(
            400, 100, "(#100) Tried accessing nonexisting field (parent) on node type (Post)"
        )
    out: dict[str, Any] = {"id": post.id}
    for name, spec in fields.items():
        if name == "message":
            out["message"] = post.message
        elif name == "created_time":
            out["created_time"] = format_fb_time(post.created_time)
        elif name == "updated_time":
            out["updated_time"] = format_fb_time(post.updated_time)
        elif name == "permalink_url":
            out["permalink_url"] = f"https://www.facebook.com/{post.page_id}/posts/{post.number}"
        elif name == "from":
            out["from"] = pick(actor(state, post.author_id), spec)
        elif name == "to" and post.by_visitor:
            out["to"] = {"data": [pick(actor(state, post.page_id), spec)]}
        elif name == "message_tags" and post.tagged_ids:
            out["message_tags"] = _message_tags(state, post)
        elif name == "status_type":
            out["status_type"] = "wall_post" if post.by_visitor else "mobile_status_update"
        elif name == "shares" and engagement["shares"]:
            out["shares"] = {"count": engagement["shares"]}  # Graph leaves it out at zero
        elif name == "reactions":
            out["reactions"] = _summary_edge(
                spec, engagement["reactions"], {"viewer_reaction": "NONE"}
            )
        elif name == "comments":
            out["comments"] = _comments_edge(state, req, post, spec)
        elif name == "is_hidden":
            out["is_hidden"] = post.is_hidden
    return out


def _message_tags(state: SandboxState, post: FbPost) -> list[dict[str, Any]]:
    """Where each tagged Page's name sits in the text (offsets in UTF-16 units
    on Graph; the sandbox's texts are ASCII around the names)."""
    tags = []
    for page_id in post.tagged_ids:
        name = state.fb.name_of(page_id)
        at = post.message.find(name)
        tags.append(
            {
                "id": page_id,
                "name": name,
                "type": "page",
                "offset": max(at, 0),
                "length": len(name) if at >= 0 else 0,
            }
        )
    return tags


def _summary_edge(spec: FieldSpec, total: int, extra: dict[str, Any]) -> dict[str, Any]:
    edge: dict[str, Any] = {"data": []}
    if spec.modifiers.get("summary"):
        edge["summary"] = {"total_count": total, **extra}
    return edge


def _comments_edge(
    state: SandboxState, req: Request, post: FbPost, spec: FieldSpec
) -> dict[str, Any]:
    comments = state.fb.comments_on(post.id, stream=False)
    limit = spec.limit(DEFAULT_LIMIT)
    sub = sub_or(spec, COMMENT_DEFAULT)
    edge = (
        connection(
            req,
            f"{post.id}/comments",
            comments,
            lambda c: render_comment(state, c, sub),
            limit=limit,
            after=None,
        )
        if limit
        else {"data": []}
    )
    if spec.modifiers.get("summary"):
        edge["summary"] = {
            "order": "ranked",
            "total_count": len(state.fb.comments_on(post.id, stream=True)),
            "can_comment": True,
        }
    return edge


POST_DEFAULT = ("message", "created_time")
COMMENT_DEFAULT = ("message", "from", "created_time")
PAGE_DEFAULT = ("name",)
CONVERSATION_DEFAULT = ("updated_time",)
MESSAGE_DEFAULT = ("created_time",)


def render_comment(
    state: SandboxState, comment: FbComment, fields: dict[str, FieldSpec]
) -> dict[str, Any]:
    post = state.fb.posts.get(comment.post_id)
    own = post is not None and comment.from_id == post.page_id
    out: dict[str, Any] = {"id": comment.id}
    for name, spec in fields.items():
        if name == "message":
            out["message"] = comment.message
        elif name == "created_time":
            out["created_time"] = format_fb_time(comment.created_time)
        elif name == "from":
            out["from"] = pick(actor(state, comment.from_id), spec)
        elif name == "like_count":
            out["like_count"] = 1 if comment.liked_by_page else 0
        elif name == "comment_count":
            out["comment_count"] = len(state.fb.replies_to(comment.id))
        elif name == "parent" and comment.parent_id:
            parent = state.fb.comments.get(comment.parent_id)
            if parent is not None:
                out["parent"] = render_comment(
                    state, parent, sub_or(spec, ("created_time", "from", "message"))
                )
        elif name == "is_hidden":
            out["is_hidden"] = comment.is_hidden
        elif name == "can_hide":
            out["can_hide"] = not own
        elif name == "can_remove":
            out["can_remove"] = True
        elif name == "can_comment":
            out["can_comment"] = comment.parent_id is None
        elif name == "can_reply_privately":
            out["can_reply_privately"] = not own and comment.private_reply_id is None
        elif name == "permalink_url" and post is not None:
            out["permalink_url"] = (
                f"https://www.facebook.com/{post.page_id}/posts/{post.number}"
                f"?comment_id={comment.id.split('_', 1)[1]}"
            )
        elif name == "object" and post is not None:
            out["object"] = {"id": post.id}
        elif name == "attachment" and comment.media_keys:
            blob = state.media.key(comment.media_keys[0])
            if blob is not None:
                out["attachment"] = _comment_attachment(blob)
    return out


def _comment_attachment(blob: MediaBlob) -> dict[str, Any]:
    """A comment's ``attachment``: Graph gives the picture's address, size and
    the photo object it links to, but no alt text."""
    page = f"https://www.facebook.com/photo.php?fbid={blob.key}"
    kind = {"photo": "photo", "animated_gif": "animated_image_share", "video": "video_inline"}
    return {
        "type": kind[blob.kind],
        "media": {"image": {"height": blob.height, "src": blob.url, "width": blob.width}},
        "target": {"id": blob.key, "url": page},
        "url": page,
    }


def message_attachment(blob: MediaBlob) -> dict[str, Any]:
    """One entry of a Messenger message's ``attachments.data``."""
    out: dict[str, Any] = {
        "id": blob.key,
        "mime_type": "image/gif" if blob.kind == "animated_gif" else "image/jpeg",
        "name": f"image-{blob.key}.jpg",
        "size": blob.size_bytes,
    }
    if blob.kind == "video":
        out["mime_type"] = "video/mp4"
        out["name"] = f"video-{blob.key}.mp4"
        out["video_data"] = {
            "width": blob.width,
            "height": blob.height,
            "length": 12,
            "video_type": 1,
            "url": f"https://video.xx.fbcdn.net/v/t42.3356-2/{blob.key}_n.mp4",
            "preview_url": blob.url,
        }
    else:
        out["image_data"] = {
            "width": blob.width,
            "height": blob.height,
            "max_width": blob.width,
            "max_height": blob.height,
            "url": blob.url,
            "preview_url": blob.url,
            "image_type": 1,
            "render_as_sticker": False,
        }
    return out


def render_message(
    state: SandboxState, message: FbMessage, fields: dict[str, FieldSpec]
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": message.id}
    for name, spec in fields.items():
        if name == "message":
            out["message"] = message.text
        elif name == "created_time":
            out["created_time"] = format_fb_time(message.created_time)
        elif name == "from":
            out["from"] = pick(actor(state, message.from_id, with_email=True), spec)
        elif name == "to":
            out["to"] = {"data": [pick(actor(state, message.to_id, with_email=True), spec)]}
        elif name == "attachments" and message.media_keys:
            blobs = [b for b in map(state.media.key, message.media_keys) if b is not None]
            out["attachments"] = {"data": [message_attachment(b) for b in blobs]}
    return out


def render_conversation(
    state: SandboxState, req: Request, conv: FbConversation, fields: dict[str, FieldSpec]
) -> dict[str, Any]:
    messages = state.fb.messages_in(conv.id)
    out: dict[str, Any] = {"id": conv.id}
    for name, spec in fields.items():
        if name == "updated_time":
            out["updated_time"] = format_fb_time(conv.updated_time)
        elif name == "link":
            out["link"] = f"/{conv.page_id}/inbox/{conv.id}"
        elif name == "message_count":
            out["message_count"] = len(messages)
        elif name == "unread_count":
            out["unread_count"] = 0
        elif name == "can_reply":
            out["can_reply"] = True
        elif name == "participants":
            out["participants"] = {
                "data": [actor(state, conv.user_id, True), actor(state, conv.page_id, True)]
            }
        elif name == "messages":
            sub = sub_or(spec, MESSAGE_DEFAULT)
            out["messages"] = connection(
                req,
                f"{conv.id}/messages",
                messages,
                lambda m, sub=sub: render_message(state, m, sub),
                limit=spec.limit(DEFAULT_LIMIT),
                after=None,
                extra={"fields": ",".join(sub)},
            )
    return out
