"""Mastodon's JSON entities and its id-window paging with Link headers.

Shapes follow docs.joinmastodon.org (Account, Status, Notification,
Conversation, Instance v2). Status ``content`` is HTML, as Mastodon sends it:
paragraphs, ``<br />`` line breaks and mentions as h-card links, so a client
must turn it back into text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from sandbox.clock import format_x_time
from sandbox.masto_store import DOMAIN, MastoAccount, MastoNotification, MastoStatus
from sandbox.router import Request

if TYPE_CHECKING:
    from sandbox.masto_store import MastoStore
    from sandbox.media import MediaBlob

T = TypeVar("T")
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_]+(?:@[A-Za-z0-9.-]+)?)")
URL = re.compile(r"https?://\S+")


def account_json(account: MastoAccount, store: MastoStore, *, source: bool = False) -> dict:
    domain = account.domain or DOMAIN
    statuses = sum(1 for s in store.statuses.values() if s.account_id == account.id)
    data: dict[str, Any] = {
        "id": account.id,
        "username": account.username,
        "acct": account.acct,
        "display_name": account.display_name,
        "locked": False,
        "bot": account.bot,
        "discoverable": True,
        "group": False,
        "created_at": format_x_time(account.created_at) if account.created_at else None,
        "note": f"<p>{html.escape(account.note)}</p>" if account.note else "",
        "url": f"https://{domain}/@{account.username}",
        "uri": f"https://{domain}/users/{account.username}",
        "avatar": f"https://{DOMAIN}/avatars/original/missing.png",
        "avatar_static": f"https://{DOMAIN}/avatars/original/missing.png",
        "header": f"https://{DOMAIN}/headers/original/missing.png",
        "header_static": f"https://{DOMAIN}/headers/original/missing.png",
        "followers_count": account.followers_count,
        "following_count": 40 + int(account.id[-2:] or 0),
        "statuses_count": statuses,
        "last_status_at": None,
        "emojis": [],
        "fields": [],
    }
    if source:
        data["source"] = {
            "privacy": "public",
            "sensitive": False,
            "language": "en",
            "note": account.note,
            "fields": [],
            "follow_requests_count": 0,
        }
    return data


def content_html(status: MastoStatus, store: MastoStore) -> str:
    """The status text as Mastodon renders it: escaped, mentions linked, <p> per paragraph."""

    def mention(match: re.Match[str]) -> str:
        found = store.by_acct(match.group(1))
        if found is None:
            return html.escape(match.group(0))
        domain = found.domain or DOMAIN
        return (
            f'<span class="h-card" translate="no"><a href="https://{domain}/@{found.username}" '
            f'class="u-url mention">@<span>{html.escape(found.username)}</span></a></span>'
        )

    def line(text: str) -> str:
        out, last = [], 0
        for match in MENTION.finditer(text):
            out.append(html.escape(text[last : match.start()]))
            out.append(mention(match))
            last = match.end()
        out.append(html.escape(text[last:]))
        return "".join(out)

    paragraphs = [p for p in re.split(r"\n{2,}", status.text.strip()) if p]
    return "".join(
        "<p>" + "<br />".join(line(part) for part in p.split("\n")) + "</p>" for p in paragraphs
    )


def status_json(status: MastoStatus, store: MastoStore, viewer_id: str | None) -> dict:
    author = store.accounts[status.account_id]
    domain = author.domain or DOMAIN
    mentions = [store.accounts[m] for m in status.mention_ids if m in store.accounts]
    return {
        "id": status.id,
        "uri": f"https://{domain}/users/{author.username}/statuses/{status.id}",
        "url": f"https://{domain}/@{author.username}/{status.id}",
        "created_at": format_x_time(status.created_at),
        "account": account_json(author, store),
        "content": content_html(status, store),
        "visibility": status.visibility,
        "sensitive": False,
        "spoiler_text": "",
        "media_attachments": [
            attachment_json(blob)
            for blob in map(store.media_blob, status.media_keys)
            if blob is not None
        ],
        "application": {"name": status.application, "website": None}
        if status.application
        else None,
        "mentions": [
            {
                "id": m.id,
                "username": m.username,
                "url": f"https://{m.domain or DOMAIN}/@{m.username}",
                "acct": m.acct,
            }
            for m in mentions
        ],
        "tags": [],
        "emojis": [],
        "reblogs_count": status.reblogs_count,
        "favourites_count": store.favourites_count(status.id),
        "replies_count": store.replies_count(status.id),
        "in_reply_to_id": status.in_reply_to_id,
        "in_reply_to_account_id": status.in_reply_to_account_id,
        "reblog": None,
        "poll": None,
        "card": None,
        "language": "en",
        "text": None,
        "edited_at": None,
        "favourited": bool(viewer_id) and (viewer_id, status.id) in store.favourites,
        "reblogged": False,
        "muted": False,
        "bookmarked": False,
    }


# Mastodon's attachment types for sandbox.media's kinds.
ATTACHMENT_TYPES = {"photo": "image", "video": "video", "animated_gif": "gifv"}


def attachment_json(blob: MediaBlob) -> dict:
    """A MediaAttachment: for a video or a GIF, ``url`` is the file and
    ``preview_url`` its still (the blob the sandbox draws)."""
    kind = ATTACHMENT_TYPES.get(blob.kind, "unknown")
    still = blob.url
    url = still if kind == "image" else still.rsplit(".", 1)[0] + ".mp4"
    size = {
        "width": blob.width,
        "height": blob.height,
        "size": f"{blob.width}x{blob.height}",
        "aspect": round(blob.width / blob.height, 6),
    }
    return {
        "id": blob.key,
        "type": kind,
        "url": url,
        "preview_url": still,  # (an instance serves a smaller copy; the sandbox, the one it draws)
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": {"original": size, "small": size},
        "description": blob.alt_text or None,
        "blurhash": "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH",
    }


def notification_json(note: MastoNotification, store: MastoStore) -> dict:
    status = store.statuses.get(note.status_id or "")
    return {
        "id": note.id,
        "type": note.type,
        "group_key": f"ungrouped-{note.id}",
        "created_at": format_x_time(note.created_at),
        "account": account_json(store.accounts[note.from_id], store),
        "status": status_json(status, store, note.account_id) if status else None,
    }


def relationship_json(store: MastoStore, me: str, other: str) -> dict:
    return {
        "id": other,
        "following": False,
        "showing_reblogs": False,
        "notifying": False,
        "languages": None,
        "followed_by": False,
        "blocking": (me, other) in store.blocks,
        "blocked_by": (other, me) in store.blocks,
        "muting": (me, other) in store.mutes,
        "muting_notifications": store.mutes.get((me, other), False),
        "requested": False,
        "requested_by": False,
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
    }


def instance_json(store: MastoStore, base_url: str) -> dict:
    return {
        "domain": DOMAIN,
        "title": "Sandbox Social",
        "version": "4.3.2",
        "api_versions": {"mastodon": 2},
        "source_url": "https://github.com/mastodon/mastodon",
        "description": "The SocialDesk sandbox's Mastodon instance.",
        "usage": {"users": {"active_month": len(store.accounts)}},
        "thumbnail": {"url": f"https://{DOMAIN}/packs/media/images/preview.png"},
        "languages": ["en"],
        "configuration": {
            "urls": {"streaming": base_url.replace("http", "ws", 1)},
            "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
            "statuses": {
                "max_characters": store.max_characters,
                "max_media_attachments": 4,
                "characters_reserved_per_url": 23,
            },
            "media_attachments": {
                "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
                "image_size_limit": 16777216,
                "image_matrix_limit": 33177600,
            },
            "polls": {
                "max_options": 4,
                "max_characters_per_option": 50,
                "min_expiration": 300,
                "max_expiration": 2629746,
            },
            "translation": {"enabled": False},
        },
        "registrations": {"enabled": False, "approval_required": False, "message": None},
        "contact": {"email": "staff@social.sandbox.example", "account": None},
        "rules": [],
    }


# -- paging ---------------------------------------------------------------------


class PageError(ValueError):
    pass


def _id_arg(req: Request, name: str) -> int | None:
    value = req.arg(name)
    if not value:
        return None
    if not value.isdigit():
        raise PageError(f"{name} must be an id")
    return int(value)


def page(
    req: Request,
    rows: Sequence[T],
    key: Callable[[T], str],
    *,
    default_limit: int,
    max_limit: int,
) -> tuple[list[T], dict[str, str]]:
    """Mastodon's id window over ``rows`` (newest first): ``max_id`` (older than),
    ``since_id`` (newer than, newest page), ``min_id`` (newer than, the page just
    after it). Returns the page, newest first, and its Link header."""
    max_id, since_id, min_id = (
        _id_arg(req, "max_id"),
        _id_arg(req, "since_id"),
        _id_arg(req, "min_id"),
    )
    raw_limit = req.arg("limit")
    limit = int(raw_limit) if raw_limit and raw_limit.isdigit() else default_limit
    limit = max(1, min(limit, max_limit))
    chosen = [
        r
        for r in rows
        if (max_id is None or int(key(r)) < max_id)
        and (since_id is None or int(key(r)) > since_id)
        and (min_id is None or int(key(r)) > min_id)
    ]
    # min_id alone asks for the oldest ones just after it; otherwise the newest.
    chosen = chosen[-limit:] if min_id is not None and max_id is None else chosen[:limit]
    if not chosen:
        return [], {}
    base = f"{req.base_url}/masto{req.path}"
    kept = [(k, v) for k, vs in req.query.items() for v in vs if k not in _WINDOW_ARGS]
    older = urlencode([*kept, ("max_id", key(chosen[-1]))])
    newer = urlencode([*kept, ("min_id", key(chosen[0]))])
    return chosen, {"Link": f'<{base}?{older}>; rel="next", <{base}?{newer}>; rel="prev"'}


_WINDOW_ARGS = frozenset({"max_id", "min_id", "since_id"})
