"""X (Twitter) through tweepy's API v2 client.

Quirks handled here (see shared/reference/network-apis.md): tweepy hard-codes
its host and sets no timeout (the transport adapter fixes both);
``wait_on_rate_limit`` would sleep inside the worker, so it stays off and a
429 becomes RateLimited with the reset time; a malformed 2xx body escapes as
a JSON error, which on a write means "posted, id unknown". X removed block,
so moderation is hide reply and mute.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
import tweepy
from django.conf import settings

from inbox.networks import own_posts, reading, transport
from inbox.networks.base import (
    FIND_SENT_MAX_PAGES,
    MAX_ID_LENGTH,
    AuthError,
    Author,
    BackfillPage,
    DuplicateContent,
    InboundItem,
    MediaItem,
    NetworkClient,
    NetworkError,
    OutboundImage,
    OwnPostsRead,
    ProfileFacts,
    RateLimited,
    Refused,
    SendResult,
    StreamResult,
    TransientError,
    UnknownOutcome,
    Unparseable,
    Unreadable,
    search_back,
)
from inbox.networks.media import MAX_MEDIA, UNREADABLE, media_item

X_HOSTS = ["https://api.twitter.com", "https://api.x.com"]
UPLOAD_HOST = "https://upload.twitter.com"
TWEET_FIELDS = [
    "created_at",
    "author_id",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "public_metrics",
    "attachments",
]
# X returns a photo's ``url`` only when asked; videos and GIFs have only a
# ``preview_image_url`` still (and ``variants``, the playable files).
MEDIA_FIELDS = ["media_key", "type", "url", "preview_image_url", "alt_text", "width", "height"]
USER_FIELDS = ["public_metrics", "verified"]
DM_FIELDS = ["created_at", "sender_id", "dm_conversation_id", "participant_ids", "attachments"]
TWEET_EXPANSIONS = ["author_id", "referenced_tweets.id", "attachments.media_keys"]
DM_EXPANSIONS = ["sender_id", "participant_ids", "attachments.media_keys"]
MAX_PAGES = 100  # X serves at most ~800 recent mentions; this only bounds a bad server
# A stream's first poll (no cursor yet) reads one page, newest first: enough to
# set the cursor. What is older is history, the import's to fetch (backfill).
FIRST_POLL_PAGES = 1


def make_client(credentials: dict[str, str]) -> tweepy.Client:
    """The one place a tweepy client is built: OAuth 1.0a user context, dicts
    back (raw payloads are kept), no in-worker rate-limit sleeping."""
    client = tweepy.Client(
        consumer_key=credentials.get("consumer_key"),
        consumer_secret=credentials.get("consumer_secret"),
        access_token=credentials.get("access_token"),
        access_token_secret=credentials.get("access_token_secret"),
        return_type=dict,
        wait_on_rate_limit=False,
    )
    transport.mount(client.session, real_bases=X_HOSTS, sandbox_prefix="/x")
    return client


def make_uploader(credentials: dict[str, str]) -> tweepy.API:
    """tweepy's v1.1 client, for media uploads only (API v2 has no upload in tweepy)."""
    auth = tweepy.OAuth1UserHandler(
        credentials.get("consumer_key"),
        credentials.get("consumer_secret"),
        credentials.get("access_token"),
        credentials.get("access_token_secret"),
    )
    api = tweepy.API(auth, timeout=settings.NETWORK_HTTP_TIMEOUT, wait_on_rate_limit=False)
    transport.mount(api.session, real_bases=[UPLOAD_HOST], sandbox_prefix="/x")
    return api


def parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        # astimezone() would take it as the worker's local time: not X's.
        raise ValueError("a time with no zone")
    return moment.astimezone(UTC)


def _reset_time(exc: tweepy.HTTPException) -> datetime | None:
    reset = exc.response.headers.get("x-rate-limit-reset") if exc.response is not None else None
    return datetime.fromtimestamp(int(reset), UTC) if reset and reset.isdigit() else None


def translate(exc: Exception, *, write: bool) -> NetworkError:
    """Map tweepy/requests errors to the interface's errors. For a write, any
    failure after the request may have been acted on becomes UnknownOutcome."""
    if isinstance(exc, tweepy.TooManyRequests):
        return RateLimited("X rate limit reached", retry_at=_reset_time(exc))
    if isinstance(exc, tweepy.Unauthorized):
        return AuthError("X rejected the token (expired or revoked): reconnect the account")
    if isinstance(exc, tweepy.Forbidden):
        if "duplicate" in str(exc).lower():
            return DuplicateContent("X refused the post as a duplicate of a recent one")
        return Refused(f"X refused the request: {exc}")
    if isinstance(exc, tweepy.BadRequest | tweepy.NotFound):
        return Refused(f"X refused the request: {exc}")
    if isinstance(
        exc, requests.exceptions.ConnectTimeout | requests.exceptions.ConnectionError
    ) and not isinstance(exc, requests.exceptions.ReadTimeout):
        # Never connected: nothing can have been posted.
        return TransientError(f"cannot reach X: {exc.__class__.__name__}")
    cls = UnknownOutcome if write else TransientError
    if isinstance(exc, tweepy.TwitterServerError | tweepy.HTTPException):
        return cls(f"X server error: {exc}")
    if isinstance(exc, requests.Timeout):
        return cls("X did not answer in time")
    if isinstance(exc, ValueError):  # requests.JSONDecodeError is a ValueError
        return cls("X sent a malformed response")
    return cls(f"X request failed: {exc!r}")


NETWORK_EXCEPTIONS = (tweepy.TweepyException, requests.RequestException, ValueError)


class XClient(NetworkClient):
    network = "x"
    # Mentions have no age limit, but X serves only the 800 most recent;
    # DM events are kept for 30 days.
    backfill_reach = {"mentions": None, "dms": 30}
    backfill_notes = {"dms": "X keeps direct messages for 30 days"}
    reply_media_kinds = frozenset({"public", "private"})

    def __init__(self, *, account_id: str, credentials: dict[str, str]):
        self.account_id = account_id
        self.client = make_client(credentials)
        self.credentials = credentials

    def _call(self, fn: Callable[..., dict], *, write: bool = False, **kwargs) -> dict:
        try:
            return fn(**kwargs, user_auth=True) or {}
        except NETWORK_EXCEPTIONS as exc:
            raise translate(exc, write=write) from exc

    # --- reading -------------------------------------------------------------------

    def fetch(self, cursor: dict[str, Any]) -> list[StreamResult]:
        return [
            self._stream(
                "mentions", cursor.get("mentions_since_id"), self._mention_pages, self._map_tweet
            ),
            self._stream("dms", cursor.get("dms_since_id"), self._dm_pages, self._map_dm),
        ]

    def _stream(self, name, since_id, pages, mapper) -> StreamResult:
        items: list[InboundItem] = []
        bad: list[Unparseable] = []
        newest = int(since_id) if since_id else 0
        try:
            for data, users in pages(since_id):
                mapped, unreadable = _mapped(data, users, mapper)
                items.extend(mapped)
                bad.extend(unreadable)
                # Only items that were read move the cursor: mappers check that
                # their ids are numeric, so int() cannot fail here.
                newest = max([newest, *(int(i.external_id) for i in mapped)])
        except NetworkError as exc:
            return StreamResult(name, items, bad, cursor=since_id, error=exc)
        return StreamResult(name, items, bad, cursor=str(newest) if newest else since_id)

    def _pages(self, fn, **kwargs) -> Iterator[tuple[list[dict], Includes]]:
        for data, users, _token in self._token_pages(fn, **kwargs):
            yield data, users

    def _token_pages(
        self, fn, token: str | None = None, max_pages: int = MAX_PAGES, **kwargs
    ) -> Iterator[tuple[list[dict], Includes, str | None]]:
        """Pages with the token of the page after each (None after the last)."""
        for _ in range(max_pages):
            page = self._call(fn, pagination_token=token, **kwargs)
            data = _page_data(page)
            users = _page_includes(page)
            token = _next_token(page) if data else None
            yield data, users, token
            if not token:
                return

    def _mention_pages(self, since_id):
        return self._pages(
            self.client.get_users_mentions,
            max_pages=MAX_PAGES if since_id else FIRST_POLL_PAGES,
            id=self.account_id,
            since_id=since_id or None,
            max_results=100,
            tweet_fields=TWEET_FIELDS,
            expansions=TWEET_EXPANSIONS,
            user_fields=USER_FIELDS,
            media_fields=MEDIA_FIELDS,
        )

    def _dm_pages(self, since_id):
        # /2/dm_events has no since_id: pages run newest first, so stop at the
        # first page that reaches what we already have.
        for data, users in self._pages(
            self.client.get_direct_message_events,
            max_pages=MAX_PAGES if since_id else FIRST_POLL_PAGES,
            event_types="MessageCreate",
            dm_event_fields=DM_FIELDS,
            expansions=DM_EXPANSIONS,
            user_fields=USER_FIELDS,
            media_fields=MEDIA_FIELDS,
            max_results=100,
        ):
            yield data, users
            if since_id and any(0 < _id_number(e) <= int(since_id) for e in data):
                return

    # --- history (backfill) ---------------------------------------------------------

    def backfill(
        self, *, since: dict[str, datetime], resume: dict[str, dict[str, Any]]
    ) -> Generator[BackfillPage, None, None]:
        readers = {"mentions": self._mention_history, "dms": self._dm_history}
        for name, reader in readers.items():
            position = resume.get(name) or {}
            if name in since and not position.get("done"):
                yield from reader(since[name], position)

    def _mention_history(self, since: datetime, position: dict[str, Any]):
        """Mentions newest first from ``start_time``. A resumed read asks for
        those older than the oldest id already stored (``until_id``), so it
        needs no pagination token that may have expired meanwhile."""
        until_id = position.get("until_id")
        for data, users in self._pages(
            self.client.get_users_mentions,
            id=self.account_id,
            start_time=since,
            until_id=until_id or None,
            max_results=100,
            tweet_fields=TWEET_FIELDS,
            expansions=TWEET_EXPANSIONS,
            user_fields=USER_FIELDS,
            media_fields=MEDIA_FIELDS,
        ):
            if not data:
                break  # nothing older: a page with no progress is not worth a resume point
            items, bad = _mapped(data, users, self._map_tweet)
            ids = [n for n in map(_id_number, data) if n]
            until_id = str(min(ids)) if ids else until_id
            yield BackfillPage.of("mentions", items, bad, {"until_id": until_id})
        yield BackfillPage("mentions", [], [], {"until_id": until_id}, done=True)

    def _dm_history(self, since: datetime, position: dict[str, Any]):
        """DM events newest first until one predates ``since`` (/2/dm_events
        has no time filter). Resumes from the saved pagination token; X's
        tokens are opaque, so if X refuses it the read starts again from the
        newest (ingest drops what is already stored)."""
        token = position.get("token")
        started = False
        try:
            for page in self._dm_history_from(since, token):
                started = True
                yield page
        except Refused:
            if started or not token:
                raise
            yield from self._dm_history_from(since, None)

    def _dm_history_from(self, since: datetime, token: str | None):
        for data, users, next_token in self._token_pages(
            self.client.get_direct_message_events,
            token=token,
            event_types="MessageCreate",
            dm_event_fields=DM_FIELDS,
            expansions=DM_EXPANSIONS,
            user_fields=USER_FIELDS,
            media_fields=MEDIA_FIELDS,
            max_results=100,
        ):
            mapped, bad = _mapped(data, users, self._map_dm)
            items = [i for i in mapped if i.created_at >= since]
            done = not next_token or len(items) < len(mapped)
            yield BackfillPage.of("dms", items, bad, {"token": next_token}, done=done)
            if done:
                return

    @staticmethod
    def _author(user_id: str, includes: Includes) -> Author:
        user = includes.users.get(user_id) or {}
        what = f"the profile of user {user_id}"
        metrics = user.get("public_metrics")
        return Author(
            external_id=user_id,
            handle=reading.text(user, "username", what, required=False),
            display_name=reading.text(user, "name", what, required=False),
            followers_count=reading.count(
                reading.obj(metrics, what) if metrics is not None else {}, "followers_count", what
            ),
            verified=user.get("verified") is True,
        )

    def _map_tweet(self, raw: Any, users: Includes) -> InboundItem | None:
        tweet = reading.obj(raw, "tweet")
        tweet_id = reading.numeric_id(tweet, "id", "tweet")
        author_id = reading.numeric_id(tweet, "author_id", "tweet")
        if author_id == self.account_id:
            return None  # our own post mentioning ourselves is not inbound
        replied_to = _replied_to(tweet)
        conversation_id = (
            reading.numeric_id(tweet, "conversation_id", "tweet")
            if tweet.get("conversation_id") not in (None, "")
            else tweet_id
        )
        metrics = tweet.get("public_metrics")
        return InboundItem(
            network="x",
            external_id=tweet_id,
            kind="reply" if replied_to else "mention",
            conversation_kind="public",
            thread_key=f"tw:{conversation_id}:{author_id}",
            contact=self._author(author_id, users),
            text=reading.text(tweet, "text", "tweet"),
            created_at=reading.moment(tweet, "created_at", "tweet", parse_time),
            in_reply_to=replied_to,
            metrics=reading.obj(metrics, "tweet's public_metrics") if metrics is not None else {},
            raw=tweet,
            media=_attached(tweet, users),
        )

    def _map_dm(self, raw: Any, users: Includes) -> InboundItem | None:
        event = reading.obj(raw, "DM event")
        if reading.text(event, "event_type", "DM event", required=False) not in (
            "",
            "MessageCreate",
        ):
            return None
        event_id = reading.numeric_id(event, "id", "DM event")
        conversation_id = _dm_conversation(event)
        sender = reading.numeric_id(event, "sender_id", "DM event")
        outbound = sender == self.account_id
        other = _dm_other(event, conversation_id, self.account_id) if outbound else sender
        return InboundItem(
            network="x",
            external_id=event_id,
            kind="dm",
            conversation_kind="private",
            thread_key=f"dm:{conversation_id}",
            contact=self._author(other, users),
            text=reading.text(event, "text", "DM event"),
            created_at=reading.moment(event, "created_at", "DM event", parse_time),
            direction="out" if outbound else "in",
            raw=event,
            media=_attached(event, users),
        )

    # --- writing -------------------------------------------------------------------

    def send_reply(
        self, *, in_reply_to: str, text: str, media: Sequence[OutboundImage] = ()
    ) -> SendResult:
        # Uploading first posts nothing: an upload never shown in a post
        # expires on X after a day, so a retry may upload again safely.
        media_ids = [self._upload(image) for image in media] or None
        data = self._call(
            self.client.create_tweet,
            write=True,
            text=text,
            in_reply_to_tweet_id=in_reply_to,
            media_ids=media_ids,
        )
        return SendResult(external_id=str(data["data"]["id"]))

    def send_private(
        self,
        *,
        thread_key: str,
        recipient_id: str,
        text: str,
        media: Sequence[OutboundImage] = (),
    ) -> SendResult:
        if len(media) > 1:
            raise Refused("X allows one picture per direct message")
        media_id = self._upload(media[0]) if media else None
        data = self._call(
            self.client.create_direct_message,
            write=True,
            participant_id=recipient_id,
            text=text,
            media_id=media_id,
        )
        return SendResult(
            external_id=str(data["data"]["dm_event_id"]),
            thread_id=data["data"].get("dm_conversation_id", ""),
        )

    def _upload(self, image: OutboundImage) -> str:
        """Upload one picture with its alt text (v1.1 on upload.twitter.com,
        the way tweepy does it); its media id."""
        api = make_uploader(self.credentials)
        name = "reply.png" if image.content_type == "image/png" else "reply.jpg"
        try:
            uploaded = api.media_upload(filename=name, file=io.BytesIO(image.body))
            media_id = str(uploaded.media_id_string)
            if image.alt_text:
                api.create_media_metadata(media_id, image.alt_text)
        except NETWORK_EXCEPTIONS as exc:
            raise translate(exc, write=False) from exc
        return media_id

    def find_sent(
        self,
        *,
        text: str,
        in_reply_to: str = "",
        recipient_id: str = "",
        since: datetime,
        known: Collection[str] = (),
    ) -> str | None:
        wanted = _words(text)
        if recipient_id:
            pages = self._token_pages(
                self.client.get_direct_message_events,
                max_pages=FIND_SENT_MAX_PAGES,
                participant_id=recipient_id,
                dm_event_fields=DM_FIELDS,
                max_results=100,
            )
            return search_back(
                ((data, bool(token)) for data, _users, token in pages),
                is_ours=lambda e: (
                    str(e.get("sender_id")) == self.account_id and _words(e.get("text")) == wanted
                ),
                created=_created,
                since=since,
                known=known,
                what="direct messages in this conversation",
            )
        # No start_time: X's clock (and the sandbox's) may differ from ours, so
        # the pages are read newest first until their own times pass ``since``.
        pages = self._token_pages(
            self.client.get_users_tweets,
            max_pages=FIND_SENT_MAX_PAGES,
            id=self.account_id,
            max_results=100,
            tweet_fields=["referenced_tweets", "created_at"],
        )
        return search_back(
            ((data, bool(token)) for data, _users, token in pages),
            is_ours=lambda t: in_reply_to in _replied_to_ids(t) and _words(t.get("text")) == wanted,
            created=_created,
            since=since,
            known=known,
            what="posts by the account",
        )

    def like(self, *, external_id: str) -> None:
        self._call(self.client.like, write=True, tweet_id=external_id)

    def hide(self, *, external_id: str) -> None:
        self._call(self.client.hide_reply, write=True, id=external_id)

    def mute(self, *, user_id: str) -> None:
        self._call(self.client.mute, write=True, target_user_id=user_id)

    def unmute(self, *, user_id: str) -> None:
        self._call(self.client.unmute, write=True, target_user_id=user_id)

    def follower_count(self) -> int:
        data = self._call(self.client.get_user, id=self.account_id, user_fields=["public_metrics"])
        return int(data["data"]["public_metrics"]["followers_count"])

    def profile_facts(self) -> ProfileFacts:
        """``GET /2/users/me`` with the profile fields. ``receives_your_dm``
        on one's own account says whether its DMs are open to everyone; an
        account that never set a picture shows X's default image."""
        data = self._call(
            self.client.get_me,
            user_fields=[
                "verified",
                "description",
                "profile_image_url",
                "profile_banner_url",
                "receives_your_dm",
            ],
        )
        me = data.get("data") if isinstance(data, dict) else None
        if not isinstance(me, dict):
            raise TransientError("X sent a profile that is not an object")
        picture = str(me.get("profile_image_url") or "")
        return ProfileFacts(
            verified=_flag(me.get("verified")),
            dms_open=_flag(me.get("receives_your_dm")),
            bio=str(me.get("description") or ""),
            picture_set=bool(picture) and "default_profile_images" not in picture,
            banner_set=bool(me.get("profile_banner_url")),
        )

    # --- Account Activity webhooks ------------------------------------------------------

    def _aaa(self, method: str, route: str, *, write: bool = False, body: Any = None) -> dict:
        """One Account Activity call (tweepy has no methods for them)."""
        try:
            answer = self.client.request(method, route, json=body, user_auth=True)
            data = answer.json() if answer.content else {}
        except NETWORK_EXCEPTIONS as exc:
            raise translate(exc, write=write) from exc
        except ValueError as exc:
            raise (UnknownOutcome if write else TransientError)(
                "X sent a malformed response"
            ) from exc
        return data if isinstance(data, dict) else {}

    def webhook_for(self, url: str) -> dict[str, Any] | None:
        """The app's registered webhook with this URL (id, url, valid), if any."""
        for hook in self._aaa("GET", "/2/webhooks").get("data") or []:
            if isinstance(hook, dict) and hook.get("url") == url:
                return hook
        return None

    def webhook_register(self, url: str) -> dict[str, Any]:
        """Register the URL; X answers only after its CRC check of it passed."""
        data = self._aaa("POST", "/2/webhooks", write=True, body={"url": url}).get("data")
        if not isinstance(data, dict) or not data.get("id"):
            raise TransientError("X registered the webhook but sent no id")
        return data

    def webhook_subscribe(self, webhook_id: str) -> bool:
        """Subscribe this account's activity to the webhook; True once it is."""
        route = f"/2/account_activity/webhooks/{webhook_id}/subscriptions/all"
        self._aaa("POST", route, write=True)
        return bool((self._aaa("GET", route).get("data") or {}).get("subscribed"))

    def own_posts(self, *, since: datetime) -> OwnPostsRead:
        """The account's timeline (replies included, retweets of others not)
        from ``since``, with ``public_metrics``; ``start_time`` bounds it on X."""
        pages = (
            data
            for data, _users, _token in self._token_pages(
                self.client.get_users_tweets,
                id=self.account_id,
                start_time=since,
                exclude=["retweets"],
                max_results=100,
                tweet_fields=["created_at", "public_metrics"],
            )
        )
        return own_posts.read_back(
            pages,
            lambda raw: own_posts.map_tweet(raw, parse_time=parse_time),
            since=since,
            what="X post",
        )

    def post_metrics(self, external_ids: list[str]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for start in range(0, len(external_ids), 100):
            data = self._call(
                self.client.get_tweets,
                ids=external_ids[start : start + 100],
                tweet_fields=["public_metrics"],
            )
            for tweet in data.get("data") or []:
                out[str(tweet["id"])] = tweet.get("public_metrics") or {}
        return out


def _words(text: Any) -> str:
    return " ".join(str(text or "").split())


def _replied_to_ids(tweet: dict) -> set[str]:
    return {
        str(r.get("id"))
        for r in tweet.get("referenced_tweets") or []
        if isinstance(r, dict) and r.get("type") == "replied_to"
    }


def _created(item: dict) -> datetime | None:
    try:
        return parse_time(item["created_at"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _mapped(
    data: list[Any], users: Includes, mapper: Callable
) -> tuple[list[InboundItem], list[Unparseable]]:
    """One page through a mapper: the items, and the payloads it could not read."""
    items: list[InboundItem] = []
    bad: list[Unparseable] = []
    for raw in data:
        reading.read_into(items, bad, raw, lambda r: mapper(r, users), "X item")
    return items, bad


def _replied_to(tweet: dict[str, Any]) -> str:
    """The id of the tweet this one answers, or ""."""
    refs = reading.items_of(tweet.get("referenced_tweets"), "tweet's referenced_tweets")
    for ref in refs:
        ref = reading.obj(ref, "an entry of the tweet's referenced_tweets")
        if ref.get("type") == "replied_to":
            return reading.numeric_id(ref, "id", "the tweet's replied_to reference")
    return ""


def _dm_conversation(event: dict[str, Any]) -> str:
    """ "low-high" for a one-to-one thread, a numeric id for a group."""
    found = reading.text(event, "dm_conversation_id", "DM event")
    parts = found.split("-")
    if len(parts) > 2 or not all(p.isascii() and p.isdigit() for p in parts):
        raise Unreadable("DM event's dm_conversation_id is not a conversation id")
    if any(len(p) > MAX_ID_LENGTH for p in parts):
        raise Unreadable("DM event's dm_conversation_id is too long")
    return found


def _dm_other(event: dict[str, Any], conversation_id: str, account_id: str) -> str:
    """The person our own DM went to."""
    given = reading.items_of(event.get("participant_ids"), "DM event's participant_ids")
    ids = [reading.numeric_id({"id": p}, "id", "a DM participant") for p in given]
    other = next((p for p in ids or conversation_id.split("-") if p != account_id), None)
    if other is None:
        raise Unreadable("DM event has no participant other than the account")
    return other


def _id_number(raw: Any) -> int:
    """An item's numeric id, 0 when it has none (such items are quarantined)."""
    value = raw.get("id") if isinstance(raw, dict) else None
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= MAX_ID_LENGTH else 0


def _page_data(page: Any) -> list[Any]:
    if not isinstance(page, dict):
        raise TransientError("X sent a page that is not a JSON object")
    data = page.get("data") or []
    if not isinstance(data, list):
        raise TransientError("X sent a page whose data is not a list")
    return data


@dataclass(frozen=True)
class Includes:
    """A page's expansions: user profiles and media objects, by id/key."""

    users: dict[str, dict] = field(default_factory=dict)
    media: dict[str, dict] = field(default_factory=dict)


def _page_includes(page: dict[str, Any]) -> Includes:
    return Includes(users=_page_users(page), media=_page_media(page))


def _page_media(page: dict[str, Any]) -> dict[str, dict]:
    includes = page.get("includes")
    media = includes.get("media") if isinstance(includes, dict) else None
    if not isinstance(media, list):
        return {}
    return {
        m["media_key"]: m
        for m in media
        if isinstance(m, dict) and isinstance(m.get("media_key"), str)
    }


# X v2 media types -> ours. A video or GIF is shown by its still preview.
_MEDIA_KINDS = {"photo": "image", "animated_gif": "gif", "video": "video"}


def _attached(item: dict[str, Any], includes: Includes) -> tuple[MediaItem, ...]:
    """The media a tweet or DM event names in ``attachments.media_keys``, in
    order, from the page's ``includes.media``. A key the page has no object
    for is kept as an unreadable attachment (the officer sees that something
    was there)."""
    attachments = item.get("attachments")
    keys = attachments.get("media_keys") if isinstance(attachments, dict) else None
    if not isinstance(keys, list):
        return ()
    out = []
    for key in keys[:MAX_MEDIA]:
        found = includes.media.get(key) if isinstance(key, str) else None
        if found is None:
            out.append(UNREADABLE)
            continue
        kind = _MEDIA_KINDS.get(str(found.get("type")), "other")
        out.append(
            media_item(
                kind=kind,
                url=found.get("url") if kind == "image" else found.get("preview_image_url"),
                alt_text=found.get("alt_text"),
                key=key,
                source_url=_best_variant(found.get("variants")),
                width=found.get("width"),
                height=found.get("height"),
            )
        )
    return tuple(out)


def _best_variant(variants: Any) -> str:
    """The highest-bitrate MP4 of a video or GIF, "" when none is given."""
    mp4 = [
        v
        for v in (variants if isinstance(variants, list) else [])
        if isinstance(v, dict) and v.get("content_type") == "video/mp4"
    ]
    best = max(mp4, key=lambda v: v.get("bit_rate") or 0, default=None)
    return str(best.get("url") or "") if best else ""


def _page_users(page: dict[str, Any]) -> dict[str, dict]:
    """The page's user profiles by id; unreadable ones are left out (a tweet
    whose author has no profile keeps an empty one)."""
    includes = page.get("includes")
    users = includes.get("users") if isinstance(includes, dict) else None
    if not isinstance(users, list):
        return {}
    return {u["id"]: u for u in users if isinstance(u, dict) and isinstance(u.get("id"), str)}


def _next_token(page: dict[str, Any]) -> str | None:
    meta = page.get("meta")
    token = meta.get("next_token") if isinstance(meta, dict) else None
    return token if isinstance(token, str) and token else None


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None
