"""Mastodon, on any instance, through Mastodon.py's ``Mastodon`` client.

Quirks handled here (see shared/reference/network-apis.md §3, checked against
Mastodon.py 2.3.3):
- the instance is the channel's own (``api_base_url``); the transport adapter
  gives every request a timeout and, when ``SOCIAL_SANDBOX_URL`` is set, moves
  the instance's host to the sandbox's ``/masto``;
- ``ratelimit_method="throw"``: the default ("wait") sleeps inside the worker.
  The reset time is read from the 429's own ``X-RateLimit-Reset`` (an ISO
  time) by a session hook, since the exception does not carry it;
- every failure to connect, time out or read arrives as MastodonNetworkError
  or MastodonAPIError; the cause (``__context__``) tells "never sent" from
  "may have been posted";
- responses are cast to typed dicts with datetimes: they are turned back into
  plain JSON before mapping, and an element the cast left as it was (null, a
  string) is quarantined like any unreadable item;
- statuses are HTML; a reply must mention its addressee to reach them, and a
  direct message is a ``visibility="direct"`` status mentioning the person;
- a picture is uploaded first (``POST /api/v2/media`` with its description,
  the alt text), then named in the status's ``media_ids``: direct statuses
  carry pictures as public ones do. An upload may answer 202 with ``url``
  null while the instance processes it, and a status naming it then is
  refused (422), so it is read back until ready (see ``_wait_processed``);
- account ids are the instance's own (another instance numbers its accounts,
  and its copies of remote ones, independently), so every person and our own
  account are stored as ``<id>@<instance host>``: one resident seen from two
  councils' instances is two contacts, never one by accident.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Generator, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import mastodon as mastodon_py
import requests
from mastodon import Mastodon

from inbox.networks import own_posts, reading, transport
from inbox.networks.base import (
    FIND_SENT_MAX_PAGES,
    MAX_ID_LENGTH,
    AuthError,
    Author,
    BackfillPage,
    InboundItem,
    MediaItem,
    NetworkClient,
    NetworkError,
    OutboundImage,
    OwnPostsRead,
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
from inbox.networks.mastodon_text import html_to_text, status_length, without_leading_mentions
from inbox.networks.media import MAX_MEDIA, UNREADABLE, media_item

DEFAULT_MAX_CHARACTERS = 500  # Mastodon's own default, when an instance does not say
NOTIFICATIONS_PAGE = 80  # the most Mastodon serves per page
CONVERSATIONS_PAGE = 40
STATUSES_PAGE = 40
MAX_PAGES = 100  # bounds a misbehaving server
FIRST_POLL_PAGES = 1  # a new channel's first poll reads the newest page: history is backfill's
DM_LOOKUP_PAGES = 5  # how far back a direct reply looks for its thread's latest status
# An instance processing an upload (202): how often and how long to read it back
# before giving up for this attempt. Images are usually ready at once.
PROCESSING_READS = 3
PROCESSING_WAIT_SECONDS = 1.0
SCOPES = ["read", "write", "follow"]
NETWORK_EXCEPTIONS = (mastodon_py.MastodonError, requests.RequestException, ValueError)


def instance_base(instance: str) -> str:
    """``https://host`` for what an admin typed (a host, a URL, with or without a path)."""
    value = instance.strip().rstrip("/")
    if "://" not in value:
        value = f"https://{value}"
    scheme, _, rest = value.partition("://")
    host = rest.split("/", 1)[0].lower()
    return f"{scheme.lower()}://{host}"


def qualified(account_id: str, base: str) -> str:
    """``<id>@<host>``: an account id as stored (ids are only unique per instance)."""
    return f"{account_id}@{base.partition('://')[2]}"


def local_id(stored: str) -> str:
    """The instance's own id of a stored ``<id>@<host>`` (a bare id is kept as is)."""
    return stored.partition("@")[0]


def make_api(credentials: dict[str, str], *, on_response: Callable | None = None) -> Mastodon:
    """The one place a Mastodon client is built: the channel's instance, our
    session (timeout; the sandbox when set), throw on rate limits."""
    from django.conf import settings

    base = instance_base(credentials.get("instance", ""))
    session = requests.Session()
    transport.mount(session, real_bases=[base], sandbox_prefix="/masto")
    if on_response is not None:
        session.hooks["response"].append(on_response)
    return Mastodon(
        client_id=credentials.get("client_id") or None,
        client_secret=credentials.get("client_secret") or None,
        access_token=credentials.get("access_token") or None,
        api_base_url=base,
        ratelimit_method="throw",
        request_timeout=settings.NETWORK_HTTP_TIMEOUT,
        session=session,
        version_check_mode="none",
        user_agent="SocialDesk",
    )


def parse_time(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a time with no zone")
    return moment.astimezone(UTC)


def plain(value: Any) -> Any:
    """Mastodon.py's typed result as the JSON it came from (for mapping and the raw payload)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, str):
        return str(value)  # MaybeSnowflakeIdType and friends are str subclasses
    return value


def reset_time(headers: dict[str, str]) -> datetime | None:
    """When a 429 says the limit lifts: ISO-8601 on Mastodon, epoch seconds on GoToSocial."""
    raw = (headers.get("X-RateLimit-Reset") or headers.get("x-ratelimit-reset") or "").strip()
    if not raw:
        return None
    try:
        if raw.isdigit():
            return datetime.fromtimestamp(int(raw), UTC)
        return parse_time(raw.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None


def translate(exc: Exception, *, write: bool, headers: dict[str, str]) -> NetworkError:
    """Mastodon.py and requests errors -> the interface's. On a write, anything
    after the request may have reached the instance becomes UnknownOutcome."""
    unsure = UnknownOutcome if write else TransientError
    if isinstance(exc, mastodon_py.MastodonRatelimitError):
        return RateLimited("Mastodon rate limit reached", retry_at=reset_time(headers))
    if isinstance(exc, mastodon_py.MastodonUnauthorizedError):
        return AuthError("Mastodon rejected the token (expired or revoked): reconnect the account")
    if isinstance(exc, mastodon_py.MastodonNotFoundError):
        return Refused("Mastodon says that post or account no longer exists or is not visible.")
    if isinstance(exc, mastodon_py.MastodonServerError):
        return unsure(f"Mastodon server error: {_message(exc)}")
    if isinstance(exc, mastodon_py.MastodonNetworkError):
        cause = exc.__context__
        if isinstance(cause, requests.ConnectionError) and not isinstance(
            cause, requests.ReadTimeout
        ):
            return TransientError(f"cannot reach the Mastodon instance: {cause.__class__.__name__}")
        if isinstance(cause, requests.Timeout):
            return unsure("the Mastodon instance did not answer in time")
        return unsure(f"Mastodon request failed: {exc}")
    if isinstance(exc, mastodon_py.MastodonAPIError):
        if len(exc.args) < 2 or not isinstance(exc.args[1], int):
            return unsure(
                "Mastodon sent a malformed response"
            )  # "Could not parse response as JSON"
        return Refused(f"Mastodon refused the request: {_message(exc)}")
    if isinstance(exc, requests.Timeout):
        return unsure("the Mastodon instance did not answer in time")
    return unsure(f"Mastodon request failed: {exc.__class__.__name__}")


def _message(exc: Exception) -> str:
    """The instance's own words ("Validation failed: ...") when it gave them."""
    args = exc.args
    return (
        str(args[3]) if len(args) >= 4 and args[3] else f"HTTP {args[1] if len(args) > 1 else '?'}"
    )


def _id_number(raw: Any, key: str = "id") -> int:
    value = raw.get(key) if isinstance(raw, dict) else None
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= MAX_ID_LENGTH else 0


def _words(text: Any) -> str:
    return " ".join(without_leading_mentions(str(text or "")).split())


class MastodonClient(NetworkClient):
    """One account on one Mastodon instance: its mentions and direct messages."""

    network = "mastodon"
    backfill_reach = {"mentions": None, "dms": None}
    # Public replies and direct messages are both statuses, and both take media.
    reply_media_kinds = frozenset({"public", "private"})

    def __init__(self, *, account_id: str, credentials: dict[str, str]):
        self.base = instance_base(credentials.get("instance", ""))
        self.account_id = local_id(account_id)
        self.last_headers: dict[str, str] = {}
        self.api = make_api(credentials, on_response=self._remember_headers)
        self._roots: dict[str, str] = {}  # status id -> its thread's first status
        self._max_characters: int | None = None

    def _remember_headers(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.last_headers = dict(response.headers)

    def _call(self, fn: Callable[..., Any], *args: Any, write: bool = False, **kwargs: Any) -> Any:
        self.last_headers = {}
        try:
            return fn(*args, **kwargs)
        except NETWORK_EXCEPTIONS as exc:
            raise translate(exc, write=write, headers=self.last_headers) from exc

    def _page(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        page = self._call(fn, *args, **kwargs)
        if page is not None and not isinstance(page, list):
            raise TransientError("Mastodon sent a page that is not a list")
        return page

    # --- the account and the instance --------------------------------------------------

    def account_info(self) -> dict[str, Any]:
        """Who the token belongs to (``id``, ``acct``, ``display_name``, ``url``)."""
        me = plain(self._call(self.api.account_verify_credentials))
        if not isinstance(me, dict) or not _id_number(me):
            raise TransientError("Mastodon sent an account with no id")
        return me

    def max_characters(self) -> int:
        """The instance's own limit on a post (Mastodon 500 unless raised), read once."""
        if self._max_characters is None:
            info = plain(self._call(self.api.instance_v2))
            try:
                found = info["configuration"]["statuses"]["max_characters"]
            except (KeyError, TypeError):
                found = None
            valid = isinstance(found, int) and not isinstance(found, bool) and found > 0
            self._max_characters = found if valid else DEFAULT_MAX_CHARACTERS
        return self._max_characters

    # --- reading -------------------------------------------------------------------------

    def fetch(self, cursor: dict[str, Any]) -> list[StreamResult]:
        return [
            self._mentions(cursor.get("mentions_since_id")),
            self._direct(cursor.get("dms_since_id")),
        ]

    def _mentions(self, since: str | None) -> StreamResult:
        """Mention notifications newer than ``since``, oldest page first
        (``min_id`` and the Link header's ``prev``): the cursor moves page by page."""
        items: list[InboundItem] = []
        bad: list[Unparseable] = []
        newest = int(since) if since else 0
        try:
            page = self._page(
                self.api.notifications, types=["mention"], min_id=since, limit=NOTIFICATIONS_PAGE
            )
            for _ in range(MAX_PAGES if since else FIRST_POLL_PAGES):
                if not page:
                    break
                raws = plain(list(page))
                self._resolve_roots([n.get("status") for n in raws if isinstance(n, dict)])
                for raw in raws:
                    reading.read_into(items, bad, raw, self._map_notification, "notification")
                newest = max([newest, *(_id_number(n) for n in raws)])
                page = self._page(self.api.fetch_previous, page) if since else None
        except NetworkError as exc:
            return StreamResult("mentions", _ordered(items), bad, cursor=since, error=exc)
        return StreamResult(
            "mentions", _ordered(items), bad, cursor=str(newest) if newest else since
        )

    def _direct(self, since: str | None) -> StreamResult:
        """Direct conversations whose latest status is newer than ``since``; the
        list runs newest first, so paging stops at the first one already read.
        (Each direct status that mentions us also arrives as a notification; this
        stream adds our own side and threads sent from elsewhere.)"""
        items: list[InboundItem] = []
        bad: list[Unparseable] = []
        floor = int(since) if since else 0
        newest = floor
        try:
            page = self._page(self.api.conversations, limit=CONVERSATIONS_PAGE)
            for _ in range(MAX_PAGES if since else FIRST_POLL_PAGES):
                if not page:
                    break
                raws = plain(list(page))
                lasts = [c.get("last_status") if isinstance(c, dict) else None for c in raws]
                numbers = [_id_number(s) for s in lasts]
                for raw, number in zip(raws, numbers, strict=True):
                    if number == 0 or number > floor:
                        reading.read_into(items, bad, raw, self._map_conversation, "conversation")
                newest = max([newest, *numbers])
                if any(0 < n <= floor for n in numbers):
                    break
                page = self._page(self.api.fetch_next, page)
        except NetworkError as exc:
            return StreamResult("dms", _ordered(items), bad, cursor=since, error=exc)
        return StreamResult("dms", _ordered(items), bad, cursor=str(newest) if newest else since)

    def _resolve_roots(self, statuses: list[Any]) -> None:
        """Learn the first status of each reply's thread (public replies are
        threaded by it), one context read per thread not already known."""
        for status in statuses:
            if not isinstance(status, dict) or status.get("visibility") == "direct":
                continue
            sid, parent = _id_number(status), _id_number(status, "in_reply_to_id")
            if not sid or not parent or str(parent) in self._roots:
                continue
            try:
                context = plain(self._call(self.api.status_context, str(sid)))
                ancestors = context.get("ancestors") if isinstance(context, dict) else None
                ids = [_id_number(a) for a in ancestors or [] if _id_number(a)]
            except Refused:  # the parent was deleted or is not visible to us
                ids = []
            root = str(ids[0]) if ids else str(parent)
            for known in [*ids, parent]:
                self._roots[str(known)] = root

    # --- mapping -------------------------------------------------------------------------

    def _map_notification(self, raw: Any) -> InboundItem | None:
        note = reading.obj(raw, "notification")
        reading.numeric_id(note, "id", "notification")
        if reading.text(note, "type", "notification") != "mention":
            return None
        return self._map_status(reading.obj(reading.need(note, "status", "notification"), "status"))

    def _map_conversation(self, raw: Any) -> InboundItem | None:
        conversation = reading.obj(raw, "conversation")
        last = reading.obj(
            reading.need(conversation, "last_status", "conversation"), "conversation's last_status"
        )
        if last.get("visibility") != "direct":
            return None
        return self._map_status(last)

    def _author(self, account: Any, what: str) -> Author:
        account = reading.obj(account, what)
        return Author(
            external_id=qualified(reading.numeric_id(account, "id", what), self.base),
            # Stored bare, as on every network: pages add the "@".
            handle=reading.text(account, "acct", what).lstrip("@"),
            display_name=reading.text(account, "display_name", what, required=False),
            followers_count=reading.count(account, "followers_count", what),
            verified=False,  # Mastodon has no verification badge (profile links are verified instead)
        )

    def _map_status(self, status: dict[str, Any]) -> InboundItem | None:
        status_id = reading.numeric_id(status, "id", "status")
        author = self._author(reading.need(status, "account", "status"), "status's account")
        visibility = reading.text(status, "visibility", "status")
        text = html_to_text(reading.text(status, "content", "status"))
        created = reading.moment(status, "created_at", "status", parse_time)
        replied = status.get("in_reply_to_id")
        in_reply_to = reading.numeric_id(status, "in_reply_to_id", "status") if replied else ""
        metrics = {
            "like_count": reading.count(status, "favourites_count", "status"),
            "repost_count": reading.count(status, "reblogs_count", "status"),
            "reply_count": reading.count(status, "replies_count", "status"),
        }
        author_id = local_id(author.external_id)
        outbound = author_id == self.account_id
        if visibility == "direct":
            others = self._mentioned(status, exclude=author_id)
            people = sorted({*others, author_id} - {self.account_id}, key=int)
            if not people:
                raise Unreadable("direct status mentions nobody but the account")
            contact = author if not outbound else self._mention_author(status, people[0])
            kind, conversation_kind, thread = "dm", "private", "mdm:" + "-".join(people)
        elif outbound:
            return None  # our own public posts are not inbound
        else:
            root = self._roots.get(in_reply_to, in_reply_to) if in_reply_to else status_id
            kind = "reply" if in_reply_to else "mention"
            conversation_kind, thread, contact = "public", f"mst:{root}:{author_id}", author
        return InboundItem(
            network="mastodon",
            external_id=status_id,
            kind=kind,
            conversation_kind=conversation_kind,
            thread_key=thread,
            contact=contact,
            text=text,
            created_at=created,
            direction="out" if outbound else "in",
            in_reply_to=in_reply_to,
            metrics=metrics,
            media=_attachments(status.get("media_attachments")),
            raw=status,
        )

    def _mentioned(self, status: dict[str, Any], *, exclude: str) -> list[str]:
        mentions = reading.items_of(status.get("mentions"), "status's mentions")
        ids = [reading.numeric_id(reading.obj(m, "a mention"), "id", "a mention") for m in mentions]
        return [i for i in ids if i != exclude]

    def _mention_author(self, status: dict[str, Any], account_id: str) -> Author:
        for mention in status.get("mentions") or []:
            if isinstance(mention, dict) and str(mention.get("id")) == account_id:
                return Author(
                    external_id=qualified(account_id, self.base),
                    handle=reading.text(mention, "acct", "a mention").lstrip("@"),
                    display_name=reading.text(mention, "username", "a mention", required=False),
                )
        raise Unreadable("direct status has no mention of its recipient")

    # --- history (backfill) ------------------------------------------------------------------

    def backfill(
        self, *, since: dict[str, datetime], resume: dict[str, dict[str, Any]]
    ) -> Generator[BackfillPage, None, None]:
        readers = {"mentions": self._mention_history, "dms": self._direct_history}
        for name, reader in readers.items():
            position = resume.get(name) or {}
            if name in since and not position.get("done"):
                yield from reader(since[name], position)

    def _history(
        self, name: str, fn: Callable, since: datetime, position: dict[str, Any], **kwargs: Any
    ) -> Iterator[BackfillPage]:
        """Pages older than ``position["max_id"]`` back to ``since`` (newest first)."""
        max_id = position.get("max_id")
        mapper = self._map_notification if name == "mentions" else self._map_conversation
        page = self._page(fn, max_id=max_id, **kwargs)
        for _ in range(MAX_PAGES):
            if not page:
                break
            raws = plain(list(page))
            if name == "mentions":
                self._resolve_roots([n.get("status") for n in raws if isinstance(n, dict)])
            items: list[InboundItem] = []
            bad: list[Unparseable] = []
            for raw in raws:
                reading.read_into(items, bad, raw, mapper, name)
            kept = [i for i in items if i.created_at >= since]
            older = getattr(page, "_pagination_next", None) or {}
            max_id = str(older.get("max_id") or max_id or "")
            done = len(kept) < len(items) or not older
            yield BackfillPage.of(name, _ordered(kept), bad, {"max_id": max_id}, done=done)
            if done:
                return
            page = self._page(self.api.fetch_next, page)
        yield BackfillPage(name, [], [], {"max_id": max_id}, done=True)

    def _mention_history(self, since: datetime, position: dict[str, Any]):
        return self._history(
            "mentions",
            self.api.notifications,
            since,
            position,
            types=["mention"],
            limit=NOTIFICATIONS_PAGE,
        )

    def _direct_history(self, since: datetime, position: dict[str, Any]):
        return self._history(
            "dms", self.api.conversations, since, position, limit=CONVERSATIONS_PAGE
        )

    # --- writing -------------------------------------------------------------------------

    def _check_length(self, text: str) -> None:
        limit = self.max_characters()
        used = status_length(text)
        if used > limit:
            raise Refused(
                f"Too long for this Mastodon instance: {used} of {limit} characters "
                "(mentions count without their domain, links as 23)."
            )

    def send_reply(
        self, *, in_reply_to: str, text: str, media: Sequence[OutboundImage] = ()
    ) -> SendResult:
        """Reply in the thread, addressed to the post's author (a reply that does
        not mention them never reaches them), never more visible than the post:
        a direct post gets a direct reply, an unlisted one an unlisted reply."""
        parent = plain(self._call(self.api.status, in_reply_to))
        account = parent.get("account") if isinstance(parent, dict) else None
        acct = account.get("acct") if isinstance(account, dict) else None
        if not acct:
            raise TransientError("Mastodon sent the post without its author")
        visibility = parent.get("visibility")
        if visibility not in ("unlisted", "private", "direct"):
            visibility = "public"
        return self._post(
            _addressed(text, acct), in_reply_to=in_reply_to, visibility=visibility, media=media
        )

    def send_private(
        self,
        *,
        thread_key: str,
        recipient_id: str,
        text: str,
        media: Sequence[OutboundImage] = (),
    ) -> SendResult:
        """A direct status to the person, continuing the direct thread when it can
        be found (so their app shows one conversation)."""
        recipient_id = local_id(recipient_id)
        latest, acct = self._direct_thread(recipient_id)
        if not acct:
            account = plain(self._call(self.api.account, recipient_id))
            acct = account.get("acct") if isinstance(account, dict) else None
        if not acct:
            raise Refused("Mastodon has no account to send this direct message to.")
        return self._post(
            _addressed(text, acct), in_reply_to=latest, visibility="direct", media=media
        )

    def _direct_thread(self, recipient_id: str) -> tuple[str | None, str | None]:
        """The latest status of our one-to-one direct conversation with the person, and their acct."""
        page = self._page(self.api.conversations, limit=CONVERSATIONS_PAGE)
        for _ in range(DM_LOOKUP_PAGES):
            if not page:
                break
            for conversation in plain(list(page)):
                if not isinstance(conversation, dict):
                    continue
                accounts = [a for a in conversation.get("accounts") or [] if isinstance(a, dict)]
                last = conversation.get("last_status")
                if [str(a.get("id")) for a in accounts] == [recipient_id] and isinstance(
                    last, dict
                ):
                    return str(last.get("id")), str(accounts[0].get("acct") or "") or None
            page = self._page(self.api.fetch_next, page)
        return None, None

    def _post(
        self,
        text: str,
        *,
        in_reply_to: str | None,
        visibility: str,
        media: Sequence[OutboundImage] = (),
    ) -> SendResult:
        self._check_length(text)
        # Uploading posts nothing: an instance deletes attachments no status
        # names after a day, so a retry may upload again safely.
        media_ids = [self._upload(image) for image in media] or None
        status = plain(
            self._call(
                self.api.status_post,
                text,
                in_reply_to_id=in_reply_to,
                visibility=visibility,
                media_ids=media_ids,
                write=True,
            )
        )
        if not isinstance(status, dict) or not _id_number(status):
            raise UnknownOutcome("Mastodon answered the post without its id")
        return SendResult(external_id=str(status["id"]))

    def _upload(self, image: OutboundImage) -> str:
        """Upload one picture with its description (the alt text); its media id."""
        # Mastodon.py picks /api/v2/media or the old /api/v1/media by the
        # instance's version, and when it cannot read the version it guesses
        # 1.0.0 without a word. Read it here, failing loudly: a transient
        # failure is retried instead of an upload to the wrong path.
        self._call(self.api.retrieve_mastodon_version, fail_hard=True)
        uploaded = plain(
            self._call(
                self.api.media_post,
                image.body,
                mime_type=image.content_type,
                description=image.alt_text,
            )
        )
        if not isinstance(uploaded, dict) or not _id_number(uploaded):
            raise TransientError("Mastodon answered the upload without its id")
        media_id = str(uploaded["id"])
        if uploaded.get("url") is None:
            self._wait_processed(media_id)
        return media_id

    def _wait_processed(self, media_id: str) -> None:
        """Read a 202 upload back until the instance has processed it.
        Mastodon.py's ``synchronous=True`` would poll every 5 s for ever and
        turn any error (a rate limit too) into one message: a few short reads
        here, then a retry of the whole send later (nothing was posted)."""
        for _ in range(PROCESSING_READS):
            time.sleep(PROCESSING_WAIT_SECONDS)
            found = plain(self._call(self.api.media, media_id))
            if isinstance(found, dict) and found.get("url"):
                return
        raise TransientError("Mastodon is still processing the picture: trying again later")

    def find_sent(
        self,
        *,
        text: str,
        in_reply_to: str = "",
        recipient_id: str = "",
        since: datetime,
        known: Collection[str] = (),
    ) -> str | None:
        """Our statuses (direct ones included: they are ours) newest first until
        they pass ``since``, matched on words (after the @addressees added when
        sending), the post answered, or the person a direct message went to."""
        wanted = _words(text)
        recipient_id = local_id(recipient_id)

        def is_ours(status: dict[str, Any]) -> bool:
            words = _words(html_to_text(str(status.get("content") or "")))
            if words != wanted:
                return False
            if recipient_id:
                ids = [
                    str(m.get("id")) for m in status.get("mentions") or [] if isinstance(m, dict)
                ]
                return status.get("visibility") == "direct" and recipient_id in ids
            return str(status.get("in_reply_to_id") or "") == in_reply_to

        return search_back(
            self._own_pages(),
            is_ours=is_ours,
            created=_created,
            since=since,
            known=known,
            what="posts by the account",
        )

    def _own_pages(self) -> Iterator[tuple[list[dict[str, Any]], bool]]:
        page = self._page(self.api.account_statuses, self.account_id, limit=STATUSES_PAGE)
        for _ in range(FIND_SENT_MAX_PAGES + 1):
            if page is None:
                return
            more = bool(getattr(page, "_pagination_next", None)) and bool(page)
            yield [s for s in plain(list(page)) if isinstance(s, dict)], more
            if not more:
                return
            page = self._page(self.api.fetch_next, page)

    def like(self, *, external_id: str) -> None:
        self._call(self.api.status_favourite, external_id, write=True)

    def hide(self, *, external_id: str) -> None:
        raise Refused(
            "Mastodon has no way to hide a reply to someone else's post. "
            "Mute or block the account instead, or report the post to its instance."
        )

    def mute(self, *, user_id: str) -> None:
        self._call(self.api.account_mute, local_id(user_id), write=True)

    def unmute(self, *, user_id: str) -> None:
        self._call(self.api.account_unmute, local_id(user_id), write=True)

    def block(self, *, user_id: str) -> None:
        self._call(self.api.account_block, local_id(user_id), write=True)

    def unblock(self, *, user_id: str) -> None:
        self._call(self.api.account_unblock, local_id(user_id), write=True)

    def follower_count(self) -> int:
        return reading.count(self.account_info(), "followers_count", "the account")

    def own_posts(self, *, since: datetime) -> OwnPostsRead:
        """The account's statuses from ``since`` (newest first, reblogs of
        others and direct messages left out) with favourites, reblogs and
        replies counts."""

        def pages() -> Iterator[list[dict[str, Any]]]:
            page = self._page(
                self.api.account_statuses,
                self.account_id,
                limit=STATUSES_PAGE,
                exclude_reblogs=True,
            )
            for _ in range(MAX_PAGES):
                if not page:
                    return
                yield plain(list(page))
                if not getattr(page, "_pagination_next", None):
                    return
                page = self._page(self.api.fetch_next, page)

        return own_posts.read_back(
            pages(),
            lambda raw: own_posts.map_status(raw, parse_time=parse_time, to_text=html_to_text),
            since=since,
            what="status",
        )

    def post_metrics(self, external_ids: list[str]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for status_id in external_ids:
            try:
                status = plain(self._call(self.api.status, status_id))
            except Refused:
                continue  # deleted since: nothing to count
            if isinstance(status, dict):
                out[status_id] = {
                    "like_count": int(status.get("favourites_count") or 0),
                    "repost_count": int(status.get("reblogs_count") or 0),
                    "reply_count": int(status.get("replies_count") or 0),
                }
        return out


# A MediaAttachment's ``type``; "unknown" is a remote file the instance has not
# fetched yet (only ``remote_url`` then).
_ATTACHMENT_KINDS = {"image": "image", "gifv": "gif", "video": "video"}


def _attachments(raw: Any) -> tuple[MediaItem, ...]:
    """A status's ``media_attachments``: ``[{id, type, url, preview_url,
    remote_url, meta{original{width, height}}, description}]``. The
    ``description`` is the alt text; a video's or GIF's ``url`` is the file,
    its ``preview_url`` the still an officer is shown. An attachment the
    mapper cannot read never costs the status (see inbox.networks.media)."""
    if raw in (None, []):
        return ()
    if not isinstance(raw, list):
        return (UNREADABLE,)
    return tuple(_attachment(a) for a in raw[:MAX_MEDIA])


def _attachment(raw: Any) -> MediaItem:
    if not isinstance(raw, dict):
        return UNREADABLE
    kind = _ATTACHMENT_KINDS.get(str(raw.get("type")), "other")
    meta: dict[str, Any] = raw["meta"] if isinstance(raw.get("meta"), dict) else {}
    original: dict[str, Any] = meta["original"] if isinstance(meta.get("original"), dict) else {}
    file = raw.get("url") or raw.get("remote_url")
    still = file if kind == "image" else raw.get("preview_url")
    return media_item(
        kind=kind,
        url=still if kind != "other" else "",
        source_url=file if kind != "image" else "",
        alt_text=raw.get("description"),
        key=raw.get("id", ""),
        width=original.get("width"),
        height=original.get("height"),
    )


def _addressed(text: str, acct: str) -> str:
    """The text starting with ``@acct`` unless the officer already wrote it."""
    handle = f"@{acct.lstrip('@')}"
    words = text.split()
    if any(w.rstrip(".,:;!?").lower() == handle.lower() for w in words):
        return text
    return f"{handle} {text}"


def _created(status: dict[str, Any]) -> datetime | None:
    try:
        return parse_time(str(status["created_at"]).replace("Z", "+00:00"))
    except (KeyError, TypeError, ValueError):
        return None


def _ordered(items: list[InboundItem]) -> list[InboundItem]:
    """Oldest first (ids grow with time), so a thread's messages arrive in order."""
    return sorted(items, key=lambda i: (i.created_at, int(i.external_id)))
