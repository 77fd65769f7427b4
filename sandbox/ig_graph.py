"""Instagram Graph endpoints, on the same host and tokens as the Facebook part.

With Facebook Login for Business an Instagram professional account is
reached through graph.facebook.com with the token of the Page it is linked
to (``GET /{page-id}?fields=instagram_business_account``). The Facebook
network hands every path whose node is an Instagram object to ``handle``:

- ``GET /{ig-user-id}`` (``id,username,name,followers_count,media_count,
  biography,profile_picture_url``), ``/{ig-user-id}/media`` (newest first),
  ``/{ig-user-id}/tags`` (people's media that tag the account);
- ``GET /{ig-media-id}`` and ``/{ig-media-id}/comments`` (top-level comments,
  newest first, each with ``replies{...}`` when asked), ``GET
  /{ig-comment-id}`` and ``/{ig-comment-id}/replies``;
- ``POST /{ig-comment-id}/replies?message=`` (a reply to a reply goes under
  the top-level comment; none to a hidden comment), ``POST /{ig-media-id}/comments``,
  ``POST /{ig-user-id}/mentions`` (``media_id``, ``message``: a comment on
  media that tags the account), ``POST /{ig-comment-id}?hide=true|false``,
  ``DELETE /{ig-comment-id}``;
- direct messages: ``GET /{page-id}/conversations?platform=instagram``,
  ``GET /{thread}`` and ``/{thread}/messages``, ``POST /{page-id}/messages``
  to an IGSID (24-hour window: code 10, subcode 2534022) or a private reply
  ``recipient={"comment_id"}`` (once per comment, within 7 days).

Writes are recorded in the outbox with ``network: "ig"``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sandbox import fb_errors as errors
from sandbox.fb_auth import params_of, require_page
from sandbox.fb_models import format_fb_time
from sandbox.fb_render import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    FieldSpec,
    connection,
    decode_cursor,
    fields_of,
    message_attachment,
    sub_or,
)
from sandbox.ig_store import (
    HUMAN_AGENT_DAYS,
    WINDOW_HOURS,
    IgAccount,
    IgComment,
    IgConversation,
    IgMedia,
    IgMessage,
    IgUser,
)
from sandbox.media import MediaBlob, picture_record
from sandbox.router import Request, Response

if TYPE_CHECKING:
    from sandbox.state import SandboxState

WINDOW_SUBCODE = 2534022
WINDOW_MESSAGE = "(#10) This message is sent outside of allowed window."
MAX_TEXT = 2200  # a comment's limit
MAX_MESSAGE = 1000  # a direct message's limit (in characters)
ACCOUNT_DEFAULT = ("id",)
MEDIA_DEFAULT = ("id",)
COMMENT_DEFAULT = ("id", "text", "timestamp")
CONVERSATION_DEFAULT = ("id",)
MESSAGE_DEFAULT = ("id",)


# Graph refuses a field a node type does not have (code 100), which is how a
# client tells a comment from a media: ``parent_id`` exists on comments only.
KNOWN_FIELDS = {
    "IgAccount": {
        "id",
        "username",
        "name",
        "followers_count",
        "follows_count",
        "media_count",
        "biography",
        "profile_picture_url",
        "website",
        "ig_id",
        "media",
        "tags",
    },
    "IgMedia": {
        "id",
        "caption",
        "timestamp",
        "media_type",
        "media_product_type",
        "permalink",
        "shortcode",
        "username",
        "owner",
        "comments_count",
        "like_count",
        "comments",
        "media_url",
        "is_comment_enabled",
    },
    "IgComment": {
        "id",
        "text",
        "timestamp",
        "username",
        "from",
        "like_count",
        "hidden",
        "parent_id",
        "media",
        "replies",
        "user",
    },
}


def check_fields(obj: object, fields: dict[str, FieldSpec]) -> None:
    known = KNOWN_FIELDS.get(type(obj).__name__)
    if known is None:
        return
    for name in fields:
        if name not in known:
            raise errors.graph_error(
                400,
                100,
                f"(#100) Tried accessing nonexisting field ({name}) on node type "
                f"({_type_name(obj)})",
            )


def owns(state: SandboxState, req: Request, node: str) -> bool:
    """Whether ``node`` is an Instagram object (answered here, not by the Page part)."""
    return state.ig.node(node) is not None or node in state.ig.users


def user_profile(state: SandboxState, req: Request, user: IgUser) -> Response:
    """The User Profile API: an IGSID's profile, for an account the person has
    messaged (anyone else's is Graph's 100/33, as for an unknown node)."""
    page_id = require_page(req)
    account = state.ig.account_of_page(page_id)
    if account is None or state.ig.find_conversation(account.id, user.id) is None:
        raise errors.unsupported("get", user.id)
    req.ig_account = account.id
    fields = fields_of(req, ("name", "username", "profile_pic"))
    values: dict[str, Any] = {
        "name": user.username.replace("_", " ").replace(".", " ").title(),
        "username": user.username,
        "profile_pic": f"https://scontent.cdninstagram.com/v/t51.2885-19/{user.id}_n.jpg",
        "follower_count": 0,
        "is_verified_user": False,
        "is_user_follow_business": True,
        "is_business_follow_user": False,
    }
    out: dict[str, Any] = {"id": user.id}
    for name in fields:
        if name not in values:
            raise errors.invalid_param(
                f"Tried accessing nonexisting field ({name}) on node type (User)"
            )
        out[name] = values[name]
    return Response(200, out)


def _account_for(state: SandboxState, req: Request, obj: object, method: str) -> IgAccount:
    """The account of the calling Page that ``obj`` belongs to; Graph's 100/33 otherwise."""
    page_id = require_page(req)
    owner = state.ig.owner_account(obj)
    account = state.ig.accounts.get(owner or "")
    if account is None or account.page_id != page_id:
        raise errors.unsupported(method, getattr(obj, "id", "?"))
    req.ig_account = account.id  # the usage header names the Instagram account
    return account


def _limit(req: Request) -> int:
    raw = req.arg("limit")
    if not raw:
        return DEFAULT_LIMIT
    if not raw.isdigit():
        raise errors.invalid_param("param limit must be a number")
    return max(1, min(int(raw), MAX_LIMIT))


def _after(req: Request) -> str | None:
    raw = req.arg("after")
    return decode_cursor(raw) if raw else None


def _record(state: SandboxState, kind: str, account_id: str, target: str, **extra: Any) -> None:
    state.outbox.record(network="ig", kind=kind, account_id=account_id, target=target, **extra)


def _person(state: SandboxState, actor_id: str) -> dict[str, str]:
    return {"id": actor_id, "username": state.ig.username_of(actor_id)}


# -- rendering ----------------------------------------------------------------------


def render_account(state: SandboxState, account: IgAccount, fields: dict[str, FieldSpec]) -> dict:
    values: dict[str, Any] = {
        "id": account.id,
        "username": account.username,
        "name": account.name,
        "followers_count": account.followers_count,
        "follows_count": 12,
        "media_count": len(state.ig.media_of(account.id)),
        "biography": account.biography,
        "profile_picture_url": f"https://scontent.cdninstagram.com/v/t51.2885-19/{account.id}.jpg",
    }
    return {"id": account.id, **{k: values[k] for k in fields if k in values}}


def render_media(
    state: SandboxState, req: Request, media: IgMedia, fields: dict[str, FieldSpec]
) -> dict[str, Any]:
    own = media.owner_id in state.ig.accounts
    comments = [c for c in state.ig.comments.values() if c.media_id == media.id and not c.deleted]
    out: dict[str, Any] = {"id": media.id}
    for name, spec in fields.items():
        if name == "caption":
            out["caption"] = media.caption
        elif name == "timestamp":
            out["timestamp"] = format_fb_time(media.timestamp)
        elif name in ("media_type", "permalink", "shortcode"):
            out[name] = getattr(media, name)
        elif name == "media_product_type":
            out[name] = "FEED"
        elif name == "username":
            out["username"] = state.ig.username_of(media.owner_id)
        elif name == "owner" and own:
            # Graph gives the owner only to the owner; others get ``username``.
            out["owner"] = {"id": media.owner_id}
        elif name == "comments_count":
            out["comments_count"] = len(comments)
        elif name == "like_count":
            out["like_count"] = 3 * len(comments) + int(media.id[-2:]) % 17
        elif name == "comments":
            sub = sub_or(spec, COMMENT_DEFAULT)
            out["comments"] = connection(
                req,
                f"{media.id}/comments",
                state.ig.top_level_of(media.id),
                lambda c, sub=sub: render_comment(state, req, c, sub),
                limit=spec.limit(DEFAULT_LIMIT),
                after=None,
                extra={"fields": ",".join(sub)},
            )
    return out


def render_comment(
    state: SandboxState, req: Request, comment: IgComment, fields: dict[str, FieldSpec]
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": comment.id}
    for name, spec in fields.items():
        if name == "text":
            out["text"] = comment.text
        elif name == "timestamp":
            out["timestamp"] = format_fb_time(comment.timestamp)
        elif name == "username":
            out["username"] = state.ig.username_of(comment.from_id)
        elif name == "from":
            person = _person(state, comment.from_id)
            out["from"] = {
                k: v
                for k, v in person.items()
                if not spec.subfields or k in spec.subfields or k == "id"
            }
        elif name == "like_count":
            out["like_count"] = comment.like_count
        elif name == "hidden":
            out["hidden"] = comment.hidden
        elif name == "parent_id" and comment.parent_id:
            out["parent_id"] = comment.parent_id
        elif name == "media":
            out["media"] = {"id": comment.media_id, "media_product_type": "FEED"}
        elif name == "replies" and comment.parent_id is None:
            sub = sub_or(spec, COMMENT_DEFAULT)
            replies = state.ig.replies_to(comment.id)
            if replies:
                out["replies"] = connection(
                    req,
                    f"{comment.id}/replies",
                    replies,
                    lambda r, sub=sub: render_comment(state, req, r, sub),
                    limit=spec.limit(DEFAULT_LIMIT),
                    after=None,
                    extra={"fields": ",".join(sub)},
                )
    return out


def render_message(
    state: SandboxState, message: IgMessage, fields: dict[str, FieldSpec]
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": message.id}
    for name in fields:
        if name == "message":
            out["message"] = message.text
        elif name == "created_time":
            out["created_time"] = format_fb_time(message.created_time)
        elif name == "from":
            out["from"] = {**_person(state, message.from_id)}
        elif name == "to":
            out["to"] = {"data": [_person(state, message.to_id)]}
        elif name == "attachments" and message.media_keys:
            blobs = [b for b in map(state.media.key, message.media_keys) if b is not None]
            out["attachments"] = {"data": [message_attachment(b) for b in blobs]}
    return out


def render_conversation(
    state: SandboxState, req: Request, conv: IgConversation, fields: dict[str, FieldSpec]
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": conv.id}
    for name, spec in fields.items():
        if name == "updated_time":
            out["updated_time"] = format_fb_time(conv.updated_time)
        elif name == "participants":
            out["participants"] = {
                "data": [_person(state, conv.user_id), _person(state, conv.account_id)]
            }
        elif name == "messages":
            sub = sub_or(spec, MESSAGE_DEFAULT)
            out["messages"] = connection(
                req,
                f"{conv.id}/messages",
                state.ig.messages_in(conv.id),
                lambda m, sub=sub: render_message(state, m, sub),
                limit=spec.limit(DEFAULT_LIMIT),
                after=None,
                extra={"fields": ",".join(sub)},
            )
    return out


def render_any(state: SandboxState, req: Request, obj: object) -> dict[str, Any]:
    check_fields(obj, fields_of(req, ()))
    if isinstance(obj, IgAccount):
        return render_account(state, obj, fields_of(req, ACCOUNT_DEFAULT))
    if isinstance(obj, IgMedia):
        return render_media(state, req, obj, fields_of(req, MEDIA_DEFAULT))
    if isinstance(obj, IgComment):
        return render_comment(state, req, obj, fields_of(req, COMMENT_DEFAULT))
    if isinstance(obj, IgConversation):
        return render_conversation(state, req, obj, fields_of(req, CONVERSATION_DEFAULT))
    assert isinstance(obj, IgMessage)
    return render_message(state, obj, fields_of(req, MESSAGE_DEFAULT))


# -- dispatch ----------------------------------------------------------------------


def handle(state: SandboxState, req: Request, node: str, edge: str | None) -> Response:
    with state.lock:
        obj = state.ig.node(node)
        if obj is None:  # a person (owns() let only them through)
            if req.method != "GET" or edge is not None:
                raise errors.unsupported(req.method.lower(), node)
            return user_profile(state, req, state.ig.users[node])
        method = req.method.lower()
        account = _account_for(state, req, obj, method)
        if req.method == "GET" and edge is None:
            return Response(200, render_any(state, req, obj))
        if req.method == "GET" and edge is not None:
            return Response(200, _edge_get(state, req, obj, edge))
        if req.method == "POST" and edge is None:
            return _hide(state, req, account, obj)
        if req.method == "POST" and edge is not None:
            return _edge_post(state, req, account, obj, edge)
        if req.method == "DELETE" and edge is None:
            return _delete(state, account, obj)
        raise errors.unsupported(method, node)


def _edge_get(state: SandboxState, req: Request, obj: object, edge: str) -> dict[str, Any]:
    if isinstance(obj, IgAccount) and edge in ("media", "tags"):
        items = state.ig.media_of(obj.id) if edge == "media" else state.ig.tagging(obj.id)
        fields = fields_of(req, MEDIA_DEFAULT)
        return connection(
            req,
            f"{obj.id}/{edge}",
            items,
            lambda m: render_media(state, req, m, fields),
            limit=_limit(req),
            after=_after(req),
        )
    comments: list[IgComment]
    if isinstance(obj, IgMedia) and edge == "comments":
        comments, path = state.ig.top_level_of(obj.id), f"{obj.id}/comments"
    elif isinstance(obj, IgComment) and edge == "replies":
        comments, path = state.ig.replies_to(obj.id), f"{obj.id}/replies"
    elif isinstance(obj, IgConversation) and edge == "messages":
        fields = fields_of(req, MESSAGE_DEFAULT)
        return connection(
            req,
            f"{obj.id}/messages",
            state.ig.messages_in(obj.id),
            lambda m: render_message(state, m, fields),
            limit=_limit(req),
            after=_after(req),
        )
    else:
        raise errors.graph_error(
            400,
            100,
            f"(#100) Tried accessing nonexisting field ({edge}) on node type ({_type_name(obj)})",
        )
    fields = fields_of(req, COMMENT_DEFAULT)
    return connection(
        req,
        path,
        comments,
        lambda c: render_comment(state, req, c, fields),
        limit=_limit(req),
        after=_after(req),
    )


def _type_name(obj: object) -> str:
    return {
        "IgAccount": "ShadowIGUser",
        "IgMedia": "ShadowIGMedia",
        "IgComment": "IGComment",
        "IgConversation": "UnifiedThread",
        "IgMessage": "Message",
    }.get(type(obj).__name__, "Unknown")


# -- writes ------------------------------------------------------------------------


def _text(params: dict[str, str]) -> str:
    text = params.get("message")
    if text is None or not text.strip():
        raise errors.invalid_param("The parameter message is required")
    if len(text) > MAX_TEXT:
        raise errors.invalid_param(f"param message must be at most {MAX_TEXT} characters")
    return text


def _edge_post(
    state: SandboxState, req: Request, account: IgAccount, obj: object, edge: str
) -> Response:
    params = params_of(req)
    if isinstance(obj, IgComment) and edge == "replies":
        if obj.hidden:
            raise errors.invalid_param("You cannot reply to a hidden comment", subcode=2534023)
        top = obj if obj.parent_id is None else state.ig.comments[obj.parent_id]
        return _comment(state, account, top.media_id, _text(params), parent=top, target=obj.id)
    if isinstance(obj, IgMedia) and edge == "comments" and obj.owner_id == account.id:
        return _comment(state, account, obj.id, _text(params), parent=None, target=obj.id)
    if isinstance(obj, IgAccount) and edge == "mentions":
        media = state.ig.media.get(params.get("media_id") or "")
        if media is None or account.id not in media.tagged_ids:
            raise errors.invalid_param("param media_id must be media that mentions the account")
        return _comment(state, account, media.id, _text(params), parent=None, target=media.id)
    raise errors.unsupported("post", f"{getattr(obj, 'id', '?')}/{edge}")


def _comment(
    state: SandboxState,
    account: IgAccount,
    media_id: str,
    text: str,
    *,
    parent: IgComment | None,
    target: str,
) -> Response:
    made = state.ig.add_comment(
        media=state.ig.media[media_id],
        from_id=account.id,
        text=text,
        parent_id=parent.id if parent else None,
        origin="api",
    )
    _record(
        state,
        "reply" if parent else "comment",
        account.id,
        target,
        text=text,
        result_id=made.id,
        meta={"media_id": media_id, "parent_id": parent.id if parent else None},
    )
    return Response(200, {"id": made.id})


def _moderated(state: SandboxState, account: IgAccount, obj: object, method: str) -> IgComment:
    """Only comments on the account's own media may be hidden or deleted."""
    media = state.ig.media.get(obj.media_id) if isinstance(obj, IgComment) else None
    if not isinstance(obj, IgComment) or media is None or media.owner_id != account.id:
        raise errors.graph_error(
            403, 200, "(#200) The user does not have permission to moderate this comment"
        )
    return obj


def _hide(state: SandboxState, req: Request, account: IgAccount, obj: object) -> Response:
    comment = _moderated(state, account, obj, "post")
    value = (params_of(req).get("hide") or "").strip().lower()
    if value not in ("true", "false"):
        raise errors.invalid_param("param hide must be a boolean")
    if comment.from_id == account.id:
        raise errors.invalid_param("You cannot hide your own comment")
    hidden = value == "true"
    if comment.hidden != hidden:
        comment.hidden = hidden
        _record(state, "hide" if hidden else "unhide", account.id, comment.id)
    return Response(200, {"success": True})


def _delete(state: SandboxState, account: IgAccount, obj: object) -> Response:
    comment = _moderated(state, account, obj, "delete")
    comment.deleted = True
    for reply in state.ig.replies_to(comment.id):
        reply.deleted = True
    _record(state, "delete", account.id, comment.id)
    return Response(200, {"success": True})


# -- direct messages through the Page ------------------------------------------------


def page_conversations(state: SandboxState, req: Request, page_id: str) -> dict[str, Any]:
    account = state.ig.account_of_page(page_id)
    items = state.ig.conversations_of(account.id) if account else []
    user_id = req.arg("user_id")
    if user_id:
        items = [c for c in items if c.user_id == user_id]
    fields = fields_of(req, CONVERSATION_DEFAULT)
    return connection(
        req,
        f"{page_id}/conversations",
        items,
        lambda c: render_conversation(state, req, c, fields),
        limit=_limit(req),
        after=_after(req),
    )


def is_instagram_recipient(state: SandboxState, page_id: str, recipient: dict[str, Any]) -> bool:
    """Whether a Page's Send API call is for its Instagram account."""
    account = state.ig.account_of_page(page_id)
    if account is None:
        return False
    if recipient.get("comment_id"):
        return str(recipient["comment_id"]) in state.ig.comments
    return state.ig.find_conversation(account.id, str(recipient.get("id") or "")) is not None


def message_send(
    state: SandboxState,
    page_id: str,
    recipient: dict[str, Any],
    text: str,
    messaging_type: str,
    tag: str | None,
    *,
    picture: MediaBlob | None = None,
) -> Response:
    account = state.ig.account_of_page(page_id)
    assert account is not None
    if len(text) > MAX_MESSAGE:
        raise errors.invalid_param(f"param message[text] must be at most {MAX_MESSAGE} characters")
    if recipient.get("comment_id"):
        return _private_reply(state, account, str(recipient["comment_id"]), text)
    igsid = str(recipient.get("id") or "")
    last = state.ig.last_message_from(account.id, igsid)
    if last is None:
        raise errors.invalid_param("No matching user found", subcode=2018001)
    human = messaging_type == "MESSAGE_TAG" and tag == "HUMAN_AGENT"
    window = timedelta(days=HUMAN_AGENT_DAYS) if human else timedelta(hours=WINDOW_HOURS)
    if state.now() - last.created_time > window:
        raise errors.graph_error(400, 10, WINDOW_MESSAGE, subcode=WINDOW_SUBCODE)
    conv = state.ig.conversation_with(account.id, igsid)
    sent = state.ig.add_message(
        conversation=conv,
        from_id=account.id,
        text=text,
        origin="api",
        media_keys=[picture.key] if picture is not None else None,
    )
    meta: dict[str, Any] = {
        "conversation_id": conv.id,
        "messaging_type": messaging_type,
        "tag": tag,
    }
    if picture is not None:
        meta["media"] = [picture_record(picture)]
    _record(state, "message", account.id, igsid, text=text, result_id=sent.id, meta=meta)
    return Response(200, {"recipient_id": igsid, "message_id": sent.id})


def _private_reply(state: SandboxState, account: IgAccount, comment_id: str, text: str) -> Response:
    comment = state.ig.comments.get(comment_id)
    media = state.ig.media.get(comment.media_id) if comment else None
    if comment is None or media is None or media.owner_id != account.id or comment.deleted:
        raise errors.invalid_param("Invalid comment_id for a private reply")
    if comment.from_id == account.id:
        raise errors.invalid_param("An account cannot reply privately to its own comment")
    if comment.private_reply_id is not None:
        raise errors.already_replied()
    if state.now() - comment.timestamp > timedelta(days=HUMAN_AGENT_DAYS):
        raise errors.graph_error(400, 10, WINDOW_MESSAGE, subcode=WINDOW_SUBCODE)
    conv = state.ig.conversation_with(account.id, comment.from_id)
    sent = state.ig.add_message(
        conversation=conv,
        from_id=account.id,
        text=text,
        origin="api",
        meta={"private_reply_to": comment.id},
    )
    comment.private_reply_id = sent.id
    _record(
        state,
        "private_reply",
        account.id,
        comment.id,
        text=text,
        result_id=sent.id,
        meta={"conversation_id": conv.id, "recipient_id": comment.from_id},
    )
    return Response(200, {"recipient_id": comment.from_id, "message_id": sent.id})
