"""Facebook data kept by the sandbox: Pages, people, posts, comments, Messenger.

Also the "living world" numbers (followers, reactions, shares, insights) as
pure functions of the sandbox clock, like x_models, so a test that moves the
clock sees the same figures every run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sandbox.x_models import unit

# Graph renders times as "2024-05-01T10:00:00+0000" (no milliseconds, +0000).
FB_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S+0000"
# Messenger's standard reply window, and the longer one human agents get with
# the HUMAN_AGENT tag (and private replies to comments).
WINDOW_HOURS = 24
HUMAN_AGENT_DAYS = 7


def format_fb_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(FB_TIME_FORMAT)


@dataclass
class FbPage:
    id: str
    name: str
    username: str
    followers_count: int  # the base the drift starts from
    category: str = "Government organisation"
    about: str = ""
    registered_at: datetime | None = None
    tokens: set[str] = field(default_factory=set)
    subscribed_fields: list[str] = field(default_factory=list)
    # Profile hygiene: the verified badge, a picture (else the grey
    # silhouette), a cover photo, and whether people can message the Page.
    verified: bool = False
    picture_set: bool = True
    cover_set: bool = True
    users_can_message: bool = True


@dataclass
class FbUser:
    """A member of the public: one page-scoped id (the sandbox uses it both as
    the commenter's id and as their Messenger PSID)."""

    id: str
    name: str


@dataclass
class FbPost:
    id: str  # "{page_id}_{n}"
    page_id: str
    message: str
    created_time: datetime
    updated_time: datetime
    origin: str = "seed"
    deleted: bool = False
    # Who wrote it: "" is the Page itself; a person's id for a visitor post
    # (``page_id`` is then the Page it was posted on) or for a post elsewhere
    # (``page_id`` is that person's own timeline) that tags Pages.
    from_id: str = ""
    tagged_ids: list[str] = field(default_factory=list)
    is_hidden: bool = False  # a visitor post the Page hid from its timeline

    @property
    def number(self) -> str:
        return self.id.split("_", 1)[1]

    @property
    def author_id(self) -> str:
        return self.from_id or self.page_id

    @property
    def by_visitor(self) -> bool:
        return self.author_id != self.page_id


@dataclass
class FbComment:
    id: str  # "{post n}_{m}"
    post_id: str
    from_id: str  # a person's id, or the page id for the page's own comments
    message: str
    created_time: datetime
    parent_id: str | None = None  # the top-level comment this replies to
    is_hidden: bool = False
    deleted: bool = False
    private_reply_id: str | None = None  # Messenger message sent as a private reply
    origin: str = "inject"
    liked_by_page: bool = False
    media_keys: list[str] = field(default_factory=list)  # at most one: Graph's ``attachment``


@dataclass
class FbConversation:
    id: str  # "t_..."
    page_id: str
    user_id: str
    updated_time: datetime


@dataclass
class FbMessage:
    id: str  # "m_..."
    conversation_id: str
    from_id: str
    to_id: str
    text: str
    created_time: datetime
    origin: str = "inject"
    meta: dict[str, object] = field(default_factory=dict)
    media_keys: list[str] = field(default_factory=list)


def page_followers(page: FbPage, now: datetime) -> int:
    """Followers at sandbox time `now`: steady growth plus an hourly wobble."""
    if page.registered_at is None:
        return page.followers_count
    hours = (now - page.registered_at).total_seconds() / 3600
    rate = max(0.2, page.followers_count / 5000)
    wobble = (unit(page.id, "wobble", math.floor(hours)) - 0.5) * 3 * rate
    return max(0, round(page.followers_count + rate * hours + wobble))


def post_engagement(post: FbPost, followers: int, now: datetime) -> dict[str, int]:
    """Reactions, shares, impressions and clicks that grow with the post's age
    and level off after about a day. Deterministic per post id."""
    age_hours = max(0.0, (now - post.created_time).total_seconds() / 3600)
    spread = 1 - math.exp(-age_hours / 8)
    reach = max(20.0, followers * (0.05 + 0.25 * unit(post.id, "reach")))
    impressions = int(reach * spread * 1.6)
    unique = int(reach * spread)
    reactions = int(unique * (0.01 + 0.04 * unit(post.id, "reactions")))
    shares = int(reactions * 0.4 * unit(post.id, "shares"))
    clicks = int(unique * (0.02 + 0.05 * unit(post.id, "clicks")))
    return {
        "post_impressions": impressions,
        "post_impressions_unique": unique,
        "post_clicks": clicks,
        "reactions": reactions,
        "shares": shares,
    }


def reactions_by_type(total: int, post_id: str) -> dict[str, int]:
    like = int(total * (0.6 + 0.2 * unit(post_id, "like")))
    love = int((total - like) * 0.5)
    return {
        "like": like,
        "love": love,
        "wow": 0,
        "haha": 0,
        "sorry": 0,
        "anger": total - like - love,
    }
