"""In-memory Mastodon instance: accounts, statuses, notifications, DM threads,
favourites, mutes, blocks, media uploads, OAuth apps and tokens.

Primitives only; the HTTP rules (visibility, character limit, paging) live in
masto_api. Every method takes the shared state lock (re-entrant).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sandbox.x_models import unit

if TYPE_CHECKING:
    from sandbox.masto_media import MastoUpload
    from sandbox.media import MediaBlob
    from sandbox.state import SandboxState

DOMAIN = "social.sandbox.example"  # the sandbox instance's own domain
DEFAULT_MAX_CHARACTERS = 500  # Mastodon's default; instances may raise it
VISIBILITIES = ("public", "unlisted", "private", "direct")


@dataclass
class MastoAccount:
    id: str
    username: str
    display_name: str
    domain: str = ""  # "" for accounts of this instance; remote ones show user@domain
    followers_count: int = 0
    note: str = ""
    is_org: bool = False
    bot: bool = False
    created_at: datetime | None = None

    @property
    def acct(self) -> str:
        return f"{self.username}@{self.domain}" if self.domain else self.username


@dataclass
class MastoStatus:
    id: str
    account_id: str
    text: str  # plain text as written; rendered to HTML content on the way out
    created_at: datetime
    visibility: str = "public"
    in_reply_to_id: str | None = None
    in_reply_to_account_id: str | None = None
    mention_ids: list[str] = field(default_factory=list)
    application: str | None = None
    reblogs_count: int = 0
    media_keys: list[str] = field(default_factory=list)  # sandbox.media blobs, in order


@dataclass
class MastoNotification:
    id: str
    type: str
    account_id: str  # the recipient (our account)
    from_id: str  # who caused it
    status_id: str | None
    created_at: datetime


@dataclass
class MastoApp:
    client_id: str
    client_secret: str
    name: str
    redirect_uris: list[str]
    scopes: str
    website: str | None = None
    id: str = ""


@dataclass
class AuthCode:
    code: str
    client_id: str
    redirect_uri: str
    account_id: str
    scope: str
    created_at: datetime
    used: bool = False


class MastoStore:
    def __init__(self, state: SandboxState) -> None:
        self._state = state
        self.lock: threading.RLock = state.lock
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.accounts: dict[str, MastoAccount] = {}
            self._by_acct: dict[str, str] = {}
            self.statuses: dict[str, MastoStatus] = {}  # insertion order == id order
            self.notifications: dict[str, MastoNotification] = {}
            self.favourites: set[tuple[str, str]] = set()  # (account id, status id)
            self.mutes: dict[tuple[str, str], bool] = {}  # (account, target) -> hide notifications
            self.blocks: set[tuple[str, str]] = set()
            self.tokens: dict[str, tuple[str, str]] = {}  # token -> (account id, scope)
            self.apps: dict[str, MastoApp] = {}
            self.codes: dict[str, AuthCode] = {}
            self.idempotency: dict[tuple[str, str], str] = {}  # (account, key) -> status id
            self.read_conversations: set[tuple[str, str]] = set()
            self.max_characters = DEFAULT_MAX_CHARACTERS
            self.uploads: dict[str, MastoUpload] = {}  # media id -> the app's upload
            self.media_processing_reads = 0  # see masto_media

    # -- accounts ------------------------------------------------------------

    def add_account(
        self,
        *,
        id: str,
        username: str,
        display_name: str = "",
        domain: str = "",
        followers_count: int = 0,
        note: str = "",
        is_org: bool = False,
        access_token: str | None = None,
    ) -> MastoAccount:
        if not str(id).isdigit():
            raise ValueError(f"Mastodon account ids are numeric strings, got {id!r}")
        with self.lock:
            old = self.accounts.get(str(id))
            if old is not None:
                self._by_acct.pop(old.acct.lower(), None)
            account = MastoAccount(
                id=str(id),
                username=username.lstrip("@"),
                display_name=display_name or username,
                domain=domain,
                followers_count=int(followers_count),
                note=note,
                is_org=is_org or bool(old and old.is_org),
                created_at=old.created_at
                if old
                else self._state.now() - timedelta(days=100 + 2000 * unit(str(id), "age")),
            )
            other = self._by_acct.get(account.acct.lower())
            if other is not None and other != account.id:
                raise ValueError(f"@{account.acct} is already taken by account {other}")
            self.accounts[account.id] = account
            self._by_acct[account.acct.lower()] = account.id
            if access_token:
                self.tokens[access_token] = (account.id, "read write follow")
            return account

    def ensure_org(self, account_id: str) -> MastoAccount:
        """Our account with this id, registered on the spot if new (training mode)."""
        with self.lock:
            account = self.accounts.get(account_id)
            if account is None:
                account = self.add_account(
                    id=account_id,
                    username=f"acct{account_id}"[:30],
                    display_name=f"Sandbox account {account_id}",
                    followers_count=180,
                    is_org=True,
                )
            return account

    def account(self, account_id: str) -> MastoAccount | None:
        with self.lock:
            return self.accounts.get(str(account_id))

    def by_acct(self, acct: str) -> MastoAccount | None:
        with self.lock:
            found = self._by_acct.get(acct.lower().lstrip("@"))
            return self.accounts.get(found) if found else None

    def orgs(self) -> list[MastoAccount]:
        with self.lock:
            return [a for a in self.accounts.values() if a.is_org]

    def citizens(self) -> list[MastoAccount]:
        with self.lock:
            return [a for a in self.accounts.values() if not a.is_org]

    def issue_token(self, account_id: str, scope: str) -> str:
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[token] = (account_id, scope)
        return token

    # -- statuses --------------------------------------------------------------

    def add_status(
        self,
        *,
        account_id: str,
        text: str,
        visibility: str = "public",
        in_reply_to: MastoStatus | None = None,
        mention_ids: list[str] | None = None,
        created_at: datetime | None = None,
        application: str | None = None,
        media_keys: list[str] | None = None,
    ) -> MastoStatus:
        """Store a status and notify each local account it mentions."""
        with self.lock:
            now = created_at or self._state.now()
            status = MastoStatus(
                id=self._state.ids.next(now),
                account_id=account_id,
                text=text,
                created_at=now,
                visibility=visibility,
                in_reply_to_id=in_reply_to.id if in_reply_to else None,
                in_reply_to_account_id=in_reply_to.account_id if in_reply_to else None,
                mention_ids=list(dict.fromkeys(mention_ids or [])),
                application=application,
                media_keys=list(media_keys or []),
            )
            self.statuses[status.id] = status
            for target in status.mention_ids:
                if target != account_id and target in self.accounts:
                    # As Mastodon's filter: nothing from blocked accounts, nor from
                    # muted ones when the mute hides notifications.
                    if (target, account_id) in self.blocks or self.mutes.get(
                        (target, account_id), False
                    ):
                        continue
                    self.notify(target, "mention", account_id, status.id, now)
            return status

    def notify(
        self, account_id: str, kind: str, from_id: str, status_id: str | None, at: datetime
    ) -> MastoNotification:
        with self.lock:
            note = MastoNotification(
                id=self._state.ids.next(at),
                type=kind,
                account_id=account_id,
                from_id=from_id,
                status_id=status_id,
                created_at=at,
            )
            self.notifications[note.id] = note
            return note

    def status(self, status_id: str) -> MastoStatus | None:
        with self.lock:
            return self.statuses.get(str(status_id))

    def replies_count(self, status_id: str) -> int:
        with self.lock:
            return sum(1 for s in self.statuses.values() if s.in_reply_to_id == status_id)

    def favourites_count(self, status_id: str) -> int:
        with self.lock:
            return sum(1 for _, s in self.favourites if s == status_id)

    def can_see(self, viewer_id: str, status: MastoStatus) -> bool:
        """Mastodon's visibility rule, simplified: public and unlisted for all,
        private and direct for the author and those mentioned."""
        if status.visibility in ("public", "unlisted"):
            return True
        return viewer_id == status.account_id or viewer_id in status.mention_ids

    def ancestors(self, status: MastoStatus) -> list[MastoStatus]:
        """The reply chain above ``status``, oldest first."""
        with self.lock:
            chain: list[MastoStatus] = []
            current = status
            while current.in_reply_to_id and len(chain) < 200:
                parent = self.statuses.get(current.in_reply_to_id)
                if parent is None:
                    break
                chain.append(parent)
                current = parent
            return chain[::-1]

    def descendants(self, status: MastoStatus) -> list[MastoStatus]:
        with self.lock:
            found: list[MastoStatus] = []
            wanted = {status.id}
            for candidate in self.statuses.values():  # id order: parents come first
                if candidate.in_reply_to_id in wanted:
                    found.append(candidate)
                    wanted.add(candidate.id)
            return found

    def notifications_of(self, account_id: str) -> list[MastoNotification]:
        """Newest first."""
        with self.lock:
            return [n for n in reversed(self.notifications.values()) if n.account_id == account_id]

    def block(self, account_id: str, target_id: str) -> bool:
        """Block; as Mastodon does, the target's notifications to the account go. True if new."""
        with self.lock:
            if (account_id, target_id) in self.blocks:
                return False
            self.blocks.add((account_id, target_id))
            for key, note in list(self.notifications.items()):
                if note.account_id == account_id and note.from_id == target_id:
                    del self.notifications[key]
            return True

    def media_blob(self, key: str) -> MediaBlob | None:
        return self._state.media.key(key)

    def statuses_of(self, account_id: str) -> list[MastoStatus]:
        with self.lock:
            return [s for s in reversed(self.statuses.values()) if s.account_id == account_id]

    # -- direct conversations ---------------------------------------------------

    def conversations_of(self, account_id: str) -> list[tuple[str, list[str], MastoStatus]]:
        """(conversation id, other participants, last status), latest first. A
        conversation is a set of participants exchanging direct statuses; its id
        is its first status's, and it pages by its last status's id, as Mastodon's."""
        with self.lock:
            threads: dict[frozenset[str], tuple[str, MastoStatus]] = {}
            for status in self.statuses.values():
                if status.visibility != "direct":
                    continue
                people = frozenset([status.account_id, *status.mention_ids])
                if account_id not in people or len(people) < 2:
                    continue
                first = threads.get(people)
                threads[people] = (first[0] if first else status.id, status)
            rows = [
                (cid, sorted(p for p in people if p != account_id), last)
                for people, (cid, last) in threads.items()
            ]
            return sorted(rows, key=lambda r: int(r[2].id), reverse=True)

    def last_direct_between(self, account_id: str, other_id: str) -> MastoStatus | None:
        for _cid, others, last in self.conversations_of(account_id):
            if others == [other_id]:
                return last
        return None

    def summary(self) -> dict[str, int]:
        with self.lock:
            return {
                "accounts": len(self.orgs()),
                "citizens": len(self.citizens()),
                "statuses": len(self.statuses),
                "notifications": len(self.notifications),
                "max_characters": self.max_characters,
            }
