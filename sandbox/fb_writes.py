"""Write endpoints: comment replies, hide/unhide, delete, likes, Messenger sends.

Each successful write is applied and recorded in the outbox under the state
lock, so the outbox is exactly what "reached Facebook". Graph's rules that the
app must cope with are enforced: the Page may only act on its own posts'
comments, Messenger's 24-hour window (by the sandbox clock), one private reply
per comment within 7 days.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sandbox import fb_errors as errors
from sandbox import ig_graph
from sandbox.fb_auth import files_of, json_param, params_of, require_page
from sandbox.fb_models import HUMAN_AGENT_DAYS, WINDOW_HOURS, FbComment, FbPage, FbPost
from sandbox.fb_reads import owned, owner_of
from sandbox.media import MediaBlob, fb_blob, picture_record
from sandbox.router import Request, Response

if TYPE_CHECKING:
    from sandbox.state import SandboxState

MAX_MESSAGE_LENGTH = 2000
MAX_COMMENT_LENGTH = 8000
MAX_PHOTO_BYTES = 10 * 1024 * 1024
# Instagram Direct takes PNG, JPEG and GIF pictures of at most 8 MB.
IG_MAX_PICTURE_BYTES = 8 * 1024 * 1024
MESSAGING_TYPES = ("RESPONSE", "UPDATE", "MESSAGE_TAG")
MESSAGE_TAGS = ("HUMAN_AGENT", "ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE")


def _record(state: SandboxState, kind: str, page_id: str, target: str | None, **extra: Any) -> None:
    state.outbox.record(network="fb", kind=kind, account_id=page_id, target=target, **extra)


def _truthy(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.strip().lower() in ("true", "1")


def edge_post(state: SandboxState, req: Request, node: str, edge: str) -> Response:
    with state.lock:
        if node == "me":
            node = require_page(req)
        obj = owned(state, req, node, "post")
        if edge == "comments" and isinstance(obj, FbComment | FbPost):
            return _comment_create(state, req, obj)
        if edge == "likes" and isinstance(obj, FbComment | FbPost):
            return _like(state, req, obj, like=True)
        if edge == "messages" and isinstance(obj, FbPage):
            return _message_send(state, req, obj)
        if edge == "subscribed_apps" and isinstance(obj, FbPage):
            return _subscribe(state, req, obj)
        raise errors.unsupported("post", f"{node}/{edge}")


def node_post(state: SandboxState, req: Request, node: str) -> Response:
    """POST /{comment} with is_hidden=true|false (hide or unhide)."""
    with state.lock:
        obj = owned(state, req, node, "post")
        hidden = _truthy(params_of(req).get("is_hidden"))
        if not isinstance(obj, FbComment | FbPost) or hidden is None:
            raise errors.unsupported("post", node)
        _moderates(state, req, obj)
        post = state.fb.posts[obj.post_id] if isinstance(obj, FbComment) else obj
        author = obj.from_id if isinstance(obj, FbComment) else obj.author_id
        if author == post.page_id:
            raise errors.invalid_param("A Page cannot hide its own comment or post")
        if obj.is_hidden != hidden:
            obj.is_hidden = hidden
            _record(state, "hide" if hidden else "unhide", post.page_id, obj.id, result_id=obj.id)
        return Response(200, {"success": True})


def _moderates(state: SandboxState, req: Request, obj: FbComment | FbPost) -> None:
    """Only the Page whose timeline holds a post moderates it: a Page tagged
    in someone else's post may comment on it, not hide or delete there."""
    if owner_of(state, obj) != require_page(req):
        raise errors.graph_error(
            403, 200, "(#200) The user does not have permission to moderate this object"
        )


def node_delete(state: SandboxState, req: Request, node: str) -> Response:
    with state.lock:
        obj = owned(state, req, node, "delete")
        if not isinstance(obj, FbComment | FbPost):
            raise errors.unsupported("delete", node)
        _moderates(state, req, obj)
        obj.deleted = True
        page_id = require_page(req)
        _record(state, "delete", page_id, obj.id, result_id=obj.id)
        return Response(200, {"success": True})


def unlike(state: SandboxState, req: Request, node: str) -> Response:
    with state.lock:
        obj = owned(state, req, node, "delete")
        if not isinstance(obj, FbComment | FbPost):
            raise errors.unsupported("delete", f"{node}/likes")
        return _like(state, req, obj, like=False)


# -- comments -----------------------------------------------------------------------


def _comment_create(state: SandboxState, req: Request, target: FbComment | FbPost) -> Response:
    page_id = require_page(req)
    text = (params_of(req).get("message") or "").strip()
    photo = files_of(req).get("source")
    if not text and photo is None:
        raise errors.invalid_param("param message must be non-empty")
    if len(text) > MAX_COMMENT_LENGTH:
        raise errors.invalid_param(f"param message must be at most {MAX_COMMENT_LENGTH} characters")
    if isinstance(target, FbPost):
        post, parent = target, None
    else:
        post, parent = state.fb.posts[target.post_id], target
    blob = _photo_blob(state, photo[0]) if photo is not None else None
    created = state.fb.add_comment(
        post=post, from_id=page_id, message=text, parent=parent, origin="api"
    )
    meta: dict[str, Any] = {"post_id": post.id, "parent_id": created.parent_id}
    if blob is not None:
        created.media_keys = [blob.key]
        meta["media"] = [picture_record(blob)]
    _record(state, "comment", page_id, target.id, text=text, result_id=created.id, meta=meta)
    return Response(200, {"id": created.id})


def _photo_blob(state: SandboxState, data: bytes, *, max_bytes: int = MAX_PHOTO_BYTES) -> MediaBlob:
    """An uploaded photo (a comment's ``source``, a message's ``filedata``): a
    real image within ``max_bytes``, kept as sent and served on the CDN."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > max_bytes:
        raise errors.invalid_param(f"The photo is larger than {max_bytes // (1024 * 1024)} MB")
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError):
        raise errors.invalid_param("Invalid photo: the file is not an image") from None
    if fmt not in ("JPEG", "PNG", "GIF"):
        raise errors.invalid_param("Invalid photo: unsupported format")
    blob = fb_blob(
        state,
        {"kind": "photo", "variant": "normal", "width": width, "height": height, "alt_text": ""},
    )
    blob.data = data
    blob.content_type = f"image/{fmt.lower()}"
    return blob


def _like(state: SandboxState, req: Request, target: FbComment | FbPost, *, like: bool) -> Response:
    page_id = require_page(req)
    if isinstance(target, FbComment) and target.liked_by_page != like:
        target.liked_by_page = like
        _record(state, "like" if like else "unlike", page_id, target.id, result_id=target.id)
    elif isinstance(target, FbPost):
        _record(state, "like" if like else "unlike", page_id, target.id, result_id=target.id)
    return Response(200, {"success": True})


# -- Messenger ----------------------------------------------------------------------


def _message_send(state: SandboxState, req: Request, page: FbPage) -> Response:
    params = params_of(req)
    recipient = json_param(params, "recipient")
    message = json_param(params, "message")
    messaging_type = params.get("messaging_type")
    if messaging_type not in MESSAGING_TYPES:
        raise errors.invalid_param(
            "The parameter messaging_type is required and must be one of RESPONSE, UPDATE, MESSAGE_TAG"
        )
    tag = params.get("tag")
    if messaging_type == "MESSAGE_TAG" and tag not in MESSAGE_TAGS:
        raise errors.invalid_param("param tag must be a supported message tag")
    instagram = ig_graph.is_instagram_recipient(state, page.id, recipient)
    picture = _message_picture(state, req, message, instagram=instagram)
    text = "" if picture is not None else _message_text(message)
    if picture is not None and recipient.get("comment_id"):
        raise errors.invalid_param("A private reply to a comment must be text")
    if instagram:
        return ig_graph.message_send(
            state, page.id, recipient, text, messaging_type, tag, picture=picture
        )
    if recipient.get("comment_id"):
        return _private_reply(state, page, str(recipient["comment_id"]), text)
    if not recipient.get("id"):
        raise errors.invalid_param("param recipient must be non-empty")
    return _message_to(state, page, str(recipient["id"]), text, messaging_type, tag, picture)


def _message_text(message: dict[str, Any]) -> str:
    text = message.get("text")
    if not isinstance(text, str) or not text.strip():
        raise errors.invalid_param("param message[text] must be non-empty")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise errors.invalid_param(
            f"Length of param message[text] must be less than or equal to {MAX_MESSAGE_LENGTH}"
        )
    return text


def _message_picture(
    state: SandboxState, req: Request, message: dict[str, Any], *, instagram: bool
) -> MediaBlob | None:
    """A message's image attachment, uploaded with it as ``filedata`` (the
    Send API's one-call upload). A message carries text or an attachment."""
    attachment = message.get("attachment")
    if attachment is None:
        return None
    if "text" in message:
        raise errors.invalid_param("Only one of message[text] and message[attachment] may be set")
    if not isinstance(attachment, dict) or attachment.get("type") != "image":
        raise errors.invalid_param("param message[attachment][type] must be image")
    upload = files_of(req).get("filedata")
    if upload is None or not upload[1]:
        raise errors.invalid_param("An attachment needs its file as filedata (or a payload url)")
    limit = IG_MAX_PICTURE_BYTES if instagram else MAX_PHOTO_BYTES
    return _photo_blob(state, upload[0], max_bytes=limit)


def _message_to(
    state: SandboxState,
    page: FbPage,
    psid: str,
    text: str,
    messaging_type: str,
    tag: str | None,
    picture: MediaBlob | None = None,
) -> Response:
    last = state.fb.last_message_from_user(page.id, psid)
    if last is None:
        raise errors.invalid_param("No matching user found", subcode=2018001)
    window = (
        timedelta(days=HUMAN_AGENT_DAYS)
        if messaging_type == "MESSAGE_TAG" and tag == "HUMAN_AGENT"
        else timedelta(hours=WINDOW_HOURS)
    )
    # Other tags (ACCOUNT_UPDATE...) are not bound to the window, as on Messenger.
    bound = messaging_type != "MESSAGE_TAG" or tag == "HUMAN_AGENT"
    if bound and state.now() - last.created_time > window:
        raise errors.outside_window()
    conv = state.fb.conversation_with(page.id, psid)
    sent = state.fb.add_message(
        conversation=conv,
        from_id=page.id,
        text=text,
        origin="api",
        meta={"messaging_type": messaging_type, "tag": tag},
    )
    meta: dict[str, Any] = {
        "conversation_id": conv.id,
        "messaging_type": messaging_type,
        "tag": tag,
    }
    if picture is not None:
        sent.media_keys = [picture.key]
        meta["media"] = [picture_record(picture)]
    _record(state, "message", page.id, psid, text=text, result_id=sent.id, meta=meta)
    return Response(200, {"recipient_id": psid, "message_id": sent.id})


def _private_reply(state: SandboxState, page: FbPage, comment_id: str, text: str) -> Response:
    """A private reply to a comment: one Messenger message per comment, within 7 days."""
    comment = state.fb.comment(comment_id)
    post = state.fb.posts.get(comment.post_id) if comment else None
    if comment is None or post is None or post.page_id != page.id:
        raise errors.invalid_param("Invalid comment_id for a private reply")
    if comment.from_id == page.id:
        raise errors.invalid_param("A Page cannot reply privately to its own comment")
    if comment.private_reply_id is not None:
        raise errors.already_replied()
    if state.now() - comment.created_time > timedelta(days=HUMAN_AGENT_DAYS):
        raise errors.outside_window()
    conv = state.fb.conversation_with(page.id, comment.from_id)
    sent = state.fb.add_message(
        conversation=conv,
        from_id=page.id,
        text=text,
        origin="api",
        meta={"private_reply_to": comment.id},
    )
    comment.private_reply_id = sent.id
    _record(
        state,
        "private_reply",
        page.id,
        comment.id,
        text=text,
        result_id=sent.id,
        meta={"conversation_id": conv.id, "recipient_id": comment.from_id},
    )
    return Response(200, {"recipient_id": comment.from_id, "message_id": sent.id})


def _subscribe(state: SandboxState, req: Request, page: FbPage) -> Response:
    fields = [f for f in (params_of(req).get("subscribed_fields") or "").split(",") if f]
    if not fields:
        raise errors.invalid_param("param subscribed_fields must be non-empty")
    page.subscribed_fields = sorted(set(page.subscribed_fields) | set(fields))
    _record(state, "subscribe", page.id, page.id, meta={"fields": page.subscribed_fields})
    return Response(200, {"success": True})
