"""Read endpoints of the Graph subset: Page, feed, post, comments, Messenger, insights.

A Page token reads only its own Page's objects. The shaping faults
(duplicate_page, out_of_order) arrive in ``req.fault`` and are applied here,
where the page boundaries are known.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sandbox import fb_errors as errors
from sandbox import ig_graph
from sandbox.clock import parse_time
from sandbox.fb_auth import require_page
from sandbox.fb_models import (
    FbComment,
    FbConversation,
    FbMessage,
    FbPage,
    FbPost,
    FbUser,
    format_fb_time,
    page_followers,
    post_engagement,
    reactions_by_type,
)
from sandbox.fb_render import (
    COMMENT_DEFAULT,
    CONVERSATION_DEFAULT,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MESSAGE_DEFAULT,
    PAGE_DEFAULT,
    POST_DEFAULT,
    connection,
    decode_cursor,
    fields_of,
    render_comment,
    render_conversation,
    render_message,
    render_page,
    render_post,
)
from sandbox.router import Request, Response

if TYPE_CHECKING:
    from sandbox.state import SandboxState

INSIGHT_METRICS = (
    "post_impressions",
    "post_impressions_unique",
    "post_clicks",
    "post_reactions_by_type_total",
)


def _fault_kind(req: Request) -> str | None:
    return req.fault.kind if req.fault is not None else None


def _limit(req: Request) -> int:
    raw = req.arg("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not raw.isdigit():
        raise errors.invalid_param("param limit must be a number")
    return max(1, min(int(raw), MAX_LIMIT))


def _after(req: Request) -> str | None:
    raw = req.arg("after")
    return decode_cursor(raw) if raw else None


def _shaped(state: SandboxState, req: Request, body: dict[str, Any]) -> dict[str, Any]:
    if _fault_kind(req) == "out_of_order" and len(body.get("data", [])) > 1:
        data = list(body["data"])
        random.Random(state.rng.random()).shuffle(data)
        if data == body["data"]:
            data.reverse()  # a shuffle that happens to come out sorted proves nothing
        body["data"] = data
    return body


def owned(state: SandboxState, req: Request, node_id: str, method: str = "get") -> Any:
    """The object if it belongs to the calling Page; Graph's 100/33 otherwise."""
    page_id = require_page(req)
    obj = state.fb.node(node_id)
    owner = owner_of(state, obj)
    if obj is None or (owner != page_id and not _tags(state, obj, page_id)):
        raise errors.unsupported(method, node_id)
    return obj


def _tags(state: SandboxState, obj: Any, page_id: str) -> bool:
    """A post elsewhere that tags the Page (or a comment on one): the Page may
    read it and comment on it, but not moderate it."""
    post = state.fb.posts.get(obj.post_id) if isinstance(obj, FbComment) else obj
    return isinstance(post, FbPost) and page_id in post.tagged_ids


def owner_of(state: SandboxState, obj: Any) -> str | None:
    if isinstance(obj, FbPage):
        return obj.id
    if isinstance(obj, FbPost):
        return obj.page_id
    if isinstance(obj, FbComment):
        post = state.fb.posts.get(obj.post_id)
        return post.page_id if post else None
    if isinstance(obj, FbConversation):
        return obj.page_id
    if isinstance(obj, FbMessage):
        conv = state.fb.conversations.get(obj.conversation_id)
        return conv.page_id if conv else None
    return None


def render_any(state: SandboxState, req: Request, obj: Any) -> dict[str, Any]:
    if isinstance(obj, FbPage):
        return render_page(state, obj, fields_of(req, PAGE_DEFAULT))
    if isinstance(obj, FbPost):
        return render_post(state, req, obj, fields_of(req, POST_DEFAULT))
    if isinstance(obj, FbComment):
        return render_comment(state, obj, fields_of(req, COMMENT_DEFAULT))
    if isinstance(obj, FbConversation):
        return render_conversation(state, req, obj, fields_of(req, CONVERSATION_DEFAULT))
    return render_message(state, obj, fields_of(req, MESSAGE_DEFAULT))


# -- objects ------------------------------------------------------------------------


def node_get(state: SandboxState, req: Request, node: str) -> Response:
    with state.lock:
        if node == "me":
            if req.auth.page_id is None:
                return Response(
                    200,
                    {
                        "id": "1000" + req.auth.token[-8:].encode().hex()[:8],
                        "name": "Sandbox Admin",
                    },
                )
            node = req.auth.page_id
        user = state.fb.users.get(node)
        if user is not None and state.fb.node(node) is None:
            return _user_profile(state, req, user)
        obj = owned(state, req, node)
        body = render_any(state, req, obj)
        if req.arg("metadata") == "1":
            # Graph's introspection: what kind of node an id names.
            body["metadata"] = {"type": _METADATA_TYPES[type(obj).__name__]}
        return Response(200, body)


def _user_profile(state: SandboxState, req: Request, user: FbUser) -> Response:
    """Messenger's User Profile API: a PSID's name and picture, for a Page the
    person has messaged (anyone else's is Graph's 100/33)."""
    page_id = require_page(req)
    if state.fb.find_conversation(page_id, user.id) is None:
        raise errors.unsupported("get", user.id)
    first, _, last = user.name.partition(" ")
    values = {
        "first_name": first,
        "last_name": last,
        "name": user.name,
        "profile_pic": f"https://platform-lookaside.fbsbx.com/platform/profilepic/?psid={user.id}",
    }
    out: dict[str, Any] = {"id": user.id}
    for name in fields_of(req, ("first_name", "last_name", "profile_pic")):
        if name not in values:
            raise errors.invalid_param(
                f"Tried accessing nonexisting field ({name}) on node type (User)"
            )
        out[name] = values[name]
    return Response(200, out)


_METADATA_TYPES = {
    "FbPage": "page",
    "FbPost": "post",
    "FbComment": "comment",
    "FbConversation": "unifiedthread",
    "FbMessage": "message",
}


def objects_get(state: SandboxState, req: Request) -> Response:
    """GET /?ids=a,b (facebook-sdk's get_objects): a map from id to object."""
    ids = [i for i in (req.arg("ids") or "").split(",") if i]
    if not ids:
        raise errors.invalid_param("param ids must be non-empty")
    with state.lock:
        missing = [i for i in ids if owner_of(state, state.fb.node(i)) != require_page(req)]
        if missing:
            raise errors.graph_error(
                404,
                803,
                f"(#803) Some of the aliases you requested do not exist: {','.join(missing)}",
            )
        return Response(200, {i: render_any(state, req, state.fb.node(i)) for i in ids})


# -- edges --------------------------------------------------------------------------


def edge_get(state: SandboxState, req: Request, node: str, edge: str) -> Response:
    with state.lock:
        if node == "me":
            node = require_page(req)
        obj = owned(state, req, node)
        handler = _EDGES.get((type(obj).__name__, edge))
        if handler is None:
            raise errors.graph_error(
                400,
                100,
                f"(#100) Tried accessing nonexisting field ({edge}) on node type ({_type_name(obj)})",
            )
        return Response(200, _shaped(state, req, handler(state, req, obj)))


def _type_name(obj: Any) -> str:
    return {
        "FbPage": "Page",
        "FbPost": "PagePost",
        "FbComment": "Comment",
        "FbConversation": "UnifiedThread",
        "FbMessage": "Message",
    }[type(obj).__name__]


def _repeat(req: Request) -> bool:
    return _fault_kind(req) == "duplicate_page"


def _time_arg(req: Request, name: str) -> datetime | None:
    """Graph's ``since``/``until``: a Unix timestamp or a date-time string."""
    raw = (req.arg(name) or "").strip()
    if not raw:
        return None
    try:
        if raw.lstrip("-").isdigit():
            return datetime.fromtimestamp(int(raw), UTC)
        return parse_time(raw.replace("+0000", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise errors.invalid_param(f"param {name} must be a valid timestamp") from None


# Which of a Page's posts each edge lists: /feed everything on its timeline,
# /posts and /published_posts its own, /visitor_posts other people's.
_POST_EDGES = {"feed": "all", "posts": "own", "published_posts": "own", "visitor_posts": "visitors"}


def page_posts(state: SandboxState, req: Request, page: FbPage) -> dict[str, Any]:
    fields = fields_of(req, POST_DEFAULT)
    edge = req.path.rstrip("/").rsplit("/", 1)[-1]
    if edge == "tagged":
        posts = state.fb.tagging(page.id)
    else:
        posts = state.fb.posts_of(page.id, who=_POST_EDGES[edge])
    # Time-based filters on created_time, whole seconds, both ends inclusive.
    since, until = _time_arg(req, "since"), _time_arg(req, "until")
    if since is not None:
        posts = [p for p in posts if p.created_time.replace(microsecond=0) >= since]
    if until is not None:
        posts = [p for p in posts if p.created_time.replace(microsecond=0) <= until]
    return connection(
        req,
        f"{page.id}/{edge}",
        posts,
        lambda p: render_post(state, req, p, fields),
        limit=_limit(req),
        after=_after(req),
        repeat=_repeat(req),
    )


def post_comments(state: SandboxState, req: Request, post: FbPost) -> dict[str, Any]:
    stream = (req.arg("filter") or "toplevel") == "stream"
    items = state.fb.comments_on(post.id, stream=stream)
    return _comment_list(
        state,
        req,
        f"{post.id}/comments",
        items,
        total=len(state.fb.comments_on(post.id, stream=True)),
    )


def comment_replies(state: SandboxState, req: Request, comment: FbComment) -> dict[str, Any]:
    items = state.fb.replies_to(comment.id) if comment.parent_id is None else []
    return _comment_list(state, req, f"{comment.id}/comments", items, total=len(items))


def _comment_list(
    state: SandboxState, req: Request, path: str, items: list[FbComment], *, total: int
) -> dict[str, Any]:
    order = req.arg("order") or "chronological"
    if order not in ("chronological", "reverse_chronological", "ranked"):
        raise errors.invalid_param(
            "param order must be one of {chronological, reverse_chronological, ranked}"
        )
    if order == "reverse_chronological":
        items = list(reversed(items))
    fields = fields_of(req, COMMENT_DEFAULT)
    summary = None
    if (req.arg("summary") or "").lower() in ("true", "1", "total_count"):
        summary = {"order": order, "total_count": total, "can_comment": True}
    return connection(
        req,
        path,
        items,
        lambda c: render_comment(state, c, fields),
        limit=_limit(req),
        after=_after(req),
        repeat=_repeat(req),
        summary=summary,
    )


def page_conversations(state: SandboxState, req: Request, page: FbPage) -> dict[str, Any]:
    platform = req.arg("platform") or "messenger"
    if platform not in ("messenger", "instagram"):
        raise errors.invalid_param("param platform must be one of {messenger, instagram}")
    if platform == "instagram":
        return ig_graph.page_conversations(state, req, page.id)
    items = state.fb.conversations_of(page.id)
    user_id = req.arg("user_id")
    if user_id:
        items = [c for c in items if c.user_id == user_id]
    fields = fields_of(req, CONVERSATION_DEFAULT)
    return connection(
        req,
        f"{page.id}/conversations",
        items,
        lambda c: render_conversation(state, req, c, fields),
        limit=_limit(req),
        after=_after(req),
        repeat=_repeat(req),
    )


def conversation_messages(
    state: SandboxState, req: Request, conv: FbConversation
) -> dict[str, Any]:
    fields = fields_of(req, MESSAGE_DEFAULT)
    return connection(
        req,
        f"{conv.id}/messages",
        state.fb.messages_in(conv.id),
        lambda m: render_message(state, m, fields),
        limit=_limit(req),
        after=_after(req),
        repeat=_repeat(req),
    )


def post_insights(state: SandboxState, req: Request, post: FbPost) -> dict[str, Any]:
    """A small configured metric set; anything else is Graph's (#100), as for
    the metrics Meta removed in March 2024."""
    wanted = [m for m in (req.arg("metric") or "").split(",") if m] or list(INSIGHT_METRICS)
    unknown = [m for m in wanted if m not in INSIGHT_METRICS]
    if unknown:
        raise errors.invalid_param(f"The value must be a valid insights metric: {unknown[0]}")
    page = state.fb.page(post.page_id)
    engagement = post_engagement(
        post, page_followers(page, state.now()) if page else 100, state.now()
    )
    data = []
    for metric in wanted:
        value: Any = (
            reactions_by_type(engagement["reactions"], post.id)
            if metric == "post_reactions_by_type_total"
            else engagement[metric]
        )
        data.append(
            {
                "name": metric,
                "period": "lifetime",
                "values": [{"value": value}],
                "title": metric.replace("_", " ").capitalize(),
                "description": f"Lifetime: {metric.replace('_', ' ')}",
                "id": f"{post.id}/insights/{metric}/lifetime",
            }
        )
    return {"data": data, "paging": {}}


def page_subscriptions(state: SandboxState, req: Request, page: FbPage) -> dict[str, Any]:
    if not page.subscribed_fields:
        return {"data": []}
    return {
        "data": [
            {
                "category": "Business",
                "link": "https://socialdesk.example",
                "name": "SocialDesk",
                "id": "900000000000001",
                "subscribed_fields": list(page.subscribed_fields),
            }
        ]
    }


def page_settings(state: SandboxState, req: Request, page: FbPage) -> dict[str, Any]:
    """The Page's settings as ``{setting, value}`` pairs."""
    return {
        "data": [
            {"setting": "USERS_CAN_MESSAGE", "value": page.users_can_message},
            {"setting": "USERS_CAN_POST", "value": True},
            {"setting": "USERS_CAN_POST_PHOTOS", "value": True},
            {"setting": "USERS_CAN_TAG_PHOTOS", "value": True},
        ]
    }


_EDGES: dict[tuple[str, str], Callable[..., Any]] = {
    ("FbPage", "settings"): page_settings,
    ("FbPage", "feed"): page_posts,
    ("FbPage", "posts"): page_posts,
    ("FbPage", "published_posts"): page_posts,
    ("FbPage", "visitor_posts"): page_posts,
    ("FbPage", "tagged"): page_posts,
    ("FbPage", "conversations"): page_conversations,
    ("FbPage", "subscribed_apps"): page_subscriptions,
    ("FbPost", "comments"): post_comments,
    ("FbPost", "insights"): post_insights,
    ("FbComment", "comments"): comment_replies,
    ("FbConversation", "messages"): conversation_messages,
}

__all__ = ["edge_get", "format_fb_time", "node_get", "objects_get"]
