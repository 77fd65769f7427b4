"""The one small interface every network implements.

Network modules do HTTP and mapping only: they return frozen dataclasses and
raise the errors below, and never touch the database. Services store what
they return. Errors say whether a retry can help (transient) or a person must
act (permanent: a revoked token, a refused post).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Collection, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

# Reconciliation reads back at most this many pages of 100 (X serves an
# account's latest 3,200 posts): enough for hours of a busy account's replies,
# and a bound on what one lost send can cost.
FIND_SENT_MAX_PAGES = 32


@dataclass(frozen=True)
class Author:
    external_id: str
    handle: str = ""
    display_name: str = ""
    followers_count: int = 0
    verified: bool = False


# What a message's media can be, whatever the network calls it (X "photo",
# "animated_gif"; Graph "image", "video"...). Mappers translate to these.
MEDIA_KINDS = ("image", "video", "gif", "other")


@dataclass(frozen=True)
class MediaItem:
    """One picture, video or file attached to a message, as the network gives it.

    ``url`` is the network's address of the full-size image (for a video or an
    animated GIF: its still preview, which is what an officer is shown);
    ``source_url`` is the video or file itself when the network gives one.
    ``key`` is the network's own id for it ("3_1460323737035677698" on X),
    "" when it has none. Sizes are None when the network does not say."""

    kind: str  # one of MEDIA_KINDS
    url: str = ""
    alt_text: str = ""
    key: str = ""
    source_url: str = ""
    width: int | None = None
    height: int | None = None
    size_bytes: int | None = None


@dataclass(frozen=True)
class OutboundImage:
    """A picture a reply carries: re-encoded bytes (inbox.services.images),
    their content type, and the alt text the officer wrote."""

    body: bytes
    content_type: str
    alt_text: str


@dataclass(frozen=True)
class InboundItem:
    """One message seen on the network, normalized.

    ``contact`` is the member of the public the thread is with; for our own
    messages seen on the network (``direction="out"``) it is the recipient.
    """

    network: str
    external_id: str
    kind: str  # mention | reply | dm | comment
    conversation_kind: str  # public | comment | private (inbox.models.ConversationKind)
    thread_key: str
    contact: Author
    text: str
    created_at: datetime
    direction: str = "in"
    in_reply_to: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    media: tuple[MediaItem, ...] = ()


# Longest id any network item may carry: the contact column (64) is the
# narrowest an id is stored in. Longer is not a real id, so the item is unreadable.
MAX_ID_LENGTH = 64


@dataclass(frozen=True)
class Unparseable:
    """A payload the mapper could not read; kept in quarantine with its error.

    ``payload`` is the raw JSON value as received, ``None`` included (a JSON
    ``null`` element is a value); ``error`` says in words what is wrong, for an
    admin; ``external_id`` is the item's id when one could be read."""

    payload: Any
    error: str
    external_id: str = ""


class Unreadable(ValueError):
    """A mapper cannot read an item; the message is the reason an admin sees."""


@dataclass(frozen=True)
class StreamResult:
    """What one stream (mentions, DMs, comments...) yielded.

    ``cursor`` is the stream's new position, only moved past items that were
    all fetched; ``error`` is set when paging stopped early, in which case the
    items gathered so far are still worth storing but the cursor stays put.
    """

    name: str
    items: list[InboundItem]
    unparseable: list[Unparseable]
    cursor: Any
    error: NetworkError | None = None


@dataclass(frozen=True)
class BackfillPage:
    """One page of a stream's history (backfill), newest pages first.

    ``position`` is where the stream resumes once this page is stored (handed
    back to ``NetworkClient.backfill`` in ``resume``); ``done`` says the stream
    was read back to its ``since``; ``oldest`` is the oldest time the page
    reached, even when every item on it was skipped.
    """

    stream: str
    items: list[InboundItem]
    unparseable: list[Unparseable]
    position: dict[str, Any]
    done: bool = False
    oldest: datetime | None = None

    @classmethod
    def of(
        cls,
        stream: str,
        items: list[InboundItem],
        unparseable: list[Unparseable],
        position: dict[str, Any],
        *,
        done: bool = False,
    ) -> BackfillPage:
        """A page whose ``oldest`` is its oldest item's time."""
        oldest = min((i.created_at for i in items), default=None)
        return cls(stream, items, unparseable, position, done=done, oldest=oldest)


@dataclass(frozen=True)
class SendResult:
    external_id: str
    thread_id: str = ""


@dataclass(frozen=True)
class ProfileFacts:
    """What a network says about one of our accounts' public profile (seed
    000's hygiene). None: the network does not tell, so it is not judged."""

    verified: bool | None
    dms_open: bool | None  # direct messages open to everyone
    bio: str
    picture_set: bool | None
    banner_set: bool | None


@dataclass(frozen=True)
class OwnPost:
    """One of the account's own public posts with its latest public metrics.

    Counts are what the network shows everyone; ``impressions`` is None where
    the network does not give it (Bluesky, Mastodon; Facebook when the
    post's insights cannot be read). ``permalink`` is an http(s) address or ""."""

    external_id: str
    text: str
    posted_at: datetime
    permalink: str = ""
    likes: int = 0
    replies: int = 0
    reposts: int = 0
    quotes: int = 0
    impressions: int | None = None


@dataclass(frozen=True)
class OwnPostsRead:
    """The account's own posts back to a time, newest first. ``error`` is
    set when paging stopped early: what was read is still worth storing."""

    posts: list[OwnPost]
    unparseable: list[Unparseable]
    error: NetworkError | None = None


class NetworkError(Exception):
    permanent = False
    needs_attention = False  # the channel cannot work until an admin acts

    def __init__(self, message: str, *, retry_at: datetime | None = None):
        super().__init__(message)
        self.retry_at = retry_at


class TransientError(NetworkError):
    """Worth retrying later: 5xx, timeouts, malformed responses."""


class UnknownOutcome(TransientError):
    """A write may or may not have reached the network (timeout, 5xx after
    sending). Reconcile against the network before trying again."""


class RateLimited(TransientError):
    """429 or a rate-limit error code; ``retry_at`` says when, if the network told us."""


class PermanentError(NetworkError):
    permanent = True


class AuthError(PermanentError):
    """Token expired or revoked: the channel needs reconnecting."""

    needs_attention = True


class Refused(PermanentError):
    """The network refused this one action (duplicate content, outside the
    reply window, not allowed). The message says why, for the officer."""


class DuplicateContent(Refused):
    pass


class Unverifiable(NetworkError):
    """Reconciliation could not read back far enough to tell whether an
    earlier attempt reached the network. Posting again could double it, and
    calling it failed could hide a public post: a person has to look."""


def search_back(
    pages: Iterable[tuple[list[dict[str, Any]], bool]],
    *,
    is_ours: Callable[[dict[str, Any]], bool],
    created: Callable[[dict[str, Any]], datetime | None],
    since: datetime,
    known: Collection[str] = (),
    what: str,
) -> str | None:
    """The id of the first item ``is_ours`` created at or after ``since`` in
    newest-first ``pages`` (each with "is there a page after it"), reading
    until a page reaches back before ``since``. ``known`` ids belong to other
    messages and never match. Raises Unverifiable past FIND_SENT_MAX_PAGES."""
    for number, (data, more) in enumerate(pages, start=1):
        reached = False
        for item in data:
            when = created(item)
            if when is not None and when < since:
                reached = True
            elif str(item.get("id")) not in known and is_ours(item):
                return str(item["id"])
        if reached or not more:
            return None
        if number >= FIND_SENT_MAX_PAGES:
            raise Unverifiable(
                f"could not tell whether this was already posted: more than "
                f"{FIND_SENT_MAX_PAGES * 100} {what} since it was first sent. "
                "Check the account on the network before sending it again."
            )
    return None


class NetworkClient(abc.ABC):
    """One connected account on one network."""

    network: str
    # History streams and how many days back the network serves each
    # (None: no documented limit; the page cap still bounds the read).
    backfill_reach: ClassVar[dict[str, int | None]] = {}
    # Why a stream's reach is what it is, for the admin when it clamps a request.
    backfill_notes: ClassVar[dict[str, str]] = {}
    # Conversation kinds (public, comment, private) whose replies may carry a
    # picture through this client; ``send_reply``/``send_private`` then take
    # ``media=[OutboundImage]``. Empty: replies are text only.
    reply_media_kinds: ClassVar[frozenset[str]] = frozenset()
    # A private message carries text or a picture, never both (Messenger,
    # Instagram Direct): the picture goes first, as a message of its own,
    # through ``send_private_picture``; then the text through ``send_private``.
    private_pictures_apart: ClassVar[bool] = False
    # The largest picture the network takes, in bytes (None: more than our
    # re-encode ever makes); inbox.services.reply_media shrinks to fit.
    reply_image_max_bytes: ClassVar[int | None] = None

    @abc.abstractmethod
    def fetch(self, cursor: dict[str, Any]) -> list[StreamResult]:
        """Everything newer than ``cursor``, per stream, following pages to the end.

        A stream with no position yet (a new channel's first poll) reads only
        its newest page, which sets its position: everything newer is read by
        the polls after it, and what is older is history, left to ``backfill``."""

    @abc.abstractmethod
    def backfill(
        self, *, since: dict[str, datetime], resume: dict[str, dict[str, Any]]
    ) -> Generator[BackfillPage, None, None]:
        """History back to ``since[stream]`` for each stream in it, page by page.

        A stream starts from ``resume[stream]`` (a ``position`` it yielded
        earlier) when given. Items are normalised exactly as ``fetch`` does.
        Raises NetworkError when a page cannot be read; the pages yielded
        before it stay valid."""

    @abc.abstractmethod
    def send_reply(self, *, in_reply_to: str, text: str) -> SendResult: ...

    @abc.abstractmethod
    def send_private(self, *, thread_key: str, recipient_id: str, text: str) -> SendResult: ...

    def people(self, external_ids: Sequence[str]) -> list[Author]:
        """The profiles of people who messaged us, for ids a webhook named
        without a name (Messenger, Instagram Direct). A person the network
        will not describe is left out; empty where the network has no such
        read (its items carry the profile)."""
        return []

    def send_private_picture(self, *, recipient_id: str, image: OutboundImage) -> str:
        """Send ``image`` alone as a private message; its network id. Only for
        clients with ``private_pictures_apart``."""
        raise NotImplementedError(f"{self.network} sends pictures with the text")

    def find_sent_picture(
        self, *, recipient_id: str, since: datetime, known: Collection[str] = ()
    ) -> str | None:
        """The id of a picture we sent ``recipient_id`` alone at or after
        ``since`` whose id is not in ``known``; as ``find_sent`` for text."""
        raise NotImplementedError(f"{self.network} sends pictures with the text")

    @abc.abstractmethod
    def find_sent(
        self,
        *,
        text: str,
        in_reply_to: str = "",
        recipient_id: str = "",
        since: datetime,
        known: Collection[str] = (),
    ) -> str | None:
        """The network id of our post/DM with this text sent at or after ``since``,
        if any, reading the account's posts (or the DM thread, or the comment's
        replies) back page by page until they pass ``since``, however many came
        after it. ``known``: ids already recorded for other messages. Used
        after an unknown outcome so a retry never posts twice; raises
        Unverifiable when the answer lies beyond FIND_SENT_MAX_PAGES."""

    @abc.abstractmethod
    def like(self, *, external_id: str) -> None: ...

    @abc.abstractmethod
    def hide(self, *, external_id: str) -> None: ...

    def delete(self, *, external_id: str) -> None:
        """Delete someone's comment on our post. Deleting one that is already
        gone is done, not an error (a retry after an unknown outcome)."""
        raise Refused(f"{self.network} does not let an account delete other people's posts.")

    @abc.abstractmethod
    def mute(self, *, user_id: str) -> None: ...

    @abc.abstractmethod
    def unmute(self, *, user_id: str) -> None: ...

    def block(self, *, user_id: str) -> None:
        """Block the person from the account (Bluesky, Mastodon); other networks refuse."""
        raise Refused(f"SocialDesk cannot block people on {self.network.title()}.")

    def unblock(self, *, user_id: str) -> None:
        """Undo a block from the account (Mastodon); other networks refuse."""
        raise Refused(f"SocialDesk cannot unblock people on {self.network.title()}.")

    @abc.abstractmethod
    def follower_count(self) -> int: ...

    @abc.abstractmethod
    def post_metrics(self, external_ids: list[str]) -> dict[str, dict[str, int]]: ...

    def own_posts(self, *, since: datetime) -> OwnPostsRead:
        """The account's own public posts (replies included) published since
        ``since``, with their public metrics, every page back to it."""
        raise NotImplementedError(f"own posts are not read on {self.network} yet")

    def profile_facts(self) -> ProfileFacts | None:
        """The account's public profile as the network shows it; None where
        this connector does not read it yet."""
        return None
