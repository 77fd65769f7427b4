"""Facebook Pages and Messenger through facebook-sdk's ``GraphAPI``.

Quirks handled here (see shared/reference/network-apis.md §2):
- the constructor only accepts Graph versions 2.8-3.1 and defaults to 2.8,
  which Meta silently upgrades to its oldest live version: set the current
  version on the object after building it;
- no timeout by default and a fixed host: one ``requests.Session`` with the
  transport adapter (default timeout; sandbox rewrite only when
  ``SOCIAL_SANDBOX_URL`` is set);
- errors are read from the content type, never the status: an HTML error page
  is a bare GraphAPIError, no content type is a KeyError, a cut-off JSON body
  a JSONDecodeError. On a write all three mean "may have been posted";
- ``get_all_connections`` fails when ``paging.next`` lacks ``access_token``,
  so paging is done here and tolerates it;
- response headers are not returned: a session hook keeps the last
  ``X-Business-Use-Case-Usage`` so a rate limit can say when it ends.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import facebook
import requests

from inbox.networks import own_posts, reading, transport
from inbox.networks.base import (
    AuthError,
    Author,
    BackfillPage,
    InboundItem,
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
from inbox.networks.facebook_mapping import (
    map_comment,
    map_message,
    map_post,
    parse_time,
    post_author,
)

log = logging.getLogger(__name__)

GRAPH_VERSION = "v21.0"
GRAPH_HOSTS = ["https://graph.facebook.com"]
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001, 80006})
TRANSIENT_CODES = frozenset({1, 2})
WINDOW_SUBCODE = 2018278
ALREADY_REPLIED_CODE = 10900
# Comments on older posts still arrive by webhook; polling looks at this many.
MAX_POSTS = 50
MAX_PAGES = 100  # bounds a misbehaving server, never reached in practice
# A stream's first poll (no cursor yet) reads only the newest page of posts,
# of each one's comments and of Messenger threads: enough to set the cursor.
# What is older is history, the import's to fetch (backfill).
FIRST_POLL_PAGES = 1
COMMENT_FIELDS = (
    "id,message,from{id,name},created_time,like_count,comment_count,parent{id,from},attachment"
)
MESSAGE_FIELDS = "id,message,from,created_time,attachments"
PROFILE_FIELDS = "id,verification_status,about,picture{url,is_silhouette},cover{source}"
POST_FIELDS = "id,message,from{id,name},created_time,permalink_url"
OWN_POST_FIELDS = (
    "id,message,created_time,permalink_url,shares,"
    "reactions.summary(total_count).limit(0),comments.summary(true).limit(0)"
)
OWN_POSTS_PAGE = 25
# People's posts: on the Page's timeline (/visitor_posts) and elsewhere
# tagging it (/tagged). Each is a stream of its own with its own cursor.
POST_STREAMS = {"visitor_posts": ("visitor_posts", "post"), "tags": ("tagged", "tag")}


def window_explanation(closed_at: datetime | None = None) -> str:
    """What the officer reads when Messenger's 24-hour window has closed."""
    when = (
        f"it closed at {closed_at.astimezone(UTC):%d %b %Y %H:%M} UTC"
        if closed_at is not None
        else "that window has closed"
    )
    return (
        "Messenger only allows replies within 24 hours of the person's last message; "
        f"{when}. Ask them to message again, or reply by another channel."
    )


def make_graph(access_token: str) -> facebook.GraphAPI:
    """The one place a GraphAPI is built: current version, timeout, adapter."""
    from django.conf import settings

    session = requests.Session()
    transport.mount(session, real_bases=GRAPH_HOSTS, sandbox_prefix="/fb")
    graph = facebook.GraphAPI(
        access_token=access_token, timeout=settings.NETWORK_HTTP_TIMEOUT, session=session
    )
    graph.version = GRAPH_VERSION  # the constructor's check rejects current versions
    return graph


def _usage_regain_at(headers: dict[str, str]) -> datetime | None:
    """When Graph says the Page may call again (minutes in the BUC header)."""
    raw = headers.get("X-Business-Use-Case-Usage") or headers.get("x-business-use-case-usage")
    try:
        usage = json.loads(raw) if raw else {}
        minutes = [
            int(entry["estimated_time_to_regain_access"])
            for entries in usage.values()
            for entry in entries
            if "estimated_time_to_regain_access" in entry
        ]
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if not minutes or max(minutes) <= 0:
        return None
    return datetime.now(UTC) + timedelta(minutes=max(minutes))


def is_gone(exc: BaseException | None) -> bool:
    """Graph's 100/33: no such object (any more). Deleting it again is done."""
    result = getattr(exc, "result", None)
    error = result.get("error") if isinstance(result, dict) else None
    return isinstance(error, dict) and error.get("code") == 100 and error.get("error_subcode") == 33


def graph_delete(call: Callable[..., Any], graph: facebook.GraphAPI, external_id: str) -> None:
    """DELETE a node through ``call`` (the client's error mapping); one that
    is already gone counts as deleted, so a retry after an unknown outcome is
    harmless."""
    try:
        call(graph.request, f"{graph.version}/{external_id}", method="DELETE", write=True)
    except Refused as exc:
        if not is_gone(exc.__cause__):
            raise


def translate(exc: Exception, *, write: bool) -> NetworkError:
    """Map facebook-sdk/requests errors to the interface's errors."""
    unsure = UnknownOutcome if write else TransientError
    if isinstance(exc, facebook.GraphAPIError):
        error = exc.result.get("error") if isinstance(exc.result, dict) else None
        if not isinstance(error, dict):
            # "Maintype was not text, image, or querystring": an HTML error page.
            return unsure(f"Facebook sent an error page instead of an answer: {exc}")
        return _graph_error(error, unsure)
    if isinstance(exc, KeyError):
        return unsure("Facebook sent an answer with no content type")
    if isinstance(
        exc, requests.exceptions.ConnectTimeout | requests.exceptions.ConnectionError
    ) and not isinstance(exc, requests.exceptions.ReadTimeout):
        return TransientError(f"cannot reach Facebook: {exc.__class__.__name__}")
    if isinstance(exc, requests.Timeout):
        return unsure("Facebook did not answer in time")
    if isinstance(exc, ValueError):  # requests.JSONDecodeError
        return unsure("Facebook sent a malformed response")
    return unsure(f"Facebook request failed: {exc!r}")


def _graph_error(error: dict[str, Any], unsure: type[TransientError]) -> NetworkError:
    code = error.get("code")
    subcode = error.get("error_subcode")
    message = str(error.get("message") or "unknown error")
    if code in RATE_LIMIT_CODES:
        return RateLimited(f"Facebook rate limit reached ({message})")
    if code == 190 or code == 102:
        return AuthError(f"Facebook rejected the Page token ({message}): reconnect the Page")
    if code == 10 and (subcode == WINDOW_SUBCODE or "outside of allowed window" in message):
        return Refused(window_explanation())
    if code == ALREADY_REPLIED_CODE:
        return Refused("Facebook says this comment already has a private reply.")
    if code in TRANSIENT_CODES or error.get("is_transient"):
        return unsure(f"Facebook had a temporary problem ({message})")
    return Refused(f"Facebook refused the request: {message}")


class GraphTransport:
    """The facebook-sdk plumbing both Graph clients (Facebook, Instagram)
    share: the Page token's client, the last response's headers (Meta's
    usage header says when a rate limit ends), errors mapped to the network
    interface's, and ``paging.next`` followed."""

    # Each network maps Graph's errors with its own codes (Instagram's window
    # and limit codes come on top of Facebook's).
    translate_error: Callable[..., NetworkError] = staticmethod(translate)

    def _graph_connect(self, token: str) -> None:
        self.graph = make_graph(token)
        self.last_headers: dict[str, str] = {}
        self.graph.session.hooks["response"].append(self._remember_headers)

    def _remember_headers(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.last_headers = dict(response.headers)

    def _call(self, fn: Callable[..., Any], *args: Any, write: bool = False, **kwargs: Any) -> Any:
        self.last_headers = {}
        try:
            return fn(*args, **kwargs)
        except (facebook.GraphAPIError, requests.RequestException, KeyError, ValueError) as exc:
            error = type(self).translate_error(exc, write=write)
            if isinstance(error, RateLimited):
                error.retry_at = _usage_regain_at(self.last_headers)
            raise error from exc

    def _get(self, path: str, **args: Any) -> dict[str, Any]:
        return self._call(self.graph.request, f"{self.graph.version}/{path}", args) or {}

    def _pages(
        self, path: str, *, max_pages: int = MAX_PAGES, **args: Any
    ) -> Iterator[list[dict[str, Any]]]:
        """Follow ``paging.next`` (only its query matters, as in facebook-sdk)."""
        for _ in range(max_pages):
            page = self._get(path, **args)
            data = _page_data(page)
            yield data
            paging = page.get("paging")
            following = paging.get("next") if isinstance(paging, dict) else None
            if not following or not isinstance(following, str) or not data:
                return
            args = {k: v[0] for k, v in parse_qs(urlparse(following).query).items()}
            args.pop("access_token", None)  # the client adds its own

    def _picture_message(self, page_id: str, recipient_id: str, image: OutboundImage) -> str:
        """Send ``image`` alone to ``recipient_id`` through ``page_id``'s Send
        API, uploaded in the same call (multipart ``filedata``); its message id.
        Graph keeps no alt text for a message's picture."""
        name = "reply.png" if image.content_type == "image/png" else "reply.jpg"
        attachment = {"type": "image", "payload": {"is_reusable": False}}
        data = self._call(
            self.graph.request,
            f"{self.graph.version}/{page_id}/messages",
            post_args={
                "recipient": json.dumps({"id": recipient_id}),
                "messaging_type": "RESPONSE",
                "message": json.dumps({"attachment": attachment}),
            },
            files={"filedata": (name, image.body, image.content_type)},
            write=True,
        )
        return str(data["message_id"])

    def _profiles(
        self, external_ids: Sequence[str], *, fields: str, author: Callable[[dict], Author]
    ) -> list[Author]:
        """Each person's profile (Graph's User Profile API, one read each): a
        person Graph will not describe (they blocked the Page, or deleted
        their account) is skipped; a limit or outage ends the reads, keeping
        the profiles read before it."""
        found = []
        for external_id in external_ids:
            try:
                raw = self._get(external_id, fields=fields)
            except Refused:
                continue
            except NetworkError:
                break
            try:
                found.append(author({**raw, "id": external_id}))
            except (Unreadable, TypeError, ValueError):
                continue
        return found


def picture_search(
    pages: Iterable[tuple[list[dict[str, Any]], bool]],
    *,
    sender_id: str,
    since: datetime,
    known: Collection[str],
) -> str | None:
    """Our picture-only message in a thread's newest-first ``pages``."""

    def ours(raw: dict[str, Any]) -> bool:
        sender = raw.get("from")
        return (
            isinstance(sender, dict)
            and str(sender.get("id", "")) == sender_id
            and not str(raw.get("message") or "").strip()
            and bool(raw.get("attachments"))
        )

    return search_back(
        pages,
        is_ours=ours,
        created=_created_time,
        since=since,
        known=known,
        what="messages in this conversation",
    )


class FacebookClient(GraphTransport, NetworkClient):
    """One Facebook Page: its posts' comments and its Messenger inbox."""

    network = "facebook"
    backfill_reach = {"comments": None, "messenger": None, "visitor_posts": None, "tags": None}
    # A comment reply carries one photo (``source``) with its text; Messenger
    # sends the picture as a message of its own, before the text.
    reply_media_kinds = frozenset({"comment", "private"})
    private_pictures_apart = True

    def __init__(self, *, page_id: str, credentials: dict[str, str]):
        self.page_id = page_id
        self._graph_connect(credentials.get("page_access_token", ""))

    # --- reading ---------------------------------------------------------------------

    def fetch(self, cursor: dict[str, Any]) -> list[StreamResult]:
        # People's posts first: a post and a comment under it in the same
        # second then keep that order (ingest's sort by time is stable).
        return [
            *(
                self._stream(name, cursor.get(f"{name}_since_id"), self._post_reader(*how))
                for name, how in POST_STREAMS.items()
            ),
            self._stream("comments", cursor.get("comments_since_id"), self._comment_items),
            self._stream("messenger", cursor.get("messenger_since_id"), self._message_items),
        ]

    def _post_reader(self, edge: str, kind: str) -> Callable[[int, list, list], None]:
        def read(since: int, items: list, bad: list) -> None:
            self._post_items(edge, kind, since, items, bad)

        return read

    def _post_items(self, edge: str, kind: str, since: int, items: list, bad: list) -> None:
        """People's posts newest first, down to ``since`` (whole seconds)."""
        for posts in self._pages(
            f"{self.page_id}/{edge}",
            max_pages=MAX_PAGES if since else FIRST_POLL_PAGES,
            fields=POST_FIELDS,
            limit=25,
        ):
            older = False
            for raw in posts:
                item = reading.read_one(
                    bad, raw, lambda r: map_post(r, page_id=self.page_id, kind=kind), "post"
                )
                if item is not None and item.created_at.timestamp() < since:
                    older = True
                    continue
                if item is not None:
                    items.append(item)
            if older:
                return

    def _stream(self, name: str, since: Any, reader: Callable) -> StreamResult:
        """The cursor is the newest created_time (epoch seconds) fully read. The
        second it names is read again next time (Graph times have whole
        seconds); ingest drops what it already has."""
        since_epoch = int(since) if since else 0
        items: list[InboundItem] = []
        bad: list[Unparseable] = []
        try:
            reader(since_epoch, items, bad)
        except NetworkError as exc:
            return StreamResult(name, items[::-1], bad, cursor=since, error=exc)
        # Graph lists newest first with whole-second times; oldest first keeps
        # same-second comments in the order they were written (ingest's sort is stable).
        items.reverse()
        newest = max([since_epoch, *(int(i.created_at.timestamp()) for i in items)])
        return StreamResult(name, items, bad, cursor=str(newest) if newest else since)

    def _comment_items(self, since: int, items: list, bad: list) -> None:
        pages = MAX_PAGES if since else FIRST_POLL_PAGES
        posts_seen = 0
        for posts in self._pages(
            f"{self.page_id}/feed",
            max_pages=pages,
            fields="id,created_time,updated_time,from{id,name}",
            limit=25,
        ):
            for post in posts:
                posts_seen += 1
                read = _post(post, bad, key="updated_time")
                if read is not None and read[1] >= since:
                    self._post_comments(
                        read[0], since, items, bad, max_pages=pages, author=post_author(post)
                    )
                if posts_seen >= MAX_POSTS:
                    return

    def _post_comments(
        self,
        post_id: str,
        since: int,
        items: list,
        bad: list,
        *,
        max_pages: int = MAX_PAGES,
        author: Author | None = None,
    ) -> None:
        for comments in self._pages(
            f"{post_id}/comments",
            max_pages=max_pages,
            fields=COMMENT_FIELDS,
            filter="stream",
            order="reverse_chronological",
            limit=100,
        ):
            older = False
            for raw in comments:
                item = reading.read_one(
                    bad,
                    raw,
                    lambda r: map_comment(
                        r, post_id=post_id, page_id=self.page_id, post_author=author
                    ),
                    "comment",
                )
                if item is not None and item.created_at.timestamp() < since:
                    older = True
                    continue
                if item is not None:
                    items.append(item)
            if older:
                return  # newest first: the rest of the pages are older still

    def _message_items(self, since: int, items: list, bad: list) -> None:
        for conversations in self._pages(
            f"{self.page_id}/conversations",
            max_pages=MAX_PAGES if since else FIRST_POLL_PAGES,
            platform="messenger",
            fields=f"id,updated_time,participants,messages.limit(25){{{MESSAGE_FIELDS}}}",
            limit=25,
        ):
            older = False
            for conv in conversations:
                thread = reading.read_one(bad, conv, self._thread, "Messenger thread")
                if thread is None:
                    continue
                if thread.updated < since:
                    older = True  # threads come most recently active first
                    continue
                self._thread_messages(thread, since, items, bad)
            if older:
                return

    def _thread(self, conv: Any) -> _Thread:
        """A Messenger thread's id, person, last activity and inline messages."""
        conv = reading.obj(conv, "Messenger thread")
        thread_id = reading.plain_id(conv, "id", "Messenger thread")
        updated = reading.moment(conv, "updated_time", "Messenger thread", parse_time)
        participants = conv.get("participants")
        people = [
            p
            for p in (participants.get("data") if isinstance(participants, dict) else None) or []
            if isinstance(p, dict) and str(p.get("id")) != self.page_id
        ]
        if not people:
            raise Unreadable("Messenger thread has no participant")
        psid = reading.plain_id(people[0], "id", "Messenger thread's participant")
        inline = conv.get("messages")
        inline = inline if isinstance(inline, dict) else {}
        return _Thread(thread_id, psid, int(updated.timestamp()), inline)

    def _thread_messages(self, thread: _Thread, since: int, items: list, bad: list) -> None:
        psid, inline = thread.psid, thread.inline
        pages: Iterator[list[Any]] = iter([_page_data(inline)])
        paging = inline.get("paging")
        if not isinstance(paging, dict):
            paging = {}
        # A first poll (no cursor) keeps to the thread's newest messages, inline.
        if since and paging.get("next"):
            cursors = paging.get("cursors")
            if not isinstance(cursors, dict):
                cursors = {}
            pages = _chain(
                pages,
                self._pages(
                    f"{thread.id}/messages",
                    fields=MESSAGE_FIELDS,
                    limit=100,
                    after=cursors.get("after"),
                ),
            )
        for messages in pages:
            older = False
            for raw in messages:
                item = reading.read_one(
                    bad,
                    raw,
                    lambda r: map_message(r, psid=psid, page_id=self.page_id),
                    "Messenger message",
                )
                if item is not None and item.created_at.timestamp() < since:
                    older = True  # newest first: finish this page, skip the older ones
                    continue
                if item is not None:
                    items.append(item)
            if older:
                return

    # --- history (backfill) -----------------------------------------------------------

    def backfill(
        self, *, since: dict[str, datetime], resume: dict[str, dict[str, Any]]
    ) -> Generator[BackfillPage, None, None]:
        readers: dict[str, Callable[[int, dict[str, Any]], Iterator[BackfillPage]]] = {
            "comments": self._comment_history,
            "messenger": self._messenger_history,
            **{name: self._post_history(name, *how) for name, how in POST_STREAMS.items()},
        }
        for name, reader in readers.items():
            position = resume.get(name) or {}
            if name in since and not position.get("done"):
                yield from reader(int(since[name].timestamp()), position)

    def _comment_history(self, since: int, position: dict[str, Any]) -> Iterator[BackfillPage]:
        """The Page's posts created since ``since`` (the feed's time filter),
        newest first, and each one's comments back to ``since``: one page per
        feed page. A resumed read asks only for posts up to the oldest one
        already stored (``until``)."""
        args: dict[str, Any] = {"fields": "id,created_time", "limit": 25, "since": since}
        if position.get("until"):
            args["until"] = position["until"]
        for posts in self._pages(f"{self.page_id}/feed", **args):
            if not posts:
                break
            items: list[InboundItem] = []
            bad: list[Unparseable] = []
            older = False
            for post in posts:
                read = _post(post, bad, key="created_time")
                if read is None:
                    continue
                post_id, created = read
                if created < since:
                    older = True  # newest first: the rest are older still
                    break
                self._post_comments(post_id, since, items, bad)
                # Graph's time filters work in whole seconds; one past the post's
                # second never skips a sibling posted in the same second (a
                # re-read is harmless: ingest drops what it already has).
                position = {"until": created + 1}
            yield _history_page("comments", items, bad, position, done=older)
            if older:
                return
        yield BackfillPage("comments", [], [], position, done=True)

    def _post_history(
        self, stream: str, edge: str, kind: str
    ) -> Callable[[int, dict[str, Any]], Iterator[BackfillPage]]:
        """People's posts created since ``since`` (the edge's time filter),
        newest first, one page per Graph page; a resumed read asks only for
        posts up to the oldest one already stored (``until``)."""

        def read(since: int, position: dict[str, Any]) -> Iterator[BackfillPage]:
            args: dict[str, Any] = {"fields": POST_FIELDS, "limit": 25, "since": since}
            if position.get("until"):
                args["until"] = position["until"]
            for posts in self._pages(f"{self.page_id}/{edge}", **args):
                if not posts:
                    break
                items: list[InboundItem] = []
                bad: list[Unparseable] = []
                for raw in posts:
                    item = reading.read_one(
                        bad, raw, lambda r: map_post(r, page_id=self.page_id, kind=kind), "post"
                    )
                    if item is not None and item.created_at.timestamp() >= since:
                        items.append(item)
                if items:
                    # One past the oldest post's second: a same-second sibling is read again.
                    oldest = int(min(i.created_at for i in items).timestamp())
                    position = {"until": oldest + 1}
                yield _history_page(stream, items, bad, position)
            yield BackfillPage(stream, [], [], position, done=True)

        return read

    def _messenger_history(self, since: int, position: dict[str, Any]) -> Iterator[BackfillPage]:
        """Messenger threads, most recently active first, until one was last
        active before ``since`` (Graph has no time filter here), each with its
        messages back to ``since``. Graph's cursors go stale when a thread moves
        to the top, so a resumed read starts again from the newest thread."""
        for conversations in self._pages(
            f"{self.page_id}/conversations",
            platform="messenger",
            fields=f"id,updated_time,participants,messages.limit(25){{{MESSAGE_FIELDS}}}",
            limit=25,
        ):
            items: list[InboundItem] = []
            bad: list[Unparseable] = []
            older = False
            for conv in conversations:
                thread = reading.read_one(bad, conv, self._thread, "Messenger thread")
                if thread is None:
                    continue
                if thread.updated < since:
                    older = True
                    continue
                self._thread_messages(thread, since, items, bad)
            yield _history_page("messenger", items, bad, {}, done=older)
            if older:
                return
        yield BackfillPage("messenger", [], [], {}, done=True)

    # --- writing ---------------------------------------------------------------------

    def _comment_target(self, comment_id: str) -> str:
        """Facebook keeps comments two levels deep: answer under the top-level
        comment. A person's post (visitor post, tag) is answered with a comment
        on it: Graph refuses ``parent`` on a post (code 100), and the node's
        ``metadata`` then says what it is."""
        try:
            found = self._get(comment_id, fields="id,parent{id}")
        except Refused as refused:
            if self._node_type(comment_id) not in ("post", "status", "photo", "video", "link"):
                raise refused
            return comment_id
        return str((found.get("parent") or {}).get("id") or comment_id)

    def _node_type(self, node_id: str) -> str:
        found = self._get(node_id, fields="id", metadata="1")
        metadata = found.get("metadata")
        return str(metadata.get("type") or "") if isinstance(metadata, dict) else ""

    def send_reply(
        self, *, in_reply_to: str, text: str, media: Sequence[OutboundImage] = ()
    ) -> SendResult:
        target = self._comment_target(in_reply_to)
        if len(media) > 1:
            raise Refused("A Facebook comment carries one photo")
        if media:
            # Graph takes the photo as a multipart ``source`` with the text, in
            # one write; it keeps no alt text for a comment's photo.
            image = media[0]
            name = "reply.png" if image.content_type == "image/png" else "reply.jpg"
            data = self._call(
                self.graph.request,
                f"{self.graph.version}/{target}/comments",
                post_args={"message": text},
                files={"source": (name, image.body, image.content_type)},
                write=True,
            )
        else:
            data = self._call(self.graph.put_object, target, "comments", write=True, message=text)
        return SendResult(external_id=str(data["id"]), thread_id=target)

    def send_private(self, *, thread_key: str, recipient_id: str, text: str) -> SendResult:
        return self._message({"id": recipient_id}, text)

    def people(self, external_ids: Sequence[str]) -> list[Author]:
        return self._profiles(external_ids, fields="first_name,last_name,name", author=_psid_author)

    def send_private_picture(self, *, recipient_id: str, image: OutboundImage) -> str:
        return self._picture_message(self.page_id, recipient_id, image)

    def find_sent_picture(
        self, *, recipient_id: str, since: datetime, known: Collection[str] = ()
    ) -> str | None:
        thread = self._messenger_thread(recipient_id)
        if thread is None:
            return None
        pages = self._cursor_pages(f"{thread}/messages", fields=MESSAGE_FIELDS, limit=100)
        return picture_search(pages, sender_id=self.page_id, since=since, known=known)

    def send_private_reply(self, *, comment_id: str, text: str) -> SendResult:
        """A private reply to a public comment (Messenger, once per comment, 7 days)."""
        return self._message({"comment_id": comment_id}, text)

    def _message(self, recipient: dict[str, str], text: str) -> SendResult:
        data = self._call(
            self.graph.put_object,
            self.page_id,
            "messages",
            write=True,
            recipient=json.dumps(recipient),
            messaging_type="RESPONSE",
            message=json.dumps({"text": text}),
        )
        psid = str(data.get("recipient_id") or recipient.get("id") or "")
        return SendResult(external_id=str(data["message_id"]), thread_id=f"fbm:{psid}")

    def find_sent(
        self,
        *,
        text: str,
        in_reply_to: str = "",
        recipient_id: str = "",
        since: datetime,
        known: Collection[str] = (),
    ) -> str | None:
        wanted = " ".join(text.split())

        def ours(raw: dict[str, Any]) -> bool:
            sender = raw.get("from")
            if not isinstance(sender, dict):
                sender = {}
            return (
                str(sender.get("id", "")) == self.page_id
                and " ".join(str(raw.get("message") or "").split()) == wanted
            )

        if recipient_id:
            thread = self._messenger_thread(recipient_id)
            if thread is None:
                return None
            pages = self._cursor_pages(f"{thread}/messages", fields=MESSAGE_FIELDS, limit=100)
            what = "Messenger messages in this conversation"
        else:
            target = self._comment_target(in_reply_to)
            # Newest first, so reading can stop once the replies pass ``since``.
            pages = self._cursor_pages(
                f"{target}/comments",
                fields="id,message,from{id},created_time",
                order="reverse_chronological",
                limit=100,
            )
            what = "replies under this comment"
        return search_back(
            pages, is_ours=ours, created=_created_time, since=since, known=known, what=what
        )

    def _messenger_thread(self, user_id: str) -> str | None:
        found = self._get(
            f"{self.page_id}/conversations", platform="messenger", user_id=user_id, fields="id"
        )
        threads = [t for t in found.get("data") or [] if isinstance(t, dict) and t.get("id")]
        return str(threads[0]["id"]) if threads else None

    def _cursor_pages(self, path: str, **args: Any) -> Iterator[tuple[list[dict[str, Any]], bool]]:
        """Pages of ``path`` (newest first), each with whether Graph has one after
        it, following the ``after`` cursor. The consumer decides when to stop."""
        while True:
            page = self._get(path, **args)
            data = [d for d in page.get("data") or [] if isinstance(d, dict)]
            paging = page.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            more = bool(data and paging.get("next") and after)
            yield data, more
            if not more:
                return
            args = {**args, "after": after}

    def like(self, *, external_id: str) -> None:
        self._call(self.graph.put_object, external_id, "likes", write=True)

    def hide(self, *, external_id: str) -> None:
        self._call(
            self.graph.request,
            f"{self.graph.version}/{external_id}",
            post_args={"is_hidden": "true"},
            write=True,
        )

    def delete(self, *, external_id: str) -> None:
        """Delete a comment on the Page's posts."""
        graph_delete(self._call, self.graph, external_id)

    def mute(self, *, user_id: str) -> None:
        raise Refused(
            "Facebook Pages cannot mute people. Hide their comments instead, "
            "or ban them from the Page in Meta Business Suite."
        )

    def unmute(self, *, user_id: str) -> None:
        raise Refused("Facebook Pages cannot mute people, so there is no mute to undo.")

    def webhooks_subscribe(self, *, fields: str) -> None:
        """Subscribe the app to this Page's webhook fields (feed, messages)."""
        self._call(
            self.graph.put_object,
            self.page_id,
            "subscribed_apps",
            write=True,
            subscribed_fields=fields,
        )

    def follower_count(self) -> int:
        data = self._get(self.page_id, fields="followers_count")
        return int(data["followers_count"])

    def page_info(self) -> dict[str, Any]:
        """The Page's id, name and username: the connection check."""
        return self._get(self.page_id, fields="id,name,username,followers_count")

    def profile_facts(self) -> ProfileFacts:
        """The Page's fields (badge, About text, picture, cover) and its
        ``USERS_CAN_MESSAGE`` setting. A grey silhouette is no picture."""
        page = self._get(self.page_id, fields=PROFILE_FIELDS)
        settings_page = self._get(f"{self.page_id}/settings")
        settings = {
            str(s.get("setting")): s.get("value")
            for s in _page_data(settings_page)
            if isinstance(s, dict)
        }
        picture = page.get("picture")
        picture = picture.get("data") if isinstance(picture, dict) else None
        status = page.get("verification_status")
        message = settings.get("USERS_CAN_MESSAGE")
        return ProfileFacts(
            verified=None if status is None else status in ("blue_verified", "gray_verified"),
            dms_open=message if isinstance(message, bool) else None,
            bio=str(page.get("about") or ""),
            picture_set=(
                None
                if not isinstance(picture, dict)
                else bool(picture.get("url")) and not picture.get("is_silhouette")
            ),
            banner_set=bool((page.get("cover") or {}).get("source")),
        )

    def own_posts(self, *, since: datetime) -> OwnPostsRead:
        """The Page's own posts (``/posts``) from ``since``, newest first, with
        reactions, comments and shares, and each post's impressions from its
        insights (one call a post: Graph gives them nowhere else)."""
        pages = self._pages(
            f"{self.page_id}/posts",
            fields=OWN_POST_FIELDS,
            since=int(since.timestamp()),
            limit=OWN_POSTS_PAGE,
        )
        found = own_posts.read_back(
            pages,
            lambda raw: own_posts.map_page_post(raw, parse_time=parse_time),
            since=since,
            what="Page post",
        )
        with_reach = []
        for i, post in enumerate(found.posts):
            try:
                impressions = self._impressions(post.external_id)
            except NetworkError as exc:
                # Figures without reach beat none: the rest keep impressions
                # unknown, and a rate limit is not hit again for them.
                log.warning("Facebook insights of Page %s stopped: %s", self.page_id, exc)
                with_reach.extend(found.posts[i:])
                break
            with_reach.append(replace(post, impressions=impressions))
        return replace(found, posts=with_reach)

    def _impressions(self, post_id: str) -> int | None:
        """``post_impressions`` (lifetime) from the post's insights; None when
        Graph refuses the metric for this post (code 100) or sends no number."""
        try:
            page = self._get(f"{post_id}/insights", metric="post_impressions")
        except Refused:
            return None
        for metric in page.get("data") or []:
            if isinstance(metric, dict) and metric.get("name") == "post_impressions":
                values = metric.get("values")
                value = values[-1].get("value") if isinstance(values, list) and values else None
                if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                    return min(value, 2**31 - 1)
        return None

    def post_metrics(self, external_ids: list[str]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for start in range(0, len(external_ids), 50):
            chunk = external_ids[start : start + 50]
            data = self._get("", ids=",".join(chunk), fields="id,like_count,comment_count")
            for ext_id, obj in data.items():
                out[str(ext_id)] = {
                    "like_count": int(obj.get("like_count", 0)),
                    "reply_count": int(obj.get("comment_count", 0)),
                }
        return out


def _psid_author(raw: dict[str, Any]) -> Author:
    first, last = str(raw.get("first_name") or ""), str(raw.get("last_name") or "")
    name = str(raw.get("name") or f"{first} {last}").strip()
    if not name:
        raise Unreadable("the profile has no name")
    return Author(external_id=str(raw["id"]), display_name=name[:200])


def _created_time(raw: dict[str, Any]) -> datetime | None:
    try:
        return parse_time(raw["created_time"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _history_page(
    stream: str,
    items: list[InboundItem],
    bad: list[Unparseable],
    position: dict[str, Any],
    *,
    done: bool = False,
) -> BackfillPage:
    # Graph lists newest first with whole-second times; oldest first keeps
    # same-second items in the order they were written (as ``_stream`` does).
    return BackfillPage.of(stream, items[::-1], bad, position, done=done)


def _chain(*iterators: Iterator[list[dict[str, Any]]]) -> Iterator[list[dict[str, Any]]]:
    for iterator in iterators:
        yield from iterator


@dataclass(frozen=True)
class _Thread:
    id: str
    psid: str
    updated: int  # epoch seconds
    inline: dict[str, Any]


def _page_data(page: Any) -> list[Any]:
    """A Graph page's ``data`` list. A page that is not one is the network's
    fault, not an item's: the stream stops and is read again next time."""
    if not isinstance(page, dict):
        raise TransientError("Facebook sent a page that is not a JSON object")
    data = page.get("data") or []
    if not isinstance(data, list):
        raise TransientError("Facebook sent a page whose data is not a list")
    return data


def _post(post: Any, bad: list[Unparseable], *, key: str) -> tuple[str, int] | None:
    """A feed post's id and time (``key``, else its created_time) in epoch
    seconds; None (kept in ``bad``) when it cannot be read."""

    def read(raw: Any) -> tuple[str, int]:
        raw = reading.obj(raw, "post")
        field = key if raw.get(key) is not None else "created_time"
        moment = reading.moment(raw, field, "post", parse_time)
        return reading.plain_id(raw, "id", "post"), int(moment.timestamp())

    try:
        return read(post)
    except Unreadable as exc:
        bad.append(Unparseable(payload=post, error=str(exc), external_id=reading.guess_id(post)))
        return None
