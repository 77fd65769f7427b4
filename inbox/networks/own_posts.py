"""Reading the account's own posts and their public metrics (issue 20 point 7).

Each connector lists its own posts newest first (X: the user's timeline with
``public_metrics``; Facebook: ``/{page}/posts`` with the reactions, comments
and shares summaries, and impressions from each post's insights; Bluesky:
``app.bsky.feed.getAuthorFeed`` with the post views' counts; Mastodon: the
account's statuses with their counts)
and maps each raw post here. A post the mapper cannot read becomes an
``Unparseable`` and the rest of the page goes on, as for inbound items.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from inbox.networks import reading
from inbox.networks.base import NetworkError, OwnPost, OwnPostsRead, Unparseable

TEXT_LIMIT = 2000  # a Facebook post may be 63,206 characters; the KPI page shows the start


def web_link(value: Any) -> str:
    """An http(s) address the network gave, or "" (never a ``javascript:`` link)."""
    if not isinstance(value, str) or len(value) > 500:
        return ""
    lowered = value.lower()
    if not lowered.startswith(("https://", "http://")) or any(c.isspace() for c in value):
        return ""
    return value


def read_back(
    pages: Iterable[list[Any]],
    mapper: Callable[[Any], OwnPost | None],
    *,
    since: datetime,
    what: str,
) -> OwnPostsRead:
    """Map pages (newest first) until a post older than ``since``. A network
    error keeps what was read before it."""
    posts: list[OwnPost] = []
    bad: list[Unparseable] = []
    try:
        for page in pages:
            older = False
            for raw in page:
                post = reading.read_one(bad, raw, mapper, what)
                if post is None:
                    continue
                if post.posted_at < since:
                    older = True
                    continue
                posts.append(post)
            if older:
                break
    except NetworkError as exc:
        return OwnPostsRead(posts, bad, error=exc)
    return OwnPostsRead(posts, bad)


def _text(raw: dict[str, Any], key: str, what: str) -> str:
    return reading.text(raw, key, what, required=False)[:TEXT_LIMIT]


def map_tweet(raw: Any, *, parse_time: Callable[[Any], datetime]) -> OwnPost:
    """A tweet of the account's timeline with ``public_metrics``."""
    tweet = reading.obj(raw, "tweet")
    tweet_id = reading.numeric_id(tweet, "id", "tweet")
    metrics = reading.obj(reading.need(tweet, "public_metrics", "tweet"), "tweet's public_metrics")
    where = "tweet's public_metrics"
    return OwnPost(
        external_id=tweet_id,
        text=_text(tweet, "text", "tweet"),
        posted_at=reading.moment(tweet, "created_at", "tweet", parse_time),
        # X's own address for a post when the handle is not at hand.
        permalink=f"https://x.com/i/web/status/{tweet_id}",
        likes=reading.count(metrics, "like_count", where),
        replies=reading.count(metrics, "reply_count", where),
        reposts=reading.count(metrics, "retweet_count", where),
        quotes=reading.count(metrics, "quote_count", where),
        impressions=(
            reading.count(metrics, "impression_count", where)
            if metrics.get("impression_count") is not None
            else None
        ),
    )


def _summary_total(raw: dict[str, Any], key: str, what: str) -> int:
    """``reactions.summary.total_count`` (0 when Graph leaves the edge out)."""
    edge = raw.get(key)
    if edge is None:
        return 0
    summary = reading.obj(edge, f"{what}'s {key}").get("summary")
    if summary is None:
        return 0
    return reading.count(reading.obj(summary, f"{what}'s {key} summary"), "total_count", what)


def map_page_post(raw: Any, *, parse_time: Callable[[Any], datetime]) -> OwnPost:
    """A Page post with ``shares`` (missing at zero) and the reactions and
    comments summaries."""
    post = reading.obj(raw, "post")
    shares = post.get("shares")
    return OwnPost(
        external_id=reading.plain_id(post, "id", "post"),
        text=_text(post, "message", "post"),
        posted_at=reading.moment(post, "created_time", "post", parse_time),
        permalink=web_link(post.get("permalink_url")),
        likes=_summary_total(post, "reactions", "post"),
        replies=_summary_total(post, "comments", "post"),
        reposts=(
            reading.count(reading.obj(shares, "post's shares"), "count", "post's shares")
            if shares is not None
            else 0
        ),
    )


def map_ig_media(raw: Any, *, parse_time: Callable[[Any], datetime]) -> OwnPost:
    """An Instagram media object of ours: ``like_count`` (absent when the
    account hides likes: 0) and ``comments_count``; Instagram has no shares
    in the media node."""
    media = reading.obj(raw, "media")
    return OwnPost(
        external_id=reading.plain_id(media, "id", "media"),
        text=_text(media, "caption", "media"),
        posted_at=reading.moment(media, "timestamp", "media", parse_time),
        permalink=web_link(media.get("permalink")),
        likes=reading.count(media, "like_count", "media") if "like_count" in media else 0,
        replies=reading.count(media, "comments_count", "media"),
    )


def map_status(
    raw: Any, *, parse_time: Callable[[Any], datetime], to_text: Callable[[str], str]
) -> OwnPost | None:
    """A Mastodon status of the account; direct messages are not posts (None)."""
    status = reading.obj(raw, "status")
    status_id = reading.numeric_id(status, "id", "status")
    if status.get("visibility") == "direct" or status.get("reblog"):
        return None
    return OwnPost(
        external_id=status_id,
        text=to_text(reading.text(status, "content", "status"))[:TEXT_LIMIT],
        posted_at=reading.moment(status, "created_at", "status", parse_time),
        permalink=web_link(status.get("url")),
        likes=reading.count(status, "favourites_count", "status"),
        replies=reading.count(status, "replies_count", "status"),
        reposts=reading.count(status, "reblogs_count", "status"),
        quotes=reading.count(status, "quotes_count", "status"),
    )


def map_feed_item(raw: Any, *, parse_time: Callable[[Any], datetime]) -> OwnPost | None:
    """An ``app.bsky.feed.defs#feedViewPost`` of the account's author feed.
    A repost of someone else's post (it has a ``reason``) is not ours: None."""
    item = reading.obj(raw, "feed item")
    if item.get("reason") is not None:
        return None
    post = reading.obj(reading.need(item, "post", "feed item"), "feed item's post")
    uri = reading.text(post, "uri", "post")
    parts = uri.removeprefix("at://").split("/")
    if not uri.startswith("at://") or len(parts) != 3 or len(uri) > 300 or not all(parts):
        raise reading.Unreadable("post's uri is not an at:// post uri")
    record = reading.obj(reading.need(post, "record", "post"), "post's record")
    return OwnPost(
        external_id=uri,
        text=_text(record, "text", "post's record"),
        posted_at=reading.moment(record, "createdAt", "post's record", parse_time),
        permalink=web_link(f"https://bsky.app/profile/{parts[0]}/post/{parts[2]}"),
        likes=reading.count(post, "likeCount", "post"),
        replies=reading.count(post, "replyCount", "post"),
        reposts=reading.count(post, "repostCount", "post"),
        quotes=reading.count(post, "quoteCount", "post"),
    )
