"""Render sandbox objects as X API v2 JSON, with X's field-selection rules.

X only returns the default fields (id, text, edit_history_tweet_ids for
tweets; id, name, username for users; id, event_type, text for DM events)
plus what `*.fields` asks for. The sandbox does the same so the app never
comes to rely on a field it did not request.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox.clock import format_x_time, parse_time
from sandbox.media import MediaBlob, MediaStore
from sandbox.router import Request
from sandbox.x_errors import field_authorization_error, invalid_request
from sandbox.x_models import DMEvent, Tweet, XUser, mentioned_usernames
from sandbox.x_store import XStore

TWEET_FIELDS = frozenset(
    [
        "article",
        "attachments",
        "author_id",
        "card_uri",
        "community_id",
        "context_annotations",
        "conversation_id",
        "created_at",
        "display_text_range",
        "edit_controls",
        "edit_history_tweet_ids",
        "entities",
        "geo",
        "id",
        "in_reply_to_user_id",
        "lang",
        "media_metadata",
        "non_public_metrics",
        "note_tweet",
        "organic_metrics",
        "possibly_sensitive",
        "promoted_metrics",
        "public_metrics",
        "referenced_tweets",
        "reply_settings",
        "scopes",
        "source",
        "text",
        "withheld",
    ]
)
# What X shows for an account that never set a picture.
DEFAULT_PROFILE_IMAGE = (
    "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
)
USER_FIELDS = frozenset(
    [
        "affiliation",
        "connection_status",
        "created_at",
        "description",
        "entities",
        "id",
        "location",
        "most_recent_tweet_id",
        "name",
        "pinned_tweet_id",
        "profile_banner_url",
        "profile_image_url",
        "protected",
        "public_metrics",
        "receives_your_dm",
        "subscription_type",
        "url",
        "username",
        "verified",
        "verified_type",
        "withheld",
    ]
)
TWEET_EXPANSIONS = frozenset(
    [
        "article.cover_media",
        "article.media_entities",
        "attachments.media_keys",
        "attachments.media_source_tweet",
        "attachments.poll_ids",
        "author_id",
        "edit_history_tweet_ids",
        "entities.mentions.username",
        "geo.place_id",
        "in_reply_to_user_id",
        "entities.note.mentions.username",
        "referenced_tweets.id",
        "referenced_tweets.id.attachments.media_keys",
        "referenced_tweets.id.author_id",
    ]
)
USER_EXPANSIONS = frozenset({"pinned_tweet_id", "affiliation.user_id", "most_recent_tweet_id"})
DM_FIELDS = frozenset(
    [
        "attachments",
        "created_at",
        "dm_conversation_id",
        "entities",
        "event_type",
        "id",
        "participant_ids",
        "referenced_tweets",
        "sender_id",
        "text",
    ]
)
DM_EXPANSIONS = frozenset(
    {"attachments.media_keys", "participant_ids", "referenced_tweets.id", "sender_id"}
)
MEDIA_FIELDS = frozenset(
    [
        "alt_text",
        "duration_ms",
        "height",
        "media_key",
        "non_public_metrics",
        "organic_metrics",
        "preview_image_url",
        "promoted_metrics",
        "public_metrics",
        "type",
        "url",
        "variants",
        "width",
    ]
)
DM_EVENT_TYPES = frozenset({"MessageCreate", "ParticipantsJoin", "ParticipantsLeave"})
PRIVATE_METRICS = ("non_public_metrics", "organic_metrics")


def csv_param(req: Request, name: str, allowed: frozenset[str]) -> list[str]:
    """A comma-separated query parameter (how tweepy sends lists), validated like X does."""
    raw = req.arg(name)
    if raw is None:
        return []
    values = list(dict.fromkeys(v.strip() for v in raw.split(",") if v.strip()))
    for value in values:
        if value not in allowed:
            raise invalid_request(
                name,
                value,
                f"The `{name}` query parameter value [{value}] is not one of [{','.join(sorted(allowed))}]",
            )
    return values


def int_param(req: Request, name: str, default: int, low: int, high: int) -> int:
    raw = req.arg(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise invalid_request(
            name, raw, f"The `{name}` query parameter value [{raw}] is not between {low} and {high}"
        )
    return int(raw)


def id_param(req: Request, name: str) -> int | None:
    raw = req.arg(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise invalid_request(name, raw, f"The `{name}` query parameter value [{raw}] is not valid")
    return int(raw)


def time_param(req: Request, name: str) -> datetime | None:
    raw = req.arg(name)
    if not raw:
        return None
    try:
        return parse_time(raw)
    except ValueError:
        raise invalid_request(
            name, raw, f"Invalid '{name}':'{raw}'. '{name}' must be a valid RFC3339 date."
        ) from None


# -- pagination ---------------------------------------------------------------


def encode_token(below_id: int) -> str:
    """Opaque, stable token: "items with id below N" (base32 so it looks like X's)."""
    return base64.b32encode(f"p1:{below_id}".encode()).decode().rstrip("=").lower()


def decode_token(req: Request, name: str = "pagination_token") -> int | None:
    raw = req.arg(name)
    if not raw:
        return None
    try:
        padded = raw.upper() + "=" * (-len(raw) % 8)
        prefix, _, value = base64.b32decode(padded).decode().partition(":")
        if prefix != "p1" or not value.isdigit():
            raise ValueError(raw)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid_request(
            name, raw, f"The `{name}` query parameter value [{raw}] is not valid"
        ) from None


@dataclass
class Page:
    items: list[Any]
    next_token: str | None


def paginate(
    items: list[Any], max_results: int, below: int | None, *, repeat: bool = False
) -> Page:
    """Cut one page from `items` (newest first, `.id` numeric strings).

    `repeat` (the duplicate_page fault) makes the next token point back at this
    page's first item, so the next page serves these items again.
    """
    if below is not None:
        items = [i for i in items if int(i.id) < below]
    page = items[:max_results]
    next_token = encode_token(int(page[-1].id)) if len(items) > max_results else None
    if repeat and page:
        next_token = encode_token(int(page[0].id) + 1)
    return Page(page, next_token)


# -- objects -------------------------------------------------------------------


def render_user(store: XStore, user: XUser, fields: list[str], base_url: str) -> dict[str, Any]:
    out: dict[str, Any] = {"id": user.id, "name": user.name, "username": user.username}
    if "public_metrics" in fields:
        out["public_metrics"] = store.user_metrics(user)
    if "verified" in fields:
        out["verified"] = user.verified
    if "verified_type" in fields:
        out["verified_type"] = "blue" if user.verified else "none"
    if "profile_image_url" in fields:
        out["profile_image_url"] = (
            f"{base_url}/_sandbox/avatars/{user.id}.svg"
            if user.picture_set
            else DEFAULT_PROFILE_IMAGE
        )
    if "profile_banner_url" in fields and user.banner_set:
        out["profile_banner_url"] = f"https://pbs.twimg.com/profile_banners/{user.id}/1700000000"
    if "receives_your_dm" in fields:
        out["receives_your_dm"] = user.dms_open
    if "description" in fields:
        out["description"] = user.description
    if "location" in fields and user.location:
        out["location"] = user.location
    if "created_at" in fields and user.created_at:
        out["created_at"] = format_x_time(user.created_at)
    if "protected" in fields:
        out["protected"] = False
    if "url" in fields:
        out["url"] = ""
    return out


def render_tweet(
    store: XStore,
    tweet: Tweet,
    fields: list[str],
    viewer_id: str | None,
    errors: list[dict[str, Any]],
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": tweet.id, "text": tweet.text, "edit_history_tweet_ids": [tweet.id]}
    if "created_at" in fields:
        out["created_at"] = format_x_time(tweet.created_at)
    if "author_id" in fields:
        out["author_id"] = tweet.author_id
    if "conversation_id" in fields:
        out["conversation_id"] = tweet.conversation_id
    if "in_reply_to_user_id" in fields and tweet.in_reply_to_user_id:
        out["in_reply_to_user_id"] = tweet.in_reply_to_user_id
    if "referenced_tweets" in fields and tweet.replied_to_id:
        out["referenced_tweets"] = [{"type": "replied_to", "id": tweet.replied_to_id}]
    if "attachments" in fields and tweet.media_keys:
        out["attachments"] = {"media_keys": list(tweet.media_keys)}
    if "public_metrics" in fields:
        out["public_metrics"] = store.public_metrics(tweet)
    if "lang" in fields:
        out["lang"] = "en"
    if "possibly_sensitive" in fields:
        out["possibly_sensitive"] = False
    if "reply_settings" in fields:
        out["reply_settings"] = "everyone"
    if "entities" in fields:
        entities = _mention_entities(store, tweet.text)
        if entities:
            out["entities"] = {"mentions": entities}
    if "edit_controls" in fields:
        until = tweet.created_at + timedelta(hours=1)
        out["edit_controls"] = {
            "edits_remaining": 5,
            "is_edit_eligible": True,
            "editable_until": format_x_time(until),
        }
    _private_metrics(store, tweet, fields, viewer_id, out, errors)
    return out


def _private_metrics(
    store: XStore,
    tweet: Tweet,
    fields: list[str],
    viewer_id: str | None,
    out: dict[str, Any],
    errors: list[dict[str, Any]],
) -> None:
    # Only the author (with user auth) may read these, and X says so per tweet.
    for field in PRIVATE_METRICS:
        if field not in fields:
            continue
        if viewer_id != tweet.author_id:
            errors.append(field_authorization_error(field, tweet.id))
            continue
        public = store.public_metrics(tweet)
        clicks = int(public["impression_count"] * 0.02)
        if field == "non_public_metrics":
            out[field] = {
                "impression_count": public["impression_count"],
                "user_profile_clicks": clicks,
            }
        else:
            out[field] = {
                "impression_count": public["impression_count"],
                "like_count": public["like_count"],
                "reply_count": public["reply_count"],
                "retweet_count": public["retweet_count"],
                "user_profile_clicks": clicks,
            }


def _mention_entities(store: XStore, text: str) -> list[dict[str, Any]]:
    found, cursor = [], 0
    for username in mentioned_usernames(text):
        start = text.find(f"@{username}", cursor)
        cursor = start + len(username) + 1
        entity: dict[str, Any] = {"start": start, "end": cursor, "username": username}
        user = store.user_by_username(username)
        if user is not None:
            entity["id"] = user.id
        found.append(entity)
    return found


def render_dm(event: DMEvent, fields: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": event.id, "event_type": event.event_type, "text": event.text}
    if "created_at" in fields:
        out["created_at"] = format_x_time(event.created_at)
    if "sender_id" in fields:
        out["sender_id"] = event.sender_id
    if "dm_conversation_id" in fields:
        out["dm_conversation_id"] = event.dm_conversation_id
    if "participant_ids" in fields:
        out["participant_ids"] = list(event.participant_ids)
    if "attachments" in fields and event.media_keys:
        out["attachments"] = {"media_keys": list(event.media_keys)}
    return out


def render_media(blob: MediaBlob, fields: list[str]) -> dict[str, Any]:
    """One ``includes.media`` object: media_key and type always; a photo's
    ``url`` and a video's ``preview_image_url`` only when asked for."""
    out: dict[str, Any] = {"media_key": blob.key, "type": blob.kind}
    if "url" in fields and blob.kind == "photo":
        out["url"] = blob.url
    if "preview_image_url" in fields and blob.kind != "photo":
        out["preview_image_url"] = blob.url
    if "width" in fields:
        out["width"] = blob.width
    if "height" in fields:
        out["height"] = blob.height
    if "alt_text" in fields and blob.alt_text:
        out["alt_text"] = blob.alt_text
    if "duration_ms" in fields and blob.kind == "video":
        out["duration_ms"] = 12_000
    if "variants" in fields and blob.kind != "photo":
        folder = "ext_tw_video" if blob.kind == "video" else "tweet_video"
        number = blob.key.split("_", 1)[-1]
        out["variants"] = [
            {
                "bit_rate": 2_176_000,
                "content_type": "video/mp4",
                "url": f"https://video.twimg.com/{folder}/{number}/vid/1280x720/clip.mp4",
            },
            {
                "content_type": "application/x-mpegURL",
                "url": f"https://video.twimg.com/{folder}/{number}/pl/clip.m3u8",
            },
        ]
    return out


def media_includes(
    store: MediaStore, items: list[Tweet] | list[DMEvent], fields: list[str]
) -> list[dict[str, Any]]:
    keys = dict.fromkeys(k for item in items for k in item.media_keys)
    blobs = [store.key(k) for k in keys]
    return [render_media(b, fields) for b in blobs if b is not None]


def tweet_includes(
    store: XStore,
    tweets: list[Tweet],
    *,
    expansions: list[str],
    tweet_fields: list[str],
    user_fields: list[str],
    base_url: str,
    viewer_id: str | None,
    errors: list[dict[str, Any]],
) -> dict[str, Any]:
    user_ids: list[str] = []
    referenced: list[Tweet] = []
    for tweet in tweets:
        if "author_id" in expansions:
            user_ids.append(tweet.author_id)
        if "in_reply_to_user_id" in expansions and tweet.in_reply_to_user_id:
            user_ids.append(tweet.in_reply_to_user_id)
        if "entities.mentions.username" in expansions:
            for username in mentioned_usernames(tweet.text):
                user = store.user_by_username(username)
                if user is not None:
                    user_ids.append(user.id)
        if "referenced_tweets.id" in expansions and tweet.replied_to_id:
            parent = store.tweet(tweet.replied_to_id)
            if parent is not None and parent not in referenced:
                referenced.append(parent)
    if "referenced_tweets.id.author_id" in expansions:
        user_ids.extend(t.author_id for t in referenced)
    includes: dict[str, Any] = {}
    users = [store.user(uid) for uid in dict.fromkeys(user_ids)]
    if any(users):
        includes["users"] = [render_user(store, u, user_fields, base_url) for u in users if u]
    if referenced:
        includes["tweets"] = [
            render_tweet(store, t, tweet_fields, viewer_id, errors) for t in referenced
        ]
    return includes


def dm_includes(
    store: XStore,
    events: list[DMEvent],
    expansions: list[str],
    user_fields: list[str],
    base_url: str,
) -> dict[str, Any]:
    user_ids: list[str] = []
    for event in events:
        if "sender_id" in expansions:
            user_ids.append(event.sender_id)
        if "participant_ids" in expansions:
            user_ids.extend(event.participant_ids)
    users = [store.user(uid) for uid in dict.fromkeys(user_ids)]
    if not any(users):
        return {}
    return {"users": [render_user(store, u, user_fields, base_url) for u in users if u]}
