"""In-memory Facebook world: Pages, people, posts, comments, Messenger threads.

Primitives only (create, find, list); Graph's rules for the app's writes
(ownership, the 24-hour window) live in fb_writes. Every method takes the
shared state lock, which is re-entrant, so callers can group calls atomically.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sandbox.fb_models import FbComment, FbConversation, FbMessage, FbPage, FbPost, FbUser

if TYPE_CHECKING:
    from sandbox.state import SandboxState

FIRST_SEQ = 7000  # post and comment numbers share one counter: ids never collide
NEVER = datetime(1970, 1, 1, tzinfo=UTC)  # a thread's updated_time before its first message


class FbStore:
    def __init__(self, state: SandboxState) -> None:
        self._state = state
        self.lock: threading.RLock = state.lock
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.pages: dict[str, FbPage] = {}
            self.users: dict[str, FbUser] = {}
            self.posts: dict[str, FbPost] = {}  # insertion order == creation order
            self.comments: dict[str, FbComment] = {}
            self.conversations: dict[str, FbConversation] = {}
            self.messages: dict[str, FbMessage] = {}
            self._seq = FIRST_SEQ + self._state.id_offset

    def _next(self) -> int:
        with self.lock:
            self._seq += 1
            return self._seq

    # -- pages and people ----------------------------------------------------

    def add_page(
        self,
        *,
        id: str,
        name: str,
        username: str = "",
        followers_count: int = 0,
        about: str = "",
        access_token: str | None = None,
    ) -> FbPage:
        if not str(id).isdigit():
            raise ValueError(f"Page ids are numeric strings, got {id!r}")
        with self.lock:
            old = self.pages.get(str(id))
            page = FbPage(
                id=str(id),
                name=name,
                username=username or name.lower().replace(" ", ""),
                followers_count=int(followers_count),
                about=about,
                registered_at=old.registered_at if old else self._state.now(),
                tokens=set(old.tokens) if old else set(),
            )
            page.tokens.add(access_token or default_page_token(page.id))
            self.pages[page.id] = page
            return page

    def ensure_page(self, page_id: str) -> FbPage:
        """The Page with this id, registered on the spot if unknown (training mode)."""
        with self.lock:
            page = self.pages.get(page_id)
            if page is None:
                page = self.add_page(
                    id=page_id, name=f"Sandbox Page {page_id}", followers_count=300
                )
            return page

    def page(self, page_id: str) -> FbPage | None:
        with self.lock:
            return self.pages.get(str(page_id))

    def page_for_token(self, token: str) -> FbPage | None:
        with self.lock:
            return next((p for p in self.pages.values() if token in p.tokens), None)

    def add_user(self, *, id: str, name: str) -> FbUser:
        with self.lock:
            user = FbUser(id=str(id), name=name)
            self.users[user.id] = user
            return user

    def user(self, user_id: str) -> FbUser | None:
        with self.lock:
            return self.users.get(str(user_id))

    def name_of(self, actor_id: str) -> str:
        with self.lock:
            page = self.pages.get(actor_id)
            if page is not None:
                return page.name
            user = self.users.get(actor_id)
            return user.name if user else "Facebook user"

    # -- posts and comments --------------------------------------------------

    def add_post(
        self,
        *,
        page_id: str,
        message: str,
        created_time: datetime | None = None,
        origin: str = "seed",
        from_id: str = "",
        tagged_ids: list[str] | None = None,
    ) -> FbPost:
        """A post on ``page_id``'s timeline (a Page, or a person's own), by the
        Page itself or by ``from_id``, tagging ``tagged_ids``."""
        with self.lock:
            at = created_time or self._state.now()
            post = FbPost(
                id=f"{page_id}_{self._next()}",
                page_id=page_id,
                message=message,
                created_time=at,
                updated_time=at,
                origin=origin,
                from_id="" if from_id == page_id else from_id,
                tagged_ids=list(tagged_ids or []),
            )
            self.posts[post.id] = post
            return post

    def post(self, post_id: str) -> FbPost | None:
        with self.lock:
            found = self.posts.get(str(post_id))
            return None if found is None or found.deleted else found

    def posts_of(self, page_id: str, *, who: str = "all") -> list[FbPost]:
        """Posts on the Page's timeline, newest first: ``all`` (/feed), the
        Page's ``own`` (/posts) or ``visitors``' (/visitor_posts)."""
        with self.lock:
            found = [
                p
                for p in self.posts.values()
                if p.page_id == page_id
                and not p.deleted
                and (who == "all" or p.by_visitor == (who == "visitors"))
            ]
            return sorted(found, key=lambda p: (p.created_time, p.id), reverse=True)

    def tagging(self, page_id: str) -> list[FbPost]:
        """Posts elsewhere that tag the Page, newest first (/tagged)."""
        with self.lock:
            found = [p for p in self.posts.values() if page_id in p.tagged_ids and not p.deleted]
            return sorted(found, key=lambda p: (p.created_time, p.id), reverse=True)

    def add_comment(
        self,
        *,
        post: FbPost,
        from_id: str,
        message: str,
        parent: FbComment | None = None,
        created_time: datetime | None = None,
        origin: str = "inject",
    ) -> FbComment:
        """A comment on `post`, or a reply under the top-level comment `parent`
        (Facebook keeps comments two levels deep: a reply to a reply is filed
        under the same top-level comment)."""
        with self.lock:
            at = created_time or self._state.now()
            top = self.top_level(parent) if parent is not None else None
            comment = FbComment(
                id=f"{post.number}_{self._next()}",
                post_id=post.id,
                from_id=from_id,
                message=message,
                created_time=at,
                parent_id=top.id if top else None,
                origin=origin,
            )
            self.comments[comment.id] = comment
            post.updated_time = max(post.updated_time, at)
            return comment

    def top_level(self, comment: FbComment) -> FbComment:
        with self.lock:
            while comment.parent_id is not None:
                parent = self.comments.get(comment.parent_id)
                if parent is None:
                    break
                comment = parent
            return comment

    def comment(self, comment_id: str) -> FbComment | None:
        with self.lock:
            found = self.comments.get(str(comment_id))
            return None if found is None or found.deleted else found

    def comments_on(self, post_id: str, *, stream: bool) -> list[FbComment]:
        """Live comments on a post, oldest first: top-level only, or every
        comment and reply (filter=stream)."""
        with self.lock:
            found = [
                c
                for c in self.comments.values()
                if c.post_id == post_id and not c.deleted and (stream or c.parent_id is None)
            ]
            return sorted(found, key=lambda c: (c.created_time, _seq_of(c.id)))

    def replies_to(self, comment_id: str) -> list[FbComment]:
        with self.lock:
            found = [
                c for c in self.comments.values() if c.parent_id == comment_id and not c.deleted
            ]
            return sorted(found, key=lambda c: (c.created_time, _seq_of(c.id)))

    def post_of(self, comment: FbComment) -> FbPost | None:
        return self.post(comment.post_id)

    # -- Messenger -----------------------------------------------------------

    def conversation_with(self, page_id: str, user_id: str) -> FbConversation:
        """The page's one Messenger thread with a person, created if new."""
        with self.lock:
            for conv in self.conversations.values():
                if conv.page_id == page_id and conv.user_id == user_id:
                    return conv
            conv = FbConversation(
                id=f"t_{10**13 + self._next()}",
                page_id=page_id,
                user_id=user_id,
                updated_time=NEVER,
            )
            self.conversations[conv.id] = conv
            return conv

    def find_conversation(self, page_id: str, user_id: str) -> FbConversation | None:
        with self.lock:
            return next(
                (
                    c
                    for c in self.conversations.values()
                    if c.page_id == page_id and c.user_id == user_id
                ),
                None,
            )

    def add_message(
        self,
        *,
        conversation: FbConversation,
        from_id: str,
        text: str,
        created_time: datetime | None = None,
        origin: str = "inject",
        meta: dict[str, object] | None = None,
    ) -> FbMessage:
        with self.lock:
            at = created_time or self._state.now()
            seq = self._next()
            digest = hashlib.sha256(f"{conversation.id}:{seq}".encode()).hexdigest()[:28]
            to_id = (
                conversation.user_id if from_id == conversation.page_id else conversation.page_id
            )
            message = FbMessage(
                id=f"m_{digest}",
                conversation_id=conversation.id,
                from_id=from_id,
                to_id=to_id,
                text=text,
                created_time=at,
                origin=origin,
                meta=dict(meta or {}),
            )
            self.messages[message.id] = message
            conversation.updated_time = max(conversation.updated_time, at)
            return message

    def messages_in(self, conversation_id: str) -> list[FbMessage]:
        """Messages of a thread, newest first (as Graph serves them)."""
        with self.lock:
            found = [m for m in self.messages.values() if m.conversation_id == conversation_id]
            return sorted(found, key=lambda m: (m.created_time, m.id), reverse=True)

    def conversations_of(self, page_id: str) -> list[FbConversation]:
        """The Page's threads with at least one message, most recently active first."""
        with self.lock:
            live = {m.conversation_id for m in self.messages.values()}
            found = [
                c for c in self.conversations.values() if c.page_id == page_id and c.id in live
            ]
            return sorted(found, key=lambda c: (c.updated_time, c.id), reverse=True)

    def last_message_from_user(self, page_id: str, user_id: str) -> FbMessage | None:
        """The person's latest message to the Page: it opens the reply window."""
        with self.lock:
            conv = self.find_conversation(page_id, user_id)
            if conv is None:
                return None
            return next((m for m in self.messages_in(conv.id) if m.from_id == user_id), None)

    def node(self, node_id: str) -> object | None:
        """Whatever Graph object has this id (Page, post, comment, thread, message)."""
        with self.lock:
            for table in (self.pages, self.posts, self.comments, self.conversations, self.messages):
                found = table.get(node_id)
                if found is not None and not getattr(found, "deleted", False):
                    return found
            return None

    def summary(self) -> dict[str, object]:
        with self.lock:
            live = [c for c in self.comments.values() if not c.deleted]
            return {
                "pages": len(self.pages),
                "people": len(self.users),
                "posts": sum(1 for p in self.posts.values() if not p.deleted),
                "comments": len(live),
                "hidden_comments": sum(1 for c in live if c.is_hidden),
                "conversations": len(self.conversations),
                "messages": len(self.messages),
            }


def default_page_token(page_id: str) -> str:
    """The sandbox Page token for a page id: `sbx-page-<id>` (plus anything after a dash)."""
    return f"sbx-page-{page_id}"


def _seq_of(comment_id: str) -> int:
    tail = comment_id.rsplit("_", 1)[-1]
    return int(tail) if tail.isdigit() else 0
