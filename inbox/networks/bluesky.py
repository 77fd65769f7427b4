"""Bluesky through the atproto SDK's ``Client`` (httpx) over XRPC.

Quirks handled here (see shared/reference/network-apis.md §3):
- the base URL is the account's PDS (``<sandbox>/bsky`` against the sandbox);
  the SDK appends ``/xrpc`` and, after ``createSession``, moves to the PDS the
  DID document names, so a stored session carries its own endpoint;
- a session is an access JWT (2 hours) and a refresh JWT (90 days); the SDK
  refreshes on its own 15 minutes before ``exp``, but a token the server has
  expired answers 400 ``ExpiredToken``: refresh, else sign in again with the
  app password, else the channel needs reconnecting. Every new session is
  handed to ``on_session`` so it is stored (``createSession`` is limited to
  30 per 5 minutes: it must not run on every poll);
- reads go through ``invoke_query`` and are mapped item by item: the SDK's
  models validate a whole page at once, and one bad item must not sink it;
- chat methods go through a clone with the ``atproto-proxy`` header for the
  chat service (``with_bsky_chat_proxy()``);
- a reply names its thread's root and its parent by strong reference
  (uri + cid): the parent is read back first with ``getPosts``;
- a reply's picture is uploaded first (``uploadBlob``: nothing is shown until
  a record names the blob, and the PDS drops unreferenced blobs), then named
  in the post's ``app.bsky.embed.images`` embed with its alt text. Chats
  (chat.bsky.convo) carry text only;
- 429 answers carry ``ratelimit-reset`` (epoch seconds): RateLimited until then.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Generator, Iterator, Sequence
from datetime import datetime
from typing import Any, ClassVar

import httpx
from atproto import Client, SessionEvent, models
from atproto_client import exceptions as sdk
from atproto_client.request import Request
from django.conf import settings

from inbox.networks import own_posts, reading
from inbox.networks.base import (
    FIND_SENT_MAX_PAGES,
    AuthError,
    BackfillPage,
    InboundItem,
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
from inbox.networks.bluesky_images import MAX_IMAGE_BYTES, fit
from inbox.networks.bluesky_mapping import (
    INBOUND_REASONS,
    convo_last_sent,
    convo_members,
    map_message,
    map_notification,
    parse_time,
)
from inbox.networks.bluesky_text import POST_BYTES, POST_GRAPHEMES, graphemes

BSKY_SERVICE = "https://bsky.social"
POST = "app.bsky.feed.post"
MAX_PAGES = 100  # bounds a misbehaving server, never reached in practice
OWN_POSTS_PAGE = 100  # the most getAuthorFeed serves per page
MAX_IMAGES = 4  # app.bsky.embed.images
# A stream's first poll (no cursor yet) reads its newest page: enough to set
# the cursor. What is older is history, the import's to fetch (backfill).
FIRST_POLL_PAGES = 1
# A request the server refused because of the session, not the request.
SESSION_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthMissing"})
NETWORK_EXCEPTIONS = (sdk.AtProtocolError, httpx.HTTPError, ValueError)


def service_url(credentials: dict[str, str]) -> str:
    sandbox = settings.SOCIAL_SANDBOX_URL.rstrip("/")
    return f"{sandbox}/bsky" if sandbox else (credentials.get("service") or BSKY_SERVICE)


def make_client(credentials: dict[str, str]) -> Client:
    """The one place an atproto Client is built: the PDS and a timeout."""
    return Client(
        base_url=service_url(credentials),
        request=Request(timeout=settings.NETWORK_HTTP_TIMEOUT),
    )


def _error_name(exc: sdk.RequestErrorBase) -> str:
    content = exc.response.content if exc.response is not None else None
    return str(getattr(content, "error", "") or "")


def _status(exc: sdk.RequestErrorBase) -> int:
    return exc.response.status_code if exc.response is not None else 0


def translate(exc: Exception, *, write: bool) -> NetworkError:
    """Map SDK/httpx errors to the interface's errors. For a write, any
    failure after the request may have been acted on becomes UnknownOutcome."""
    unsure = UnknownOutcome if write else TransientError
    if isinstance(exc, sdk.RateLimitExceededError):
        return RateLimited("Bluesky rate limit reached", retry_at=exc.reset_at)
    if isinstance(exc, sdk.LoginRequiredError):
        return AuthError("Bluesky has no session for the account: reconnect it")
    if isinstance(exc, sdk.UnauthorizedError | sdk.BadRequestError):
        if _status(exc) == 401 or _error_name(exc) in SESSION_ERRORS:
            return AuthError(
                f"Bluesky refused the session ({exc}): reconnect the account with a new app password"
            )
        return Refused(f"Bluesky refused the request: {exc}")
    if isinstance(exc, sdk.RequestErrorBase) and exc.response is None:
        cause = exc.__cause__
        if isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout):
            return TransientError(f"cannot reach Bluesky: {cause.__class__.__name__}")
        if isinstance(exc, sdk.InvokeTimeoutError):
            return unsure("Bluesky did not answer in time")
        return unsure(f"Bluesky connection failed: {cause.__class__.__name__}")
    if isinstance(exc, sdk.RequestErrorBase):
        if _status(exc) >= 500 and _status(exc) != 501:
            return unsure(f"Bluesky server error: {exc}")
        if isinstance(exc, sdk.NetworkError):  # 409, 413
            return unsure(f"Bluesky could not take the request: {exc}")
        return Refused(f"Bluesky refused the request: {exc}")
    if isinstance(exc, sdk.ModelError | ValueError):
        return unsure("Bluesky sent a malformed response")
    return unsure(f"Bluesky request failed: {exc!r}")


def sign_in(*, identifier: str, app_password: str) -> tuple[dict[str, str], dict[str, Any]]:
    """Open a session with an app password (the connect check). Returns the
    credentials to store (the app password and the session) and the
    account's profile."""
    credentials = {"identifier": identifier.strip().lstrip("@"), "app_password": app_password}
    client = BlueskyClient(account_id="", credentials=credentials)
    profile = client.profile()
    return client.credentials, profile


class BlueskyClient(NetworkClient):
    """One Bluesky account: its notifications (mentions, replies, quotes) and chats."""

    network = "bluesky"
    backfill_reach: ClassVar[dict[str, int | None]] = {"notifications": None, "chat": None}
    # Posts carry pictures; chat messages cannot (chat.bsky.convo has no embeds for them).
    reply_media_kinds = frozenset({"public"})
    reply_image_max_bytes = MAX_IMAGE_BYTES

    def __init__(
        self,
        *,
        account_id: str,
        credentials: dict[str, str],
        on_session: Callable[[str], None] | None = None,
    ):
        self.account_id = account_id
        self.credentials = dict(credentials)
        self.on_session = on_session
        self.client = make_client(self.credentials)
        self.client.on_session_change(self._session_changed)
        self._chat: Client | None = None
        self._signed_in = False

    # --- the session ------------------------------------------------------------------

    def _session_changed(self, event: SessionEvent, session: Any) -> None:
        if event == SessionEvent.IMPORT:
            return
        self.credentials["session"] = session.export()
        self.account_id = session.did
        if self.on_session is not None:
            self.on_session(self.credentials["session"])

    def _sign_in(self) -> None:
        if self._signed_in:
            return
        stored = self.credentials.get("session")
        if stored:
            self.client.login(session_string=stored, fetch_bsky_profile=False)
            if settings.SOCIAL_SANDBOX_URL:
                # The stored endpoint may be an earlier sandbox's address.
                self.client.update_base_url(service_url(self.credentials))
        else:
            self._password_login()
        self._signed_in = True

    def _password_login(self) -> None:
        identifier = self.credentials.get("identifier", "")
        password = self.credentials.get("app_password", "")
        if not identifier or not password:
            raise AuthError("No Bluesky app password is stored: reconnect the account")
        try:
            self.client.login(identifier, password, fetch_bsky_profile=False)
        except sdk.UnauthorizedError as exc:
            raise AuthError(
                "Bluesky refused the app password (revoked or changed): "
                "reconnect the account with a new app password"
            ) from exc
        self._chat = None  # a new session may have moved the PDS

    def _renew(self) -> None:
        """The server refused the access token: refresh the session, else sign
        in again with the app password (AuthError if that is refused too)."""
        try:
            # The SDK refreshes by itself only on its own clock; this is the same call.
            self.client._refresh_and_set_session()
        except (sdk.BadRequestError, sdk.UnauthorizedError, sdk.LoginRequiredError):
            self._password_login()

    def _call(self, fn: Callable[[], Any], *, write: bool = False) -> Any:
        try:
            self._sign_in()
            try:
                return fn()
            except (sdk.BadRequestError, sdk.UnauthorizedError) as exc:
                if _status(exc) != 401 and _error_name(exc) not in SESSION_ERRORS:
                    raise
                # Refused before it was acted on: trying again cannot double it.
                self._renew()
                return fn()
        except NETWORK_EXCEPTIONS as exc:
            raise translate(exc, write=write) from exc

    @property
    def did(self) -> str:
        self._call(lambda: None)
        return self.account_id

    def _chat_client(self) -> Client:
        if self._chat is None:
            self._chat = self.client.with_bsky_chat_proxy()
        return self._chat

    def _query(self, nsid: str, params: Any, *, chat: bool = False) -> dict[str, Any]:
        def run() -> Any:
            client = self._chat_client() if chat else self.client
            return client.invoke_query(nsid, params=params).content

        content = self._call(run)
        if not isinstance(content, dict):
            raise TransientError("Bluesky sent a page that is not a JSON object")
        return content

    def _pages(
        self,
        nsid: str,
        key: str,
        params: Callable[[str | None], Any],
        *,
        chat: bool = False,
        max_pages: int = MAX_PAGES,
        cursor: str | None = None,
    ) -> Iterator[tuple[list[Any], str | None]]:
        """Pages of ``key`` (newest first), each with the cursor of the page after it."""
        for _ in range(max_pages):
            page = self._query(nsid, params(cursor), chat=chat)
            data = page.get(key) or []
            if not isinstance(data, list):
                raise TransientError(f"Bluesky sent a page whose {key} is not a list")
            following = page.get("cursor")
            cursor = following if isinstance(following, str) and following and data else None
            yield data, cursor
            if cursor is None:
                return

    # --- reading ----------------------------------------------------------------------

    def fetch(self, cursor: dict[str, Any]) -> list[StreamResult]:
        return [
            self._stream(
                "notifications", cursor.get("notifications_since_id"), self._notifications
            ),
            self._stream("chat", cursor.get("chat_since_id"), self._chats),
        ]

    def _stream(self, name: str, since: Any, reader: Callable) -> StreamResult:
        """The cursor is the newest time read (indexedAt, or a message's
        sentAt); that instant is read again next time (ingest drops what it
        has), anything before it is not."""
        since_at = parse_time(since) if since else None
        items: list[InboundItem] = []
        bad: list[Unparseable] = []
        try:
            newest = reader(since_at, items, bad, MAX_PAGES if since_at else FIRST_POLL_PAGES)
        except NetworkError as exc:
            return StreamResult(name, _oldest_first(items), bad, cursor=since, error=exc)
        newest = max([t for t in (newest, since_at) if t is not None], default=None)
        return StreamResult(
            name, _oldest_first(items), bad, cursor=newest.isoformat() if newest else since
        )

    def _notification_params(self, cursor: str | None) -> Any:
        return models.AppBskyNotificationListNotifications.Params(
            limit=100, cursor=cursor, reasons=list(INBOUND_REASONS)
        )

    def _notifications(
        self, since: datetime | None, items: list, bad: list, max_pages: int, *, cursor=None
    ) -> datetime | None:
        newest: datetime | None = None
        pages = self._pages(
            "app.bsky.notification.listNotifications",
            "notifications",
            self._notification_params,
            max_pages=max_pages,
            cursor=cursor,
        )
        for page, _next in pages:
            older, newest = self._read_notifications(page, since, items, bad, newest)
            if older:
                break  # newest first: the pages after this are older still
        return newest

    def _read_notifications(self, page, since, items, bad, newest):
        account = self.did
        older = False
        for raw in page:
            indexed = _time_of(raw, "indexedAt")
            if indexed is not None and since is not None and indexed < since:
                older = True
                continue
            item = reading.read_one(
                bad,
                raw,
                lambda r: map_notification(r, account_did=account),
                "Bluesky notification",
            )
            if item is not None:
                items.append(item)
            if indexed is not None and (newest is None or indexed > newest):
                newest = indexed
        return older, newest

    def _chats(
        self, since: datetime | None, items: list, bad: list, max_pages: int
    ) -> datetime | None:
        newest: datetime | None = None
        for convos, _next in self._pages(
            "chat.bsky.convo.listConvos",
            "convos",
            lambda c: models.ChatBskyConvoListConvos.Params(limit=100, cursor=c),
            chat=True,
            max_pages=max_pages,
        ):
            older = False
            for raw in convos:
                try:
                    convo_id, other = convo_members(raw, account_did=self.did)
                    last = convo_last_sent(raw)
                except Unreadable as exc:
                    bad.append(Unparseable(raw, str(exc), reading.guess_id(raw)))
                    continue
                if last is None:
                    continue
                if since is not None and last < since:
                    older = True  # most recently active first
                    continue
                found = self._convo_messages(convo_id, other, since, items, bad, max_pages)
                newest = max([t for t in (newest, found) if t is not None], default=None)
            if older:
                break
        return newest

    def _convo_messages(self, convo_id, other, since, items, bad, max_pages) -> datetime | None:
        newest = None
        # The chat pages come newest first; stored oldest first, so two
        # messages sent in the same millisecond keep the order they were sent in.
        found: list = []
        for messages, _next in self._pages(
            "chat.bsky.convo.getMessages",
            "messages",
            lambda c: models.ChatBskyConvoGetMessages.Params(
                convo_id=convo_id, limit=100, cursor=c
            ),
            chat=True,
            max_pages=max_pages,
        ):
            older = False
            for raw in messages:
                item = reading.read_one(
                    bad,
                    raw,
                    lambda r: map_message(r, convo_id=convo_id, other=other, account_did=self.did),
                    "Bluesky chat message",
                )
                if item is None:
                    continue
                if since is not None and item.created_at < since:
                    older = True
                    continue
                found.append(item)
                newest = item.created_at if newest is None else max(newest, item.created_at)
            if older:
                break
        items.extend(reversed(found))
        return newest

    # --- history (backfill) -------------------------------------------------------------

    def backfill(
        self, *, since: dict[str, datetime], resume: dict[str, dict[str, Any]]
    ) -> Generator[BackfillPage, None, None]:
        if "notifications" in since and not (resume.get("notifications") or {}).get("done"):
            yield from self._notification_history(
                since["notifications"], resume.get("notifications") or {}
            )
        if "chat" in since and not (resume.get("chat") or {}).get("done"):
            items: list[InboundItem] = []
            bad: list[Unparseable] = []
            self._chats(since["chat"], items, bad, MAX_PAGES)
            yield BackfillPage.of("chat", _oldest_first(items), bad, {}, done=True)

    def _notification_history(self, since: datetime, position: dict[str, Any]):
        """Notifications newest first back to ``since``, resuming from the
        listing cursor of the last stored page."""
        pages = self._pages(
            "app.bsky.notification.listNotifications",
            "notifications",
            self._notification_params,
            cursor=position.get("cursor"),
        )
        for page, following in pages:
            items: list[InboundItem] = []
            bad: list[Unparseable] = []
            older, _ = self._read_notifications(page, since, items, bad, None)
            done = older or following is None
            yield BackfillPage.of(
                "notifications", _oldest_first(items), bad, {"cursor": following}, done=done
            )
            if done:
                return
        yield BackfillPage("notifications", [], [], {}, done=True)

    # --- writing ----------------------------------------------------------------------

    def _post_views(self, uris: list[str]) -> list[dict[str, Any]]:
        page = self._query("app.bsky.feed.getPosts", models.AppBskyFeedGetPosts.Params(uris=uris))
        return [p for p in page.get("posts") or [] if isinstance(p, dict)]

    def _post_view(self, uri: str) -> dict[str, Any]:
        found = next((p for p in self._post_views([uri]) if p.get("uri") == uri), None)
        if found is None or not found.get("cid"):
            raise Refused("That post is no longer on Bluesky (deleted, or its author blocked us).")
        return found

    def _facets(self, text: str) -> list[models.AppBskyRichtextFacet.Main] | None:
        """Mentions (handles resolved to DIDs) and links, by UTF-8 byte offsets."""
        return self._call(lambda: self.client.detect_facets(text)) or None

    def send_reply(
        self, *, in_reply_to: str, text: str, media: Sequence[OutboundImage] = ()
    ) -> SendResult:
        if graphemes(text) > POST_GRAPHEMES or len(text.encode("utf-8")) > POST_BYTES:
            raise Refused(
                f"Bluesky posts are at most {POST_GRAPHEMES} characters ({POST_BYTES} bytes)."
            )
        if len(media) > MAX_IMAGES:
            raise Refused(f"Bluesky posts carry at most {MAX_IMAGES} pictures.")
        parent = self._post_view(in_reply_to)
        parent_ref = models.ComAtprotoRepoStrongRef.Main(uri=parent["uri"], cid=parent["cid"])
        root_raw = ((parent.get("record") or {}).get("reply") or {}).get("root") or {}
        root_ref = (
            models.ComAtprotoRepoStrongRef.Main(uri=root_raw["uri"], cid=root_raw["cid"])
            if root_raw.get("uri") and root_raw.get("cid")
            else parent_ref
        )
        facets = self._facets(text)
        embed = self._images_embed(media) if media else None
        did = self.did
        created = self._call(
            lambda: self.client.send_post(
                text,
                profile_identify=did,
                reply_to=models.AppBskyFeedPost.ReplyRef(root=root_ref, parent=parent_ref),
                embed=embed,
                facets=facets,
            ),
            write=True,
        )
        return SendResult(external_id=str(created.uri), thread_id=root_ref.uri)

    def _images_embed(self, media: Sequence[OutboundImage]) -> models.AppBskyEmbedImages.Main:
        return models.AppBskyEmbedImages.Main(images=[self._upload(image) for image in media])

    def _upload(self, image: OutboundImage) -> models.AppBskyEmbedImages.Image:
        """Upload one picture (a read as far as retries go: a blob no record
        names is never shown); the embed entry naming it with its alt text."""
        fitted = fit(image)
        body, content_type = fitted.image.body, fitted.image.content_type
        uploaded = self._call(
            lambda: self.client.com.atproto.repo.upload_blob(
                body, headers={"Content-Type": content_type}
            )
        )
        ratio = (
            models.AppBskyEmbedDefs.AspectRatio(width=fitted.width, height=fitted.height)
            if fitted.width and fitted.height
            else None
        )
        return models.AppBskyEmbedImages.Image(
            alt=image.alt_text, image=uploaded.blob, aspect_ratio=ratio
        )

    def send_private(
        self,
        *,
        thread_key: str,
        recipient_id: str,
        text: str,
        media: Sequence[OutboundImage] = (),
    ) -> SendResult:
        if media:
            raise Refused("Bluesky chats cannot carry pictures: send the text alone.")
        convo_id = (
            thread_key.removeprefix("bsdm:")
            if thread_key.startswith("bsdm:")
            else self._convo_with(recipient_id)
        )
        facets = self._facets(text)
        data = models.ChatBskyConvoSendMessage.Data(
            convo_id=convo_id,
            message=models.ChatBskyConvoDefs.MessageInput(text=text, facets=facets),
        )
        sent = self._call(
            lambda: self._chat_client().chat.bsky.convo.send_message(data), write=True
        )
        return SendResult(external_id=str(sent.id), thread_id=f"bsdm:{convo_id}")

    def _convo_with(self, recipient_id: str) -> str:
        page = self._query(
            "chat.bsky.convo.getConvoForMembers",
            models.ChatBskyConvoGetConvoForMembers.Params(members=[self.did, recipient_id]),
            chat=True,
        )
        convo = page.get("convo")
        if not isinstance(convo, dict) or not convo.get("id"):
            raise TransientError("Bluesky sent no conversation for this person")
        return str(convo["id"])

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
            convo_id = self._convo_with(recipient_id)
            pages = self._pages(
                "chat.bsky.convo.getMessages",
                "messages",
                lambda c: models.ChatBskyConvoGetMessages.Params(
                    convo_id=convo_id, limit=100, cursor=c
                ),
                chat=True,
                max_pages=FIND_SENT_MAX_PAGES,
            )
            return search_back(
                ((m, bool(c)) for m, c in pages),
                is_ours=lambda m: (
                    (m.get("sender") or {}).get("did") == self.did
                    and _words(m.get("text")) == wanted
                ),
                created=lambda m: _time_of(m, "sentAt"),
                since=since,
                known=known,
                what="chat messages in this conversation",
            )
        # The account's own repository, newest first: every post it wrote,
        # at once (the AppView's feeds may lag behind a write).
        did = self.did
        pages = self._pages(
            "com.atproto.repo.listRecords",
            "records",
            lambda c: models.ComAtprotoRepoListRecords.Params(
                repo=did, collection=POST, limit=100, cursor=c
            ),
            max_pages=FIND_SENT_MAX_PAGES,
        )
        return search_back(
            (([_as_item(r) for r in data if isinstance(r, dict)], bool(c)) for data, c in pages),
            is_ours=lambda r: r["parent"] == in_reply_to and _words(r["text"]) == wanted,
            created=lambda r: _time_of(r, "createdAt"),
            since=since,
            known=known,
            what="posts by the account",
        )

    def like(self, *, external_id: str) -> None:
        post = self._post_view(external_id)
        if (post.get("viewer") or {}).get("like"):
            return  # already liked (an earlier attempt got through): one like, not two
        record = models.AppBskyFeedLike.Record(
            subject=models.ComAtprotoRepoStrongRef.Main(uri=post["uri"], cid=post["cid"]),
            created_at=self.client.get_current_time_iso(),
        )
        did = self.did
        self._call(lambda: self.client.app.bsky.feed.like.create(did, record), write=True)

    def hide(self, *, external_id: str) -> None:
        raise Refused(
            "SocialDesk cannot hide replies on Bluesky. Mute or block the person instead."
        )

    def mute(self, *, user_id: str) -> None:
        self._call(lambda: self.client.mute(user_id), write=True)

    def unmute(self, *, user_id: str) -> None:
        self._call(lambda: self.client.unmute(user_id), write=True)

    def block(self, *, user_id: str) -> None:
        if (self._profile(user_id).get("viewer") or {}).get("blocking"):
            return  # already blocked: a block is one record, never two
        record = models.AppBskyGraphBlock.Record(
            subject=user_id, created_at=self.client.get_current_time_iso()
        )
        did = self.did
        self._call(lambda: self.client.app.bsky.graph.block.create(did, record), write=True)

    def _profile(self, actor: str) -> dict[str, Any]:
        return self._query(
            "app.bsky.actor.getProfile", models.AppBskyActorGetProfile.Params(actor=actor)
        )

    def profile(self) -> dict[str, Any]:
        """The account's own profile (did, handle, displayName, followersCount)."""
        return self._profile(self.did)

    def follower_count(self) -> int:
        return int(self.profile().get("followersCount") or 0)

    def own_posts(self, *, since: datetime) -> OwnPostsRead:
        """The account's author feed (posts and replies, newest first) from
        ``since``, with like, reply, repost and quote counts."""

        def params(cursor: str | None) -> Any:
            return models.AppBskyFeedGetAuthorFeed.Params(
                actor=self.account_id,
                limit=OWN_POSTS_PAGE,
                cursor=cursor,
                filter="posts_with_replies",
            )

        pages = (data for data, _ in self._pages("app.bsky.feed.getAuthorFeed", "feed", params))
        return own_posts.read_back(
            pages,
            lambda raw: own_posts.map_feed_item(raw, parse_time=parse_time),
            since=since,
            what="Bluesky post",
        )

    def post_metrics(self, external_ids: list[str]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for start in range(0, len(external_ids), 25):  # getPosts takes 25 uris
            for post in self._post_views(external_ids[start : start + 25]):
                out[str(post["uri"])] = {
                    "like_count": int(post.get("likeCount") or 0),
                    "reply_count": int(post.get("replyCount") or 0),
                    "retweet_count": int(post.get("repostCount") or 0),
                    "quote_count": int(post.get("quoteCount") or 0),
                }
        return out


def _words(text: Any) -> str:
    return " ".join(str(text or "").split())


def _time_of(raw: Any, key: str) -> datetime | None:
    try:
        return parse_time(raw.get(key)) if isinstance(raw, dict) else None
    except (TypeError, ValueError):
        return None


def _as_item(record: dict[str, Any]) -> dict[str, Any]:
    """A listRecords entry as search_back reads it (its id is the uri)."""
    value = record.get("value")
    value = value if isinstance(value, dict) else {}
    reply = value.get("reply")
    reply = reply if isinstance(reply, dict) else {}
    parent = reply.get("parent")
    parent = parent if isinstance(parent, dict) else {}
    return {
        "id": record.get("uri"),
        "text": value.get("text"),
        "createdAt": value.get("createdAt"),
        "parent": parent.get("uri"),
    }


def _oldest_first(items: list[InboundItem]) -> list[InboundItem]:
    return sorted(items, key=lambda i: i.created_at)
