"""In-memory Instagram world, reached through the Graph API of a linked Page.

An Instagram professional account (``IgAccount``) is linked to one Facebook
Page; the Page's token reads and writes it, as with Facebook Login for
Business. People (``IgUser``) comment on the account's media and message it;
the sandbox uses one id per person both as the commenter's id and as their
Instagram-scoped id (IGSID) in direct messages, as the Facebook part does with
PSIDs. Ids look like Instagram's: long numbers for users, media and comments,
base64 text for conversations and messages.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.state import SandboxState

FIRST_SEQ = 17_900_000_000_000_000  # Instagram's ids are 17-digit numbers
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
# Instagram's messaging window (as Messenger's): 24 hours after the person's
# last message; HUMAN_AGENT extends it to 7 days; a private reply to a comment
# may be sent within 7 days of the comment.
WINDOW_HOURS = 24
HUMAN_AGENT_DAYS = 7


@dataclass
class IgAccount:
    id: str
    page_id: str
    username: str
    name: str
    followers_count: int = 0
    biography: str = ""


@dataclass
class IgUser:
    id: str
    username: str


@dataclass
class IgMedia:
    id: str
    owner_id: str  # our account's id, or a person's for media that tags us
    caption: str
    timestamp: datetime
    shortcode: str
    media_type: str = "IMAGE"
    tagged_ids: list[str] = field(default_factory=list)
    deleted: bool = False

    @property
    def permalink(self) -> str:
        return f"https://www.instagram.com/p/{self.shortcode}/"


@dataclass
class IgComment:
    id: str
    media_id: str
    from_id: str
    text: str
    timestamp: datetime
    parent_id: str | None = None  # the top-level comment a reply sits under
    hidden: bool = False
    deleted: bool = False
    like_count: int = 0
    private_reply_id: str | None = None
    origin: str = "inject"


@dataclass
class IgConversation:
    id: str
    account_id: str
    user_id: str
    updated_time: datetime


@dataclass
class IgMessage:
    id: str
    conversation_id: str
    from_id: str
    to_id: str
    text: str
    created_time: datetime
    origin: str = "inject"
    meta: dict[str, object] = field(default_factory=dict)
    media_keys: list[str] = field(default_factory=list)  # sandbox.media blobs


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


class IgStore:
    def __init__(self, state: SandboxState) -> None:
        self._state = state
        self.lock: threading.RLock = state.lock
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.accounts: dict[str, IgAccount] = {}
            self.users: dict[str, IgUser] = {}
            self.media: dict[str, IgMedia] = {}
            self.comments: dict[str, IgComment] = {}
            self.conversations: dict[str, IgConversation] = {}
            self.messages: dict[str, IgMessage] = {}
            self._seq = FIRST_SEQ + self._state.id_offset

    def next_id(self) -> str:
        with self.lock:
            self._seq += 1
            return str(self._seq)

    # -- accounts and people ---------------------------------------------------

    def add_account(
        self, *, id: str, page_id: str, username: str, name: str = "", followers_count: int = 0
    ) -> IgAccount:
        with self.lock:
            account = IgAccount(
                id=id,
                page_id=page_id,
                username=username,
                name=name or username,
                followers_count=followers_count,
            )
            self.accounts[id] = account
            return account

    def account_of_page(self, page_id: str) -> IgAccount | None:
        with self.lock:
            return next((a for a in self.accounts.values() if a.page_id == page_id), None)

    def add_user(self, *, id: str, username: str) -> IgUser:
        with self.lock:
            user = self.users.get(id)
            if user is None:
                user = self.users[id] = IgUser(id=id, username=username)
            elif username:
                user.username = username
            return user

    def username_of(self, actor_id: str) -> str:
        with self.lock:
            if actor_id in self.accounts:
                return self.accounts[actor_id].username
            user = self.users.get(actor_id)
            return user.username if user else f"user{actor_id[-6:]}"

    # -- media and comments ------------------------------------------------------

    def add_media(
        self,
        *,
        owner_id: str,
        caption: str,
        timestamp: datetime | None = None,
        tagged_ids: list[str] | None = None,
    ) -> IgMedia:
        with self.lock:
            media_id = self.next_id()
            media = IgMedia(
                id=media_id,
                owner_id=owner_id,
                caption=caption,
                timestamp=timestamp or self._state.now(),
                shortcode="C" + _b64(media_id)[:10],
                tagged_ids=list(tagged_ids or []),
            )
            self.media[media_id] = media
            return media

    def media_of(self, account_id: str) -> list[IgMedia]:
        """The account's own media, newest first (as /{ig-user-id}/media serves it)."""
        with self.lock:
            found = [m for m in self.media.values() if m.owner_id == account_id and not m.deleted]
            return sorted(found, key=lambda m: (m.timestamp, int(m.id)), reverse=True)

    def tagging(self, account_id: str) -> list[IgMedia]:
        """People's media that tag the account, newest first (/{ig-user-id}/tags)."""
        with self.lock:
            found = [m for m in self.media.values() if account_id in m.tagged_ids and not m.deleted]
            return sorted(found, key=lambda m: (m.timestamp, int(m.id)), reverse=True)

    def add_comment(
        self,
        *,
        media: IgMedia,
        from_id: str,
        text: str,
        parent_id: str | None = None,
        timestamp: datetime | None = None,
        origin: str = "inject",
    ) -> IgComment:
        with self.lock:
            comment = IgComment(
                id=self.next_id(),
                media_id=media.id,
                from_id=from_id,
                text=text,
                timestamp=timestamp or self._state.now(),
                parent_id=parent_id,
                origin=origin,
            )
            self.comments[comment.id] = comment
            return comment

    def top_level_of(self, media_id: str) -> list[IgComment]:
        """A media's top-level comments, newest first."""
        with self.lock:
            found = [
                c
                for c in self.comments.values()
                if c.media_id == media_id and c.parent_id is None and not c.deleted
            ]
            return sorted(found, key=lambda c: (c.timestamp, int(c.id)), reverse=True)

    def replies_to(self, comment_id: str) -> list[IgComment]:
        """Replies under a top-level comment, oldest first (as the app shows them)."""
        with self.lock:
            found = [
                c for c in self.comments.values() if c.parent_id == comment_id and not c.deleted
            ]
            return sorted(found, key=lambda c: (c.timestamp, int(c.id)))

    # -- direct messages -----------------------------------------------------------

    def conversation_with(self, account_id: str, user_id: str) -> IgConversation:
        with self.lock:
            found = self.find_conversation(account_id, user_id)
            if found is not None:
                return found
            conv = IgConversation(
                id=_b64(f"ig_t:1:IGMessageThread:{account_id}:{user_id}"),
                account_id=account_id,
                user_id=user_id,
                updated_time=NEVER,
            )
            self.conversations[conv.id] = conv
            return conv

    def find_conversation(self, account_id: str, user_id: str) -> IgConversation | None:
        with self.lock:
            return next(
                (
                    c
                    for c in self.conversations.values()
                    if c.account_id == account_id and c.user_id == user_id
                ),
                None,
            )

    def add_message(
        self,
        *,
        conversation: IgConversation,
        from_id: str,
        text: str,
        created_time: datetime | None = None,
        origin: str = "inject",
        meta: dict[str, object] | None = None,
        media_keys: list[str] | None = None,
    ) -> IgMessage:
        with self.lock:
            at = created_time or self._state.now()
            to_id = (
                conversation.user_id
                if from_id == conversation.account_id
                else conversation.account_id
            )
            message = IgMessage(
                # Long base64 text, as Instagram's are (150 characters and more).
                id=_b64(
                    f"ig_item:1:IGMessageID:{conversation.account_id}:"
                    f"{340282366841710300949128175635859378647 + int(self.next_id())}:"
                    f"{conversation.user_id}"
                ),
                conversation_id=conversation.id,
                from_id=from_id,
                to_id=to_id,
                text=text,
                created_time=at,
                origin=origin,
                meta=dict(meta or {}),
                media_keys=list(media_keys or []),
            )
            self.messages[message.id] = message
            conversation.updated_time = max(conversation.updated_time, at)
            return message

    def messages_in(self, conversation_id: str) -> list[IgMessage]:
        """A thread's messages, newest first."""
        with self.lock:
            found = [m for m in self.messages.values() if m.conversation_id == conversation_id]
            return sorted(found, key=lambda m: (m.created_time, m.id), reverse=True)

    def conversations_of(self, account_id: str) -> list[IgConversation]:
        """Threads with at least one message, most recently active first."""
        with self.lock:
            live = {m.conversation_id for m in self.messages.values()}
            found = [
                c
                for c in self.conversations.values()
                if c.account_id == account_id and c.id in live
            ]
            return sorted(found, key=lambda c: (c.updated_time, c.id), reverse=True)

    def last_message_from(self, account_id: str, user_id: str) -> IgMessage | None:
        with self.lock:
            conv = self.find_conversation(account_id, user_id)
            if conv is None:
                return None
            return next((m for m in self.messages_in(conv.id) if m.from_id == user_id), None)

    # -- lookup ----------------------------------------------------------------------

    def node(self, node_id: str) -> object | None:
        with self.lock:
            for table in (
                self.accounts,
                self.media,
                self.comments,
                self.conversations,
                self.messages,
            ):
                found = table.get(node_id)
                if found is not None and not getattr(found, "deleted", False):
                    return found
            return None

    def owner_account(self, obj: object) -> str | None:
        """The id of our account an object belongs to (a tagging media: the account tagged)."""
        with self.lock:
            if isinstance(obj, IgAccount):
                return obj.id
            if isinstance(obj, IgComment):
                obj = self.media.get(obj.media_id)
            if isinstance(obj, IgMedia):
                if obj.owner_id in self.accounts:
                    return obj.owner_id
                return next((t for t in obj.tagged_ids if t in self.accounts), None)
            if isinstance(obj, IgMessage):
                obj = self.conversations.get(obj.conversation_id)
            if isinstance(obj, IgConversation):
                return obj.account_id
            return None

    def summary(self) -> dict[str, object]:
        with self.lock:
            live = [c for c in self.comments.values() if not c.deleted]
            return {
                "accounts": len(self.accounts),
                "people": len(self.users),
                "media": sum(1 for m in self.media.values() if not m.deleted),
                "comments": len(live),
                "hidden_comments": sum(1 for c in live if c.hidden),
                "conversations": len(self.conversations),
                "messages": len(self.messages),
            }
