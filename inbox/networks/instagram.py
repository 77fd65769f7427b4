"""Instagram professional accounts through facebook-sdk's ``GraphAPI``.

With Facebook Login for Business an Instagram account is reached on
graph.facebook.com with the token of the Facebook Page it is linked to, so
this client shares the Facebook connector's plumbing (``make_graph``: current
Graph version, default timeout, sandbox rewrite; error translation; the
``X-Business-Use-Case-Usage`` header read for when a rate limit ends).

What it reads and writes:
- comments and replies on our media: ``/{ig-user-id}/media`` (newest first),
  then each one's ``/comments`` with ``replies{...}`` inline (Instagram nests
  one level), following ``paging.next`` cursors and ``/{comment}/replies``
  when a comment has more replies than fit inline;
- people's media that tag the account (``/{ig-user-id}/tags``), answered with
  a comment through ``POST /{ig-user-id}/mentions``;
- direct messages through the Instagram messaging API: the Page's
  ``/conversations?platform=instagram`` and ``POST /{page-id}/messages``
  (24 hours after the person's last message, as Messenger; outside it Graph
  answers code 10, subcode 2534022); a private reply to a comment is the same
  call with ``recipient={"comment_id"}``;
- reply (``POST /{comment}/replies``), hide (``POST /{comment}?hide=true``),
  delete (``DELETE /{comment}``).
Instagram has no time filter on comments and no updated time on media, so
polling re-reads the comments of the newest ``MAX_MEDIA`` media and keeps
what is newer than the stream's cursor; Meta's webhooks (object
``instagram``) are the fast path, polling the safety net.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import facebook

from inbox.networks import own_posts, reading
from inbox.networks.base import (
    FIND_SENT_MAX_PAGES,
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
    Unparseable,
    Unreadable,
    Unverifiable,
    search_back,
)
from inbox.networks.facebook import (
    MAX_PAGES,
    GraphTransport,
    _page_data,
    graph_delete,
    picture_search,
    translate,
)
from inbox.networks.facebook_mapping import parse_time
from inbox.networks.instagram_mapping import map_comment, map_message, map_tag, message_key

# Instagram's business-use-case limit (80002) joins the Page and app limits.
IG_RATE_LIMIT_CODE = 80002
IG_WINDOW_SUBCODE = 2534022
MAX_MEDIA = 25  # polling re-reads the comments of this many newest media
FIRST_POLL_PAGES = 1
MAX_THREAD_ID = 512
COMMENT_FIELDS = "id,text,timestamp,from{id,username},like_count"
COMMENTS_WITH_REPLIES = f"{COMMENT_FIELDS},replies.limit(50){{{COMMENT_FIELDS}}}"
TAG_FIELDS = "id,caption,timestamp,username,permalink,media_type"
MESSAGE_FIELDS = "id,message,from,created_time,attachments"
PROFILE_FIELDS = "id,username,biography,profile_picture_url"


def window_explanation(closed_at: datetime | None = None) -> str:
    """What the officer reads when Instagram's 24-hour window has closed."""
    when = (
        f"it closed at {closed_at.astimezone(UTC):%d %b %Y %H:%M} UTC"
        if closed_at is not None
        else "that window has closed"
    )
    return (
        "Instagram only allows direct replies within 24 hours of the person's last message; "
        f"{when}. Ask them to message again, or reply by another channel."
    )


def ig_translate(exc: Exception, *, write: bool) -> NetworkError:
    """facebook.translate, with Instagram's own window subcode and limit code."""
    if isinstance(exc, facebook.GraphAPIError) and isinstance(exc.result, dict):
        error = exc.result.get("error")
        if isinstance(error, dict):
            if error.get("code") == 10 and error.get("error_subcode") == IG_WINDOW_SUBCODE:
                return Refused(window_explanation())
            if error.get("code") == IG_RATE_LIMIT_CODE:
                return RateLimited(f"Instagram rate limit reached ({error.get('message')})")
    return translate(exc, write=write)


@dataclass(frozen=True)
class _Thread:
    id: str
    igsid: str
    updated: int  # epoch seconds
    inline: dict[str, Any]


class InstagramClient(GraphTransport, NetworkClient):
    """One Instagram professional account, through its linked Page's token."""

    network = "instagram"
    backfill_reach = {"comments": None, "direct": None}

    translate_error = staticmethod(ig_translate)
    # Comments are text only; a direct message's picture goes as a message of
    # its own, before the text.
    reply_media_kinds = frozenset({"private"})
    private_pictures_apart = True

    def __init__(self, *, account_id: str, credentials: dict[str, str]):
        self.account_id = account_id
        self._page_id = credentials.get("page_id") or ""
        self._graph_connect(credentials.get("page_access_token", ""))

    def _post(self, path: str, **args: Any) -> dict[str, Any]:
        return (
            self._call(
                self.graph.request, f"{self.graph.version}/{path}", post_args=args, write=True
            )
            or {}
        )

    @property
    def page_id(self) -> str:
        """The linked Page, which holds the account's direct messages."""
        if not self._page_id:
            self._page_id = str(self._get("me", fields="id").get("id") or "")
            if not self._page_id:
                raise TransientError("Graph did not say which Page this token belongs to")
        return self._page_id

    # --- reading ---------------------------------------------------------------------

    def fetch(self, cursor: dict[str, Any]) -> list[StreamResult]:
        # Tags first: a tagged post and a comment under it in the same second keep that order.
        return [
            self._stream("tags", cursor.get("tags_since_id"), self._tag_items),
            self._stream("comments", cursor.get("comments_since_id"), self._comment_items),
            self._stream("direct", cursor.get("direct_since_id"), self._message_items),
        ]

    def _stream(self, name: str, since: Any, reader: Callable) -> StreamResult:
        """The cursor is the newest time (epoch seconds) fully read; that second
        is read again next time (ingest drops what it already has)."""
        since_epoch = int(since) if since else 0
        items: list[InboundItem] = []
        bad: list[Unparseable] = []
        try:
            reader(since_epoch, items, bad)
        except NetworkError as exc:
            return StreamResult(name, _oldest_first(items), bad, cursor=since, error=exc)
        items = _oldest_first(items)
        newest = max([since_epoch, *(int(i.created_at.timestamp()) for i in items)])
        return StreamResult(name, items, bad, cursor=str(newest) if newest else since)

    def _media_pages(self, *, max_pages: int) -> Iterator[list[dict[str, Any]]]:
        return self._pages(
            f"{self.account_id}/media", max_pages=max_pages, fields="id,timestamp", limit=25
        )

    def _comment_items(self, since: int, items: list, bad: list) -> None:
        pages = MAX_PAGES if since else FIRST_POLL_PAGES
        seen = 0
        for media_page in self._media_pages(max_pages=pages):
            for media in media_page:
                seen += 1
                media_id = reading.read_one(bad, media, _media_id, "Instagram media")
                if media_id is not None:
                    self._media_comments(media_id, since, items, bad, max_pages=pages)
                if seen >= MAX_MEDIA:
                    return

    def _media_comments(
        self, media_id: str, since: int, items: list, bad: list, *, max_pages: int = MAX_PAGES
    ) -> None:
        """Every comment and reply on one media newer than ``since``. Replies to
        an old comment can be new, so the whole list is read (Graph has no time
        filter here); the media count bounds the cost."""
        for comments in self._pages(
            f"{media_id}/comments", max_pages=max_pages, fields=COMMENTS_WITH_REPLIES, limit=50
        ):
            for raw in comments:
                self._keep(
                    items,
                    bad,
                    raw,
                    lambda r: map_comment(r, media_id=media_id, account_id=self.account_id),
                    since,
                )
                if isinstance(raw, dict):
                    for reply in self._replies(raw):
                        self._keep(
                            items,
                            bad,
                            reply,
                            lambda r, raw=raw: map_comment(
                                r, media_id=media_id, account_id=self.account_id, parent=raw
                            ),
                            since,
                        )

    def _replies(self, comment: dict[str, Any]) -> Iterator[Any]:
        """A comment's replies: those inline, then the rest through ``/replies``."""
        inline = comment.get("replies")
        if not isinstance(inline, dict):
            return
        yield from _page_data(inline)
        following = _next_of(inline)
        if following and comment.get("id"):
            args: dict[str, Any] = {k: v[0] for k, v in parse_qs(urlparse(following).query).items()}
            args.pop("access_token", None)
            for page in self._pages(f"{comment['id']}/replies", **args):
                yield from page

    @staticmethod
    def _keep(items: list, bad: list, raw: Any, read: Callable, since: int) -> None:
        item = reading.read_one(bad, raw, read, "Instagram comment")
        if item is not None and item.created_at.timestamp() >= since:
            items.append(item)

    def _tag_items(self, since: int, items: list, bad: list) -> None:
        for media in self._pages(
            f"{self.account_id}/tags",
            max_pages=MAX_PAGES if since else FIRST_POLL_PAGES,
            fields=TAG_FIELDS,
            limit=25,
        ):
            older = False
            for raw in media:
                item = reading.read_one(
                    bad, raw, lambda r: map_tag(r, account_id=self.account_id), "Instagram tag"
                )
                if item is not None and item.created_at.timestamp() < since:
                    older = True  # newest first: the rest are older still
                    continue
                if item is not None:
                    items.append(item)
            if older:
                return

    def _conversations(self, *, max_pages: int = MAX_PAGES) -> Iterator[list[dict[str, Any]]]:
        return self._pages(
            f"{self.page_id}/conversations",
            max_pages=max_pages,
            platform="instagram",
            fields=f"id,updated_time,participants,messages.limit(25){{{MESSAGE_FIELDS}}}",
            limit=25,
        )

    def _message_items(self, since: int, items: list, bad: list) -> None:
        for conversations in self._conversations(
            max_pages=MAX_PAGES if since else FIRST_POLL_PAGES
        ):
            older = False
            for conv in conversations:
                thread = reading.read_one(bad, conv, self._thread, "Instagram thread")
                if thread is None:
                    continue
                if thread.updated < since:
                    older = True  # most recently active first
                    continue
                self._thread_messages(thread, since, items, bad)
            if older:
                return

    def _thread(self, conv: Any) -> _Thread:
        conv = reading.obj(conv, "Instagram thread")
        # Thread ids are long base64 text (never stored, only asked for again).
        thread_id = conv.get("id")
        if not isinstance(thread_id, str) or not thread_id or len(thread_id) > MAX_THREAD_ID:
            raise Unreadable("Instagram thread has no readable id")
        updated = reading.moment(conv, "updated_time", "Instagram thread", parse_time)
        participants = conv.get("participants")
        people = [
            p
            for p in (participants.get("data") if isinstance(participants, dict) else None) or []
            if isinstance(p, dict) and str(p.get("id")) != self.account_id
        ]
        if not people:
            raise Unreadable("Instagram thread has no participant")
        igsid = reading.plain_id(people[0], "id", "Instagram thread's participant")
        inline = conv.get("messages")
        return _Thread(
            thread_id, igsid, int(updated.timestamp()), inline if isinstance(inline, dict) else {}
        )

    def _thread_messages(self, thread: _Thread, since: int, items: list, bad: list) -> None:
        pages: Iterator[list[Any]] = iter([_page_data(thread.inline)])
        following = _next_of(thread.inline)
        if since and following:
            args: dict[str, Any] = {k: v[0] for k, v in parse_qs(urlparse(following).query).items()}
            args.pop("access_token", None)
            pages = _chain(pages, self._pages(f"{thread.id}/messages", **args))
        for messages in pages:
            older = False
            for raw in messages:
                item = reading.read_one(
                    bad,
                    raw,
                    lambda r: map_message(r, igsid=thread.igsid, account_id=self.account_id),
                    "Instagram message",
                )
                if item is not None and item.created_at.timestamp() < since:
                    older = True  # newest first
                    continue
                if item is not None:
                    items.append(item)
            if older:
                return

    # --- history (backfill) -----------------------------------------------------------

    def backfill(
        self, *, since: dict[str, datetime], resume: dict[str, dict[str, Any]]
    ) -> Generator[BackfillPage, None, None]:
        """Comments on the media posted since ``since`` (one page per page of
        media; a resumed read continues after the last media page stored), and
        direct threads active since then. Tags are history the poll reads."""
        if "comments" in since and not (resume.get("comments") or {}).get("done"):
            yield from self._comment_history(
                int(since["comments"].timestamp()), resume.get("comments") or {}
            )
        if "direct" in since and not (resume.get("direct") or {}).get("done"):
            yield from self._direct_history(int(since["direct"].timestamp()))

    def _comment_history(self, since: int, position: dict[str, Any]) -> Iterator[BackfillPage]:
        args: dict[str, Any] = {"fields": "id,timestamp", "limit": 25}
        if position.get("after"):
            args["after"] = position["after"]
        while True:
            page = self._get(f"{self.account_id}/media", **args)
            items: list[InboundItem] = []
            bad: list[Unparseable] = []
            older = False
            for raw in _page_data(page):
                media_id = reading.read_one(bad, raw, _media_id, "Instagram media")
                when = _created(raw, "timestamp")
                if when is not None and when.timestamp() < since:
                    older = True
                    break
                if media_id is not None:
                    self._media_comments(media_id, since, items, bad)
            after = ((page.get("paging") or {}).get("cursors") or {}).get("after")
            done = older or not _next_of(page) or not after
            yield BackfillPage.of(
                "comments",
                _oldest_first(items),
                bad,
                {"after": after, "done": done} if after else {"done": done},
                done=done,
            )
            if done:
                return
            args = {**args, "after": after}

    def _direct_history(self, since: int) -> Iterator[BackfillPage]:
        for conversations in self._conversations():
            items: list[InboundItem] = []
            bad: list[Unparseable] = []
            older = False
            for conv in conversations:
                thread = reading.read_one(bad, conv, self._thread, "Instagram thread")
                if thread is None:
                    continue
                if thread.updated < since:
                    older = True
                    continue
                self._thread_messages(thread, max(since, 1), items, bad)
            yield BackfillPage.of("direct", _oldest_first(items), bad, {}, done=older)
            if older:
                return
        yield BackfillPage("direct", [], [], {"done": True}, done=True)

    # --- writing ---------------------------------------------------------------------

    def _comment_parent(self, node_id: str) -> str | None:
        """The top-level comment a reply to ``node_id`` lands under; None when
        ``node_id`` is not a comment (a person's media that tags us: Graph has
        no ``parent_id`` on media and answers code 100)."""
        try:
            found = self._get(node_id, fields="id,parent_id")
        except Refused:
            return None
        return str(found.get("parent_id") or node_id)

    def send_reply(self, *, in_reply_to: str, text: str) -> SendResult:
        top = self._comment_parent(in_reply_to)
        if top is None:
            # A post that tags the account: answered with a comment on it.
            data = self._post(f"{self.account_id}/mentions", media_id=in_reply_to, message=text)
            return SendResult(external_id=str(data["id"]), thread_id=in_reply_to)
        data = self._post(f"{in_reply_to}/replies", message=text)
        return SendResult(external_id=str(data["id"]), thread_id=top)

    def send_private(self, *, thread_key: str, recipient_id: str, text: str) -> SendResult:
        return self._message({"id": recipient_id}, text)

    def people(self, external_ids: Sequence[str]) -> list[Author]:
        return self._profiles(
            external_ids,
            fields="name,username,follower_count,is_verified_user",
            author=_igsid_author,
        )

    def send_private_picture(self, *, recipient_id: str, image: OutboundImage) -> str:
        return message_key(self._picture_message(self.page_id, recipient_id, image))

    def find_sent_picture(
        self, *, recipient_id: str, since: datetime, known: Collection[str] = ()
    ) -> str | None:
        pages = self._direct_pages(recipient_id)
        if pages is None:
            return None
        return picture_search(pages, sender_id=self.account_id, since=since, known=known)

    def send_private_reply(self, *, comment_id: str, text: str) -> SendResult:
        """A private reply to a comment: a direct message, once per comment, within 7 days."""
        return self._message({"comment_id": comment_id}, text)

    def _message(self, recipient: dict[str, str], text: str) -> SendResult:
        data = self._post(
            f"{self.page_id}/messages",
            recipient=json.dumps(recipient),
            messaging_type="RESPONSE",
            message=json.dumps({"text": text}),
        )
        igsid = str(data.get("recipient_id") or recipient.get("id") or "")
        return SendResult(
            external_id=message_key(str(data["message_id"])), thread_id=f"igm:{igsid}"
        )

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
            body = raw.get("message") if recipient_id else raw.get("text")
            return (
                str(sender.get("id", "")) == self.account_id
                and " ".join(str(body or "").split()) == wanted
            )

        if recipient_id:
            pages = self._direct_pages(recipient_id)
            if pages is None:
                return None
            return search_back(
                pages,
                is_ours=ours,
                created=lambda r: _created(r, "created_time"),
                since=since,
                known=known,
                what="messages in this conversation",
            )
        top = self._comment_parent(in_reply_to)
        path = f"{top}/replies" if top is not None else f"{in_reply_to}/comments"
        # Graph does not say in which order replies come: read them all (to the
        # page bound) and search newest first.
        replies: list[dict[str, Any]] = []
        for number, (data, more) in enumerate(
            self._cursor_pages(path, fields=COMMENT_FIELDS, limit=100), start=1
        ):
            replies.extend(data)
            if not more:
                break
            if number >= FIND_SENT_MAX_PAGES:
                raise Unverifiable(
                    "could not tell whether this was already posted: more than "
                    f"{FIND_SENT_MAX_PAGES * 100} replies under this comment. Check the "
                    "account on Instagram before sending it again."
                )
        replies.sort(key=lambda r: _created(r, "timestamp") or since, reverse=True)
        return search_back(
            [(replies, False)],
            is_ours=ours,
            created=lambda r: _created(r, "timestamp"),
            since=since,
            known=known,
            what="replies under this comment",
        )

    def _direct_pages(self, igsid: str) -> Iterator[tuple[list[dict[str, Any]], bool]] | None:
        """Our direct thread with ``igsid``, newest first, page by page, with
        ids as SocialDesk keeps them (long message ids are digests); None
        when there is no thread."""
        thread = self._thread_with(igsid)
        if thread is None:
            return None
        return (
            ([{**m, "id": message_key(str(m.get("id") or ""))} for m in data], more)
            for data, more in self._cursor_pages(
                f"{thread}/messages", fields=MESSAGE_FIELDS, limit=100
            )
        )

    def _thread_with(self, igsid: str) -> str | None:
        found = self._get(
            f"{self.page_id}/conversations", platform="instagram", user_id=igsid, fields="id"
        )
        threads = [t for t in found.get("data") or [] if isinstance(t, dict) and t.get("id")]
        return str(threads[0]["id"]) if threads else None

    def _cursor_pages(self, path: str, **args: Any) -> Iterator[tuple[list[dict[str, Any]], bool]]:
        while True:
            page = self._get(path, **args)
            data = [d for d in _page_data(page) if isinstance(d, dict)]
            after = ((page.get("paging") or {}).get("cursors") or {}).get("after")
            more = bool(data and _next_of(page) and after)
            yield data, more
            if not more:
                return
            args = {**args, "after": after}

    def like(self, *, external_id: str) -> None:
        raise Refused("Instagram does not let apps like comments. Reply to thank them instead.")

    def hide(self, *, external_id: str) -> None:
        self._post(external_id, hide="true")

    def unhide(self, *, external_id: str) -> None:
        self._post(external_id, hide="false")

    def delete(self, *, external_id: str) -> None:
        """Delete a comment on our media (Graph's DELETE; a second time is 100/33: done)."""
        graph_delete(self._call, self.graph, external_id)

    def mute(self, *, user_id: str) -> None:
        raise Refused(
            "Instagram's API cannot mute or restrict people. Hide their comments instead, "
            "or restrict them in the Instagram app."
        )

    def unmute(self, *, user_id: str) -> None:
        raise Refused("Instagram's API cannot mute people, so there is no mute to undo.")

    def follower_count(self) -> int:
        return int(self._get(self.account_id, fields="followers_count")["followers_count"])

    def account_info(self) -> dict[str, Any]:
        """The account's id, username and name: the connection check."""
        return self._get(self.account_id, fields="id,username,name,followers_count")

    def profile_facts(self) -> ProfileFacts:
        """Bio and picture; Graph does not tell apps about the badge, the
        banner or who may send the account messages."""
        account = self._get(self.account_id, fields=PROFILE_FIELDS)
        return ProfileFacts(
            verified=None,
            dms_open=None,
            bio=str(account.get("biography") or ""),
            picture_set=bool(account.get("profile_picture_url")),
            banner_set=None,
        )

    def own_posts(self, *, since: datetime) -> OwnPostsRead:
        """Our media (``/{ig-user}/media``, newest first) back to ``since``,
        with likes and comments counts."""
        pages = self._pages(
            f"{self.account_id}/media",
            fields="id,caption,timestamp,permalink,like_count,comments_count",
            limit=25,
        )
        return own_posts.read_back(
            pages,
            lambda raw: own_posts.map_ig_media(raw, parse_time=parse_time),
            since=since,
            what="Instagram media",
        )

    def post_metrics(self, external_ids: list[str]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for ext_id in external_ids:
            data = self._get(ext_id, fields="id,like_count")
            out[str(ext_id)] = {"like_count": int(data.get("like_count") or 0)}
        return out


def _next_of(page: dict[str, Any]) -> str | None:
    paging = page.get("paging")
    following = paging.get("next") if isinstance(paging, dict) else None
    return following if isinstance(following, str) and following else None


def _media_id(raw: Any) -> str:
    return reading.plain_id(reading.obj(raw, "Instagram media"), "id", "Instagram media")


def _igsid_author(raw: dict[str, Any]) -> Author:
    username = str(raw.get("username") or "")
    name = str(raw.get("name") or "") or username
    if not name:
        raise Unreadable("the profile has no name or username")
    followers = raw.get("follower_count")
    return Author(
        external_id=str(raw["id"]),
        handle=username[:120],
        display_name=name[:200],
        followers_count=followers if isinstance(followers, int) and followers > 0 else 0,
        verified=raw.get("is_verified_user") is True,
    )


def _created(raw: Any, key: str) -> datetime | None:
    try:
        return parse_time(raw[key])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _oldest_first(items: list[InboundItem]) -> list[InboundItem]:
    # Graph times have whole seconds; a stable sort keeps same-second items
    # in the order read.
    return sorted(items, key=lambda i: i.created_at)


def _chain(*iterators: Iterator[list[Any]]) -> Iterator[list[Any]]:
    for iterator in iterators:
        yield from iterator
