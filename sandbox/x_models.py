"""X data kept by the sandbox: users (ours and citizens), tweets, DM events.

Also the deterministic "living world" functions: follower drift and tweet
engagement growth are pure functions of the sandbox clock, so a test that
advances the clock by a day sees the same numbers every run.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

MAX_TWEET_WEIGHT = 280
URL_WEIGHT = 23
_URL_RE = re.compile(r"https?://\S+", re.IGNORECASE)
# twitter-text v3: these code point ranges weigh 1, everything else (CJK, emoji) weighs 2.
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_MENTION_RE = re.compile(r"(?<![\w@])@(\w{1,15})", re.UNICODE)


@dataclass
class XUser:
    id: str
    username: str
    name: str
    followers_count: int  # for org accounts: the base the drift starts from
    verified: bool = False
    is_org: bool = False  # one of "our" accounts (a SocialDesk channel)
    description: str = ""
    location: str = ""
    created_at: datetime | None = None
    registered_at: datetime | None = None  # drift anchor for org accounts
    following_count: int = 0
    listed_count: int = 0
    base_tweet_count: int = 0
    # Profile hygiene: a picture of its own (else X's default egg), a banner,
    # and DMs open to everyone (else only from people it follows).
    picture_set: bool = True
    banner_set: bool = True
    dms_open: bool = True


@dataclass
class Tweet:
    id: str
    text: str
    author_id: str
    conversation_id: str
    created_at: datetime
    in_reply_to_user_id: str | None = None
    replied_to_id: str | None = None
    hidden: bool = False
    deleted: bool = False
    origin: str = "inject"  # seed | inject | api (written by the app)
    media_keys: list[str] = field(default_factory=list)

    @property
    def mentioned_usernames(self) -> list[str]:
        return mentioned_usernames(self.text)


@dataclass
class DMEvent:
    id: str
    text: str
    sender_id: str
    dm_conversation_id: str
    participant_ids: list[str]
    created_at: datetime
    event_type: str = "MessageCreate"
    origin: str = "inject"
    media_keys: list[str] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)


def one_to_one_conversation_id(a: str, b: str) -> str:
    """X's 1:1 DM conversation id: both user ids, numerically sorted, joined by '-'."""
    low, high = sorted((a, b), key=int)
    return f"{low}-{high}"


def mentioned_usernames(text: str) -> list[str]:
    return _MENTION_RE.findall(text)


def mentions_username(text: str, username: str) -> bool:
    wanted = username.lower()
    return any(name.lower() == wanted for name in mentioned_usernames(text))


def weighted_length(text: str) -> int:
    """Approximate twitter-text v3 weighted length (URLs count 23, wide chars 2)."""
    text = unicodedata.normalize("NFC", text)
    total = URL_WEIGHT * len(_URL_RE.findall(text))
    text = _URL_RE.sub("", text)
    for char in text:
        code = ord(char)
        total += 1 if any(lo <= code <= hi for lo, hi in _LIGHT_RANGES) else 2
    return total


def unit(*parts: object) -> float:
    """A stable pseudo-random number in [0, 1) from the given parts (no global RNG)."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def follower_count(user: XUser, now: datetime) -> int:
    """Followers of a user at sandbox time `now`.

    Org accounts drift: a steady gain proportional to audience size plus a
    small hourly wobble (some unfollows), so daily snapshots differ.
    Citizens keep their count.
    """
    if not user.is_org or user.registered_at is None:
        return user.followers_count
    hours = (now - user.registered_at).total_seconds() / 3600
    rate = max(0.25, user.followers_count / 4000)  # ~110/day for an 18k account
    wobble = (unit(user.id, "wobble", math.floor(hours)) - 0.5) * 3 * rate
    return max(0, round(user.followers_count + rate * hours + wobble))


def tweet_public_metrics(
    tweet: Tweet,
    *,
    author_followers: int,
    reply_count: int,
    liked_by_orgs: int,
    now: datetime,
) -> dict[str, int]:
    """Engagement that grows with the tweet's age and saturates after ~a day.

    Deterministic per tweet id, scaled by the author's audience. reply_count is
    the real number of replies held in the sandbox.
    """
    age_hours = max(0.0, (now - tweet.created_at).total_seconds() / 3600)
    spread = 1 - math.exp(-age_hours / 6)
    reach = max(15.0, author_followers * (0.04 + 0.2 * unit(tweet.id, "reach")))
    impressions = int(reach * spread)
    likes = int(impressions * (0.004 + 0.025 * unit(tweet.id, "likes"))) + liked_by_orgs
    retweets = int(likes * 0.3 * unit(tweet.id, "rt"))
    return {
        "retweet_count": retweets,
        "reply_count": reply_count,
        "like_count": likes,
        "quote_count": int(retweets * 0.25),
        "bookmark_count": int(likes * 0.1),
        "impression_count": impressions,
    }


def user_public_metrics(user: XUser, *, tweets_in_sandbox: int, now: datetime) -> dict[str, int]:
    followers = follower_count(user, now)
    return {
        "followers_count": followers,
        "following_count": user.following_count,
        "tweet_count": user.base_tweet_count + tweets_in_sandbox,
        "listed_count": user.listed_count or followers // 150,
    }
