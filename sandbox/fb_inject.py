"""Inbound citizen traffic on Facebook: comments, replies and Messenger messages.

Shared by the control API (/_sandbox/fb/inject), the trickle thread and the
scenarios, so demo traffic and test traffic are built the same way.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sandbox import traffic_texts as texts
from sandbox.fb_models import FbComment, FbMessage, FbPage, FbPost, FbUser, format_fb_time
from sandbox.inject_spec import read_inject_spec
from sandbox.media import fb_blob, media_item
from sandbox.traffic import TrafficGenerator

if TYPE_CHECKING:
    from sandbox.state import SandboxState

INJECT_KINDS = ("comment", "reply", "message", "visitor_post", "tag")
_SPACES = re.compile(r"\s+")


class FbInjectError(ValueError):
    """The inject request cannot be satisfied (bad kind, unknown post...)."""


def flavour_of(page: FbPage) -> str:
    label = f"{page.username} {page.name}".lower()
    return "roads" if "road" in label or "highway" in label else "council"


def comment_text(traffic: TrafficGenerator, category: str | None, flavour: str) -> tuple[str, str]:
    """(category, text) of a comment: the mention material without the @handle."""
    category = category or traffic.category()
    pool = texts.MENTIONS.get(flavour, texts.MENTIONS["council"])
    template = traffic.rng.choice(pool.get(category) or texts.MENTIONS["council"][category])
    # A leading @handle just goes; one inside a sentence becomes a plain name.
    name = "the highways team" if flavour == "roads" else "the council"
    acct = "" if template.startswith("{acct}") else name
    text = _SPACES.sub(" ", traffic.fill(template, acct=acct)).strip(" ,.-")
    return category, text[:1].upper() + text[1:]


def new_person(
    state: SandboxState, traffic: TrafficGenerator | None = None, **fields: Any
) -> FbUser:
    traffic = traffic or state.traffic
    with state.lock:
        profile = traffic.citizen()
        user_id = str(fields.get("id") or _free_id(state, traffic))
        return state.fb.add_user(id=user_id, name=str(fields.get("name") or profile["name"]))


def resolve_person(
    state: SandboxState, author: dict[str, Any] | None, *, reuse: float = 0.5
) -> FbUser:
    with state.lock:
        if author:
            found = state.fb.user(str(author["id"])) if author.get("id") else None
            if found is not None:
                if author.get("name"):
                    found.name = str(author["name"])
                return found
            return new_person(state, id=author.get("id"), name=author.get("name"))
        people = list(state.fb.users.values())
        if people and state.rng.random() < reuse:
            return state.rng.choice(people)
        return new_person(state)


def inject(state: SandboxState, spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Handle one /_sandbox/fb/inject request; returns the created items."""
    kind, count, common = read_inject_spec(
        spec, kinds=INJECT_KINDS, default_kind="comment", error=FbInjectError
    )
    with state.lock:
        page = _page(state, spec.get("page_id"))
        items = []
        for _ in range(count):
            if kind == "message":
                items.append(inject_message(state, page, **common))
            elif kind in ("visitor_post", "tag"):
                items.append(inject_post(state, page, tag=kind == "tag", **common))
            elif kind == "reply":
                items.append(inject_reply(state, page, parent_id=spec.get("parent_id"), **common))
            else:
                items.append(inject_comment(state, page, post_id=spec.get("post_id"), **common))
        return items


def inject_comment(
    state: SandboxState,
    page: FbPage,
    *,
    post_id: str | None = None,
    text: str | None = None,
    author: dict[str, Any] | None = None,
    created_at: datetime | None = None,
    category: str | None = None,
    media: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    with state.lock:
        post = _post(state, page, post_id)
        person = resolve_person(state, author)
        if text is None:
            category, text = comment_text(state.traffic, category, flavour_of(page))
        comment = state.fb.add_comment(
            post=post, from_id=person.id, message=text, created_time=created_at
        )
        comment.media_keys = [fb_blob(state, m).key for m in (media or [])[:1]]
        return comment_item(state, comment, page, kind="comment", category=category)


def inject_reply(
    state: SandboxState,
    page: FbPage,
    *,
    parent_id: str | None = None,
    text: str | None = None,
    author: dict[str, Any] | None = None,
    created_at: datetime | None = None,
    category: str | None = None,
    media: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A reply under a comment: by default the original commenter answering back."""
    with state.lock:
        parent = state.fb.comment(str(parent_id)) if parent_id else _latest_comment(state, page)
        if parent is None:
            raise FbInjectError(f"no comment {parent_id or '(any)'} to reply to on Page {page.id}")
        post = state.fb.posts[parent.post_id]
        if post.page_id != page.id:
            raise FbInjectError(f"comment {parent.id} is not on Page {page.id}")
        top = state.fb.top_level(parent)
        if author is None and top.from_id != page.id:
            author = {"id": top.from_id}
        person = resolve_person(state, author)
        if text is None:
            text = state.traffic.fill(state.traffic.rng.choice(texts.FOLLOW_UPS))
            category = category or "follow_up"
        comment = state.fb.add_comment(
            post=post, from_id=person.id, message=text, parent=parent, created_time=created_at
        )
        comment.media_keys = [fb_blob(state, m).key for m in (media or [])[:1]]
        return comment_item(state, comment, page, kind="reply", category=category)


def inject_message(
    state: SandboxState,
    page: FbPage,
    *,
    text: str | None = None,
    author: dict[str, Any] | None = None,
    created_at: datetime | None = None,
    category: str | None = None,
    media: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    with state.lock:
        person = resolve_person(state, author)
        if text is None:
            category, text = state.traffic.dm(category)
        conv = state.fb.conversation_with(page.id, person.id)
        message = state.fb.add_message(
            conversation=conv, from_id=person.id, text=text or "", created_time=created_at
        )
        message.media_keys = [fb_blob(state, m).key for m in media or []]
        return message_item(state, message, page, category=category)


def inject_post(
    state: SandboxState,
    page: FbPage,
    *,
    tag: bool = False,
    text: str | None = None,
    author: dict[str, Any] | None = None,
    created_at: datetime | None = None,
    category: str | None = None,
    media: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A person's post on the Page's timeline (a visitor post), or on their
    own timeline tagging the Page (``tag``)."""
    with state.lock:
        person = resolve_person(state, author)
        if text is None:
            category, text = comment_text(state.traffic, category, flavour_of(page))
            if tag:
                text = f"{text} {page.name}"
        post = state.fb.add_post(
            page_id=person.id if tag else page.id,
            from_id=person.id,
            message=text,
            created_time=created_at,
            origin="inject",
            tagged_ids=[page.id] if tag else [],
        )
        return {
            **post_item(post),
            "network": "fb",
            "kind": "tag" if tag else "visitor_post",
            "account_id": page.id,
            "text": post.message,
            "author": {"id": person.id, "name": person.name},
            "tagged_ids": list(post.tagged_ids),
            "category": category,
        }


def comment_item(
    state: SandboxState, comment: FbComment, page: FbPage, *, kind: str, category: str | None = None
) -> dict[str, Any]:
    return {
        "network": "fb",
        "kind": kind,
        "page_id": page.id,
        "account_id": page.id,
        "id": comment.id,
        "post_id": comment.post_id,
        "parent_id": comment.parent_id,
        "text": comment.message,
        "author": {"id": comment.from_id, "name": state.fb.name_of(comment.from_id)},
        "created_at": format_fb_time(comment.created_time),
        "category": category,
        "media": [media_item(state, k) for k in comment.media_keys],
    }


def message_item(
    state: SandboxState, message: FbMessage, page: FbPage, *, category: str | None = None
) -> dict[str, Any]:
    return {
        "network": "fb",
        "kind": "message",
        "page_id": page.id,
        "account_id": page.id,
        "id": message.id,
        "conversation_id": message.conversation_id,
        "text": message.text,
        "author": {"id": message.from_id, "name": state.fb.name_of(message.from_id)},
        "created_at": format_fb_time(message.created_time),
        "category": category,
        "media": [media_item(state, k) for k in message.media_keys],
    }


def page_item(state: SandboxState, page: FbPage) -> dict[str, Any]:
    return {
        "id": page.id,
        "name": page.name,
        "username": page.username,
        "followers_count": page.followers_count,
        "access_token": sorted(page.tokens)[0],
        "posts": len(state.fb.posts_of(page.id, who="own")),
    }


def post_item(post: FbPost) -> dict[str, Any]:
    return {
        "id": post.id,
        "page_id": post.page_id,
        "message": post.message,
        "created_at": format_fb_time(post.created_time),
    }


def _page(state: SandboxState, page_id: Any) -> FbPage:
    if page_id:
        return state.fb.ensure_page(str(page_id))
    pages = list(state.fb.pages.values())
    if not pages:
        raise FbInjectError("no Facebook Page registered; pass page_id")
    return state.rng.choice(pages)


def _post(state: SandboxState, page: FbPage, post_id: str | None) -> FbPost:
    if post_id:
        post = state.fb.post(str(post_id))
        if post is None or post.page_id != page.id:
            raise FbInjectError(f"no post {post_id} on Page {page.id}")
        return post
    posts = state.fb.posts_of(page.id, who="own")
    if posts:
        return posts[0]
    # A Page with no posts yet gets an announcement to comment on.
    return state.fb.add_post(page_id=page.id, message=state.traffic.announcement(flavour_of(page)))


def _latest_comment(state: SandboxState, page: FbPage) -> FbComment | None:
    for post in state.fb.posts_of(page.id):
        top = [c for c in state.fb.comments_on(post.id, stream=False) if c.from_id != page.id]
        if top:
            return top[-1]
    return None


def _free_id(state: SandboxState, traffic: TrafficGenerator) -> str:
    while True:
        candidate = str(traffic.rng.randint(10**15, 10**16 - 1))
        if state.fb.user(candidate) is None and state.fb.page(candidate) is None:
            return candidate
