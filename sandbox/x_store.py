"""In-memory X world: users, tweets, DM events, likes, mutes.

Primitives only (create, find, list); the rules X applies to the app's
writes (duplicates, ownership) live in x_api. Every method takes the state
lock, which is re-entrant, so callers can group several calls atomically.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sandbox.x_models import (
    DMEvent,
    Tweet,
    XUser,
    follower_count,
    mentions_username,
    one_to_one_conversation_id,
    tweet_public_metrics,
    unit,
    user_public_metrics,
)

if TYPE_CHECKING:
    from sandbox.state import SandboxState

# X only serves the ~800 most recent mentions and 3,200 most recent own tweets.
MENTIONS_REACH = 800
TIMELINE_REACH = 3200


class XStore:
    def __init__(self, state: SandboxState) -> None:
        self._state = state
        self.lock: threading.RLock = state.lock
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.users: dict[str, XUser] = {}
            self._by_username: dict[str, str] = {}
            self.tweets: dict[str, Tweet] = {}  # insertion order == id order
            self.dm_events: dict[str, DMEvent] = {}
            self.likes: set[tuple[str, str]] = set()  # (user id, tweet id)
            self.mutes: set[tuple[str, str]] = set()  # (user id, muted user id)
            # Media the app uploaded (sandbox.x_media_writes), by media id.
            self.uploads: dict[str, Any] = {}
            self._replies: defaultdict[str, int] = defaultdict(int)  # parent id -> live replies
            # Account Activity API (sandbox.x_webhooks): webhook id -> {id, url,
            # valid, created_at}, and the (webhook id, account id) subscriptions.
            self.webhooks: dict[str, dict[str, Any]] = {}
            self.subscriptions: set[tuple[str, str]] = set()
            # The app's consumer secret the CRC is computed with: set by the
            # app at start (--webhook-secret), kept across resets.
            self.consumer_secret: str = getattr(self, "consumer_secret", "sandbox-consumer-secret")

    # -- users -------------------------------------------------------------

    def add_user(
        self,
        *,
        id: str,
        username: str,
        name: str,
        followers_count: int = 0,
        verified: bool = False,
        is_org: bool = False,
        description: str = "",
        location: str = "",
    ) -> XUser:
        """Create or update a user (accounts and citizens alike); returns it."""
        user_id = str(id)
        if not user_id.isdigit():
            raise ValueError(f"X user ids are numeric strings, got {user_id!r}")
        with self.lock:
            now = self._state.now()
            other = self._by_username.get(username.lower())
            if other is not None and other != user_id:
                raise ValueError(f"username @{username} is already taken by user {other}")
            old = self.users.get(user_id)
            if old is not None:
                self._by_username.pop(old.username.lower(), None)
            user = XUser(
                id=user_id,
                username=username,
                name=name,
                followers_count=int(followers_count),
                verified=bool(verified),
                is_org=is_org or (old.is_org if old else False),
                description=description,
                location=location,
                created_at=old.created_at
                if old
                else now - timedelta(days=200 + 3000 * unit(user_id, "age")),
                registered_at=now,
                following_count=int(50 + 900 * unit(user_id, "following")),
                base_tweet_count=int(100 + 5000 * unit(user_id, "tweets")),
            )
            self.users[user_id] = user
            self._by_username[username.lower()] = user_id
            return user

    def ensure_account(self, account_id: str) -> XUser:
        """The org account with this id, auto-registered as @acct<id> if unknown.

        Training mode: an admin can connect any sandbox channel without setup.
        """
        with self.lock:
            user = self.users.get(account_id)
            if user is None:
                user = self.add_user(
                    id=account_id,
                    username=f"acct{account_id}"[:15],
                    name=f"Sandbox account {account_id}",
                    followers_count=250,
                    is_org=True,
                )
            return user

    def user(self, user_id: str) -> XUser | None:
        with self.lock:
            return self.users.get(str(user_id))

    def user_by_username(self, username: str) -> XUser | None:
        with self.lock:
            user_id = self._by_username.get(username.lower().lstrip("@"))
            return self.users.get(user_id) if user_id else None

    def accounts(self) -> list[XUser]:
        with self.lock:
            return [u for u in self.users.values() if u.is_org]

    def citizens(self) -> list[XUser]:
        with self.lock:
            return [u for u in self.users.values() if not u.is_org]

    # -- tweets ------------------------------------------------------------

    def add_tweet(
        self,
        *,
        author_id: str,
        text: str,
        in_reply_to: Tweet | None = None,
        created_at: datetime | None = None,
        origin: str = "inject",
    ) -> Tweet:
        with self.lock:
            at = created_at or self._state.now()
            tweet_id = self._state.ids.next(at)
            tweet = Tweet(
                id=tweet_id,
                text=text,
                author_id=author_id,
                conversation_id=in_reply_to.conversation_id if in_reply_to else tweet_id,
                created_at=at,
                in_reply_to_user_id=in_reply_to.author_id if in_reply_to else None,
                replied_to_id=in_reply_to.id if in_reply_to else None,
                origin=origin,
            )
            self.tweets[tweet_id] = tweet
            if in_reply_to is not None:
                self._replies[in_reply_to.id] += 1
            return tweet

    def tweet(self, tweet_id: str, *, include_deleted: bool = False) -> Tweet | None:
        with self.lock:
            tweet = self.tweets.get(str(tweet_id))
            if tweet is None or (tweet.deleted and not include_deleted):
                return None
            return tweet

    def delete_tweet(self, tweet: Tweet) -> None:
        with self.lock:
            if not tweet.deleted:
                tweet.deleted = True
                if tweet.replied_to_id:
                    self._replies[tweet.replied_to_id] -= 1

    def is_mention_of(self, tweet: Tweet, user: XUser) -> bool:
        if tweet.author_id == user.id or tweet.deleted:
            return False
        return tweet.in_reply_to_user_id == user.id or mentions_username(tweet.text, user.username)

    def mentions_of(self, user_id: str) -> list[Tweet]:
        """Tweets by others that @mention the user or reply to them, newest first."""
        with self.lock:
            user = self.users.get(user_id)
            if user is None:
                return []
            found = [t for t in reversed(self.tweets.values()) if self.is_mention_of(t, user)]
            return found[:MENTIONS_REACH]

    def timeline_of(self, user_id: str) -> list[Tweet]:
        with self.lock:
            own = [
                t
                for t in reversed(self.tweets.values())
                if t.author_id == user_id and not t.deleted
            ]
            return own[:TIMELINE_REACH]

    def public_metrics(self, tweet: Tweet) -> dict[str, int]:
        with self.lock:
            now = self._state.now()
            author = self.users.get(tweet.author_id)
            followers = follower_count(author, now) if author else 100
            liked = sum(1 for (_, tid) in self.likes if tid == tweet.id)
            return tweet_public_metrics(
                tweet,
                author_followers=followers,
                reply_count=max(0, self._replies.get(tweet.id, 0)),
                liked_by_orgs=liked,
                now=now,
            )

    def user_metrics(self, user: XUser) -> dict[str, int]:
        with self.lock:
            count = sum(1 for t in self.tweets.values() if t.author_id == user.id and not t.deleted)
            return user_public_metrics(user, tweets_in_sandbox=count, now=self._state.now())

    # -- direct messages ---------------------------------------------------

    def add_dm(
        self,
        *,
        sender_id: str,
        text: str,
        recipient_id: str | None = None,
        conversation_id: str | None = None,
        created_at: datetime | None = None,
        origin: str = "inject",
    ) -> DMEvent:
        """Add a MessageCreate event to a 1:1 conversation (by recipient or by conversation id)."""
        with self.lock:
            if conversation_id is None:
                if recipient_id is None:
                    raise ValueError("a DM needs a recipient or a conversation id")
                conversation_id = one_to_one_conversation_id(sender_id, recipient_id)
            participants = sorted(conversation_id.split("-"), key=int)
            at = created_at or self._state.now()
            event = DMEvent(
                id=self._state.ids.next(at),
                text=text,
                sender_id=sender_id,
                dm_conversation_id=conversation_id,
                participant_ids=participants,
                created_at=at,
                origin=origin,
            )
            self.dm_events[event.id] = event
            return event

    def dm_events_of(self, user_id: str, conversation_id: str | None = None) -> list[DMEvent]:
        """Events (sent and received) in the user's conversations, newest first."""
        with self.lock:
            return [
                e
                for e in reversed(self.dm_events.values())
                if user_id in e.participant_ids
                and (conversation_id is None or e.dm_conversation_id == conversation_id)
            ]

    def conversations_of(self, user_id: str) -> set[str]:
        with self.lock:
            return {
                e.dm_conversation_id
                for e in self.dm_events.values()
                if user_id in e.participant_ids
            }

    # -- summary -----------------------------------------------------------

    def summary(self) -> dict[str, object]:
        with self.lock:
            live = [t for t in self.tweets.values() if not t.deleted]
            return {
                "accounts": len(self.accounts()),
                "citizens": len(self.citizens()),
                "tweets": len(live),
                "deleted_tweets": len(self.tweets) - len(live),
                "hidden_tweets": sum(1 for t in live if t.hidden),
                "mentions_by_account": {
                    u.username: len(self.mentions_of(u.id)) for u in self.accounts()
                },
                "dm_events": len(self.dm_events),
                "dm_conversations": len({e.dm_conversation_id for e in self.dm_events.values()}),
                "likes": len(self.likes),
                "mutes": len(self.mutes),
            }
