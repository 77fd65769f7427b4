"""Inbound citizen traffic on X: mentions, replies and DMs to our accounts.

Shared by the control API (/_sandbox/x/inject), the trickle thread and the
scenarios, so demo traffic and test traffic are built the same way.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sandbox.clock import format_x_time
from sandbox.inject_spec import read_inject_spec
from sandbox.media import media_item, x_blob
from sandbox.traffic import TrafficGenerator
from sandbox.x_models import Tweet, XUser

if TYPE_CHECKING:
    from sandbox.state import SandboxState

INJECT_KINDS = ("mention", "reply", "dm")


class InjectError(ValueError):
    """The inject request cannot be satisfied (bad kind, unknown tweet...)."""


def flavour_of(account: XUser) -> str:
    """Which text pool suits the account: the highways team gets road traffic."""
    label = f"{account.username} {account.name}".lower()
    return "roads" if "road" in label or "highway" in label else "council"


def new_citizen(
    state: SandboxState, traffic: TrafficGenerator | None = None, **overrides: Any
) -> XUser:
    """Register a generated resident (fields in `overrides` win).

    `traffic` lets a scenario use its own fixed-seed generator, so seeded
    worlds are the same on every run whatever was injected before.
    """
    traffic = traffic or state.traffic
    with state.lock:
        profile = traffic.citizen()
        profile.update({k: v for k, v in overrides.items() if v is not None})
        user_id = str(profile.pop("id", "") or _free_user_id(state, traffic.rng))
        if state.x.user_by_username(profile["username"]):
            profile["username"] = f"{profile['username'][:11]}{user_id[-4:]}"
        state.traffic.remember_handle(profile["username"])
        traffic.remember_handle(profile["username"])
        return state.x.add_user(id=user_id, **profile)


def resolve_author(
    state: SandboxState, author: dict[str, Any] | None, *, reuse: float = 0.6
) -> XUser:
    """The citizen described by `author` (by id or username), created if new.

    Without a description, an existing citizen is reused with probability
    `reuse` (real inboxes see the same people again), else a new one is made.
    """
    with state.lock:
        if author:
            found = None
            if author.get("id"):
                found = state.x.user(str(author["id"]))
            if found is None and author.get("username"):
                found = state.x.user_by_username(str(author["username"]))
            if found is not None:
                return found
            fields = (
                "id",
                "username",
                "name",
                "followers_count",
                "verified",
                "description",
                "location",
            )
            return new_citizen(state, **{k: author.get(k) for k in fields})
        citizens = state.x.citizens()
        if citizens and state.rng.random() < reuse:
            return state.rng.choice(citizens)
        return new_citizen(state)


def inject(state: SandboxState, spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Handle one /_sandbox/x/inject request; returns the created items."""
    kind, count, common = read_inject_spec(
        spec, kinds=INJECT_KINDS, default_kind="mention", error=InjectError
    )
    with state.lock:
        account = _account(state, spec.get("account_id"))
        items = []
        for _ in range(count):
            if kind == "dm":
                items.append(inject_dm(state, account, **common))
            else:
                parent_id = spec.get("in_reply_to_tweet_id")
                if kind == "reply" and not parent_id:
                    parent_id = _default_parent(state, account)
                items.append(
                    inject_mention(state, account, in_reply_to_tweet_id=parent_id, **common)
                )
        return items


def inject_mention(
    state: SandboxState,
    account: XUser,
    *,
    text: str | None = None,
    author: dict[str, Any] | None = None,
    in_reply_to_tweet_id: str | None = None,
    created_at: datetime | None = None,
    category: str | None = None,
    media: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A public tweet mentioning (or replying into a thread of) `account`."""
    with state.lock:
        parent = None
        if in_reply_to_tweet_id:
            parent = state.x.tweet(str(in_reply_to_tweet_id))
            if parent is None:
                raise InjectError(f"no tweet {in_reply_to_tweet_id} to reply to")
        citizen = _author_for(state, author, parent)
        if text is None:
            if parent is not None:
                text = _follow_up_text(state, account, parent, citizen)
                category = category or "follow_up"
            else:
                category, text = state.traffic.mention(
                    account.username, category, flavour_of(account)
                )
        tweet = state.x.add_tweet(
            author_id=citizen.id, text=text, in_reply_to=parent, created_at=created_at
        )
        tweet.media_keys = [x_blob(state, m).key for m in media or []]
        return tweet_item(
            state, tweet, account, kind="reply" if parent else "mention", category=category
        )


def inject_dm(
    state: SandboxState,
    account: XUser,
    *,
    text: str | None = None,
    author: dict[str, Any] | None = None,
    created_at: datetime | None = None,
    category: str | None = None,
    media: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A direct message from a citizen to `account`."""
    with state.lock:
        citizen = resolve_author(state, author)
        if text is None:
            category, text = state.traffic.dm(category)
        event = state.x.add_dm(
            sender_id=citizen.id, recipient_id=account.id, text=text, created_at=created_at
        )
        event.media_keys = [x_blob(state, m).key for m in media or []]
        return {
            "kind": "dm",
            "account_id": account.id,
            "id": event.id,
            "text": event.text,
            "sender_id": citizen.id,
            "author": user_item(citizen),
            "dm_conversation_id": event.dm_conversation_id,
            "participant_ids": list(event.participant_ids),
            "created_at": format_x_time(event.created_at),
            "category": category,
            "media": [media_item(state, k) for k in event.media_keys],
        }


def tweet_item(
    state: SandboxState,
    tweet: Tweet,
    account: XUser | None,
    *,
    kind: str,
    category: str | None = None,
) -> dict[str, Any]:
    author = state.x.user(tweet.author_id)
    return {
        "kind": kind,
        "account_id": account.id if account else None,
        "id": tweet.id,
        "text": tweet.text,
        "author_id": tweet.author_id,
        "author": user_item(author) if author else None,
        "conversation_id": tweet.conversation_id,
        "in_reply_to_tweet_id": tweet.replied_to_id,
        "in_reply_to_user_id": tweet.in_reply_to_user_id,
        "created_at": format_x_time(tweet.created_at),
        "category": category,
        "media": [media_item(state, k) for k in tweet.media_keys],
    }


def user_item(user: XUser) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "name": user.name,
        "followers_count": user.followers_count,
        "verified": user.verified,
    }


def _account(state: SandboxState, account_id: Any) -> XUser:
    if account_id:
        return state.x.ensure_account(str(account_id))
    accounts = state.x.accounts()
    if not accounts:
        raise InjectError("no org account registered; pass account_id")
    return state.rng.choice(accounts)


def _default_parent(state: SandboxState, account: XUser) -> str:
    """A reply with no target continues the account's newest own tweet, else its newest mention."""
    own = state.x.timeline_of(account.id)
    if own:
        return own[0].id
    mentions = state.x.mentions_of(account.id)
    if mentions:
        return mentions[0].id
    raise InjectError(f"@{account.username} has no tweet or mention to reply to")


def _author_for(state: SandboxState, author: dict[str, Any] | None, parent: Tweet | None) -> XUser:
    # A follow-up on a citizen's own mention is usually that citizen again.
    if author is None and parent is not None:
        parent_author = state.x.user(parent.author_id)
        if parent_author is not None and not parent_author.is_org:
            return parent_author
    return resolve_author(state, author)


def _follow_up_text(state: SandboxState, account: XUser, parent: Tweet, author: XUser) -> str:
    # X prefixes replies with the handles in the thread; we always keep @account
    # so the reply shows in its mentions, plus the parent's author when it's someone else.
    text = state.traffic.follow_up(account.username)
    parent_author = state.x.user(parent.author_id)
    if parent_author and parent_author.id not in (account.id, author.id):
        text = text.replace(
            f"@{account.username} ", f"@{account.username} @{parent_author.username} ", 1
        )
    return text


def _free_user_id(state: SandboxState, rng: random.Random) -> str:
    while True:
        candidate = str(rng.randint(10**8, 10**10))
        if state.x.user(candidate) is None:
            return candidate
