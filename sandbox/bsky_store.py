"""In-memory Bluesky world: actors (with app passwords and sessions), posts,
like and block records, mutes, and chat conversations.

Primitives only (create, find, list); what the XRPC methods check (auth,
record validation) lives in bsky_xrpc. Every method takes the state lock,
which is re-entrant, so callers can group several calls atomically.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.state import SandboxState

# TIDs (record keys, chat ids, revs) and DIDs use base32-sortable characters.
S32 = "234567abcdefghijklmnopqrstuvwxyz"
POST = "app.bsky.feed.post"
LIKE = "app.bsky.feed.like"
BLOCK = "app.bsky.graph.block"
# As Bluesky's PDS: access tokens last 2 hours, refresh tokens 90 days.
ACCESS_LIFETIME = timedelta(hours=2)
REFRESH_LIFETIME = timedelta(days=90)


def iso_ms(moment: datetime) -> str:
    """Bluesky's time format: UTC with milliseconds and a Z."""
    from datetime import UTC

    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def fake_cid(content: Any) -> str:
    """A CIDv1-looking string derived from the content (the sandbox signs nothing)."""
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).digest()
    return "bafyrei" + base64.b32encode(digest).decode().lower().rstrip("=")[:52]


def did_for(handle: str) -> str:
    digest = hashlib.sha256(handle.lower().encode()).digest()
    return "did:plc:" + "".join(S32[b % 32] for b in digest[:24])


@dataclass
class BskyActor:
    did: str
    handle: str
    display_name: str = ""
    description: str = ""
    followers_count: int = 0
    is_org: bool = False
    app_password: str = ""  # org accounts: what createSession accepts
    created_at: datetime | None = None


@dataclass
class BskyPost:
    uri: str
    cid: str
    author_did: str
    record: dict[str, Any]  # the record as written ($type, text, createdAt, reply, facets...)
    indexed_at: datetime
    seq: int  # creation order, the tie-break of indexedAt in listings
    origin: str = "inject"
    deleted: bool = False

    @property
    def text(self) -> str:
        return str(self.record.get("text") or "")

    def parent_uri(self) -> str | None:
        reply = self.record.get("reply")
        return reply.get("parent", {}).get("uri") if isinstance(reply, dict) else None

    def quoted_uri(self) -> str | None:
        embed = self.record.get("embed")
        if isinstance(embed, dict) and embed.get("$type") == "app.bsky.embed.recordWithMedia":
            embed = embed.get("record")  # a quote with pictures
        if isinstance(embed, dict) and embed.get("$type") == "app.bsky.embed.record":
            return (embed.get("record") or {}).get("uri")
        return None


@dataclass
class RepoRecord:
    """A like or block record in an account's repository."""

    uri: str
    cid: str
    collection: str
    repo: str
    value: dict[str, Any]
    seq: int


@dataclass
class Convo:
    id: str
    members: list[str]  # dids
    rev: str = ""


@dataclass
class ChatMessage:
    id: str
    convo_id: str
    sender_did: str
    text: str
    sent_at: datetime
    rev: str
    facets: list[Any] = field(default_factory=list)
    origin: str = "inject"


@dataclass
class SessionToken:
    did: str
    expires: datetime
    kind: str  # access | refresh


class BskyStore:
    def __init__(self, state: SandboxState) -> None:
        self._state = state
        self.lock: threading.RLock = state.lock
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.actors: dict[str, BskyActor] = {}
            self._by_handle: dict[str, str] = {}
            self.posts: dict[str, BskyPost] = {}
            self.records: dict[str, RepoRecord] = {}
            self.mutes: set[tuple[str, str]] = set()
            self.convos: dict[str, Convo] = {}
            self.messages: dict[str, ChatMessage] = {}
            self.tokens: dict[str, SessionToken] = {}
            self.revoked: set[str] = set()  # dids whose app password was revoked
            # (uploader did, cid) -> {"mimeType", "size"}: what uploadBlob took
            self.blobs: dict[tuple[str, str], dict[str, Any]] = {}
            self._seq = 0
            self._last_tid = 0

    # -- ids -----------------------------------------------------------------

    def next_seq(self) -> int:
        with self.lock:
            self._seq += 1
            return self._seq

    def tid(self, at: datetime | None = None) -> str:
        """A 13-character timestamp id, strictly increasing (as record keys are)."""
        with self.lock:
            micros = int((at or self._state.now()).timestamp() * 1_000_000)
            value = max(micros << 10, self._last_tid + 1)
            self._last_tid = value
            out = []
            for _ in range(13):
                out.append(S32[value & 31])
                value >>= 5
            return "".join(reversed(out))

    # -- actors --------------------------------------------------------------

    def add_actor(
        self,
        *,
        handle: str,
        display_name: str = "",
        did: str | None = None,
        followers_count: int = 0,
        is_org: bool = False,
        app_password: str = "",
        description: str = "",
    ) -> BskyActor:
        with self.lock:
            handle = handle.lower().lstrip("@")
            did = did or self._by_handle.get(handle) or did_for(handle)
            other = self._by_handle.get(handle)
            if other is not None and other != did:
                raise ValueError(f"handle {handle} is already taken by {other}")
            old = self.actors.get(did)
            if old is not None:
                self._by_handle.pop(old.handle, None)
            actor = BskyActor(
                did=did,
                handle=handle,
                display_name=display_name,
                description=description,
                followers_count=int(followers_count),
                is_org=is_org or (old.is_org if old else False),
                app_password=app_password or (old.app_password if old else ""),
                created_at=old.created_at if old else self._state.now(),
            )
            self.actors[did] = actor
            self._by_handle[handle] = did
            if app_password:  # a new app password works again after a revocation
                self.revoked.discard(did)
            return actor

    def actor(self, ident: str) -> BskyActor | None:
        """By DID or handle."""
        with self.lock:
            ident = ident.lower().lstrip("@") if not ident.startswith("did:") else ident
            did = ident if ident.startswith("did:") else self._by_handle.get(ident)
            return self.actors.get(did) if did else None

    def accounts(self) -> list[BskyActor]:
        with self.lock:
            return [a for a in self.actors.values() if a.is_org]

    def citizens(self) -> list[BskyActor]:
        with self.lock:
            return [a for a in self.actors.values() if not a.is_org]

    # -- sessions ------------------------------------------------------------

    def issue(self, did: str, kind: str) -> tuple[str, SessionToken]:
        with self.lock:
            now = self._state.now()
            life = ACCESS_LIFETIME if kind == "access" else REFRESH_LIFETIME
            token = SessionToken(did=did, expires=now + life, kind=kind)
            jwt = _jwt(
                {
                    "scope": "com.atproto.appPass" if kind == "access" else "com.atproto.refresh",
                    "sub": did,
                    "iat": int(now.timestamp()),
                    # The SDK refreshes 15 minutes before exp by the machine's
                    # clock, so exp is real time; the sandbox checks ``expires``
                    # against its own clock (a test can move it past).
                    "exp": int((_real_now() + life).timestamp()),
                    "jti": self.tid(),
                }
            )
            self.tokens[jwt] = token
            return jwt, token

    def revoke(self, did: str) -> None:
        """The app password was revoked: it and every session it opened stop working."""
        with self.lock:
            self.revoked.add(did)
            for token in self.tokens.values():
                if token.did == did:
                    token.expires = self._state.now() - timedelta(seconds=1)

    # -- posts ---------------------------------------------------------------

    def add_post(
        self,
        *,
        author_did: str,
        record: dict[str, Any],
        origin: str = "inject",
        indexed_at: datetime | None = None,
    ) -> BskyPost:
        """``indexed_at``: when the AppView saw it (seeded history); now by default."""
        with self.lock:
            created = record.get("createdAt")
            rkey = self.tid()
            uri = f"at://{author_did}/{POST}/{rkey}"
            post = BskyPost(
                uri=uri,
                cid=fake_cid({"uri": uri, "record": record}),
                author_did=author_did,
                record={"$type": POST, **record, "createdAt": created or iso_ms(self._state.now())},
                indexed_at=indexed_at or self._state.now(),
                seq=self.next_seq(),
                origin=origin,
            )
            self.posts[uri] = post
            return post

    def post(self, uri: str) -> BskyPost | None:
        with self.lock:
            found = self.posts.get(uri)
            return None if found is None or found.deleted else found

    def posts_by(self, did: str) -> list[BskyPost]:
        """The actor's live posts, newest first."""
        with self.lock:
            own = [p for p in self.posts.values() if p.author_did == did and not p.deleted]
            return sorted(own, key=lambda p: p.seq, reverse=True)

    def replies_to(self, uri: str) -> int:
        with self.lock:
            return sum(1 for p in self.posts.values() if not p.deleted and p.parent_uri() == uri)

    def quotes_of(self, uri: str) -> int:
        with self.lock:
            return sum(1 for p in self.posts.values() if not p.deleted and p.quoted_uri() == uri)

    # -- repo records (likes, blocks) -------------------------------------------

    def add_record(self, *, repo: str, collection: str, value: dict[str, Any]) -> RepoRecord:
        with self.lock:
            uri = f"at://{repo}/{collection}/{self.tid()}"
            record = RepoRecord(
                uri=uri,
                cid=fake_cid({"uri": uri, "value": value}),
                collection=collection,
                repo=repo,
                value={"$type": collection, **value},
                seq=self.next_seq(),
            )
            self.records[uri] = record
            return record

    def records_of(self, repo: str, collection: str) -> list[RepoRecord]:
        with self.lock:
            found = [
                r for r in self.records.values() if r.repo == repo and r.collection == collection
            ]
            return sorted(found, key=lambda r: r.seq, reverse=True)

    def like_of(self, repo: str, subject_uri: str) -> RepoRecord | None:
        with self.lock:
            return next(
                (
                    r
                    for r in self.records_of(repo, LIKE)
                    if (r.value.get("subject") or {}).get("uri") == subject_uri
                ),
                None,
            )

    def likes_on(self, subject_uri: str) -> int:
        with self.lock:
            return sum(
                1
                for r in self.records.values()
                if r.collection == LIKE and (r.value.get("subject") or {}).get("uri") == subject_uri
            )

    def block_of(self, repo: str, subject_did: str) -> RepoRecord | None:
        with self.lock:
            return next(
                (r for r in self.records_of(repo, BLOCK) if r.value.get("subject") == subject_did),
                None,
            )

    # -- chat ------------------------------------------------------------------

    def convo_for(self, members: list[str]) -> Convo:
        """The direct conversation between these members, created if new."""
        with self.lock:
            wanted = sorted(set(members))
            for convo in self.convos.values():
                if sorted(convo.members) == wanted:
                    return convo
            convo = Convo(id=self.tid(), members=wanted, rev=self.tid())
            self.convos[convo.id] = convo
            return convo

    def add_message(
        self,
        *,
        convo: Convo,
        sender_did: str,
        text: str,
        facets: list[Any] | None = None,
        sent_at: datetime | None = None,
        origin: str = "inject",
    ) -> ChatMessage:
        with self.lock:
            at = sent_at or self._state.now()
            rev = self.tid()
            message = ChatMessage(
                id=self.tid(at),
                convo_id=convo.id,
                sender_did=sender_did,
                text=text,
                sent_at=at,
                rev=rev,
                facets=list(facets or []),
                origin=origin,
            )
            convo.rev = rev
            self.messages[message.id] = message
            return message

    def messages_in(self, convo_id: str) -> list[ChatMessage]:
        """Newest first (by rev: the order they were written)."""
        with self.lock:
            found = [m for m in self.messages.values() if m.convo_id == convo_id]
            return sorted(found, key=lambda m: m.rev, reverse=True)

    def convos_of(self, did: str) -> list[Convo]:
        """Most recently active first."""
        with self.lock:
            found = [c for c in self.convos.values() if did in c.members]
            return sorted(found, key=lambda c: c.rev, reverse=True)

    # -- summary ---------------------------------------------------------------

    def summary(self) -> dict[str, object]:
        with self.lock:
            return {
                "accounts": len(self.accounts()),
                "citizens": len(self.citizens()),
                "posts": sum(1 for p in self.posts.values() if not p.deleted),
                "likes": sum(1 for r in self.records.values() if r.collection == LIKE),
                "blocks": sum(1 for r in self.records.values() if r.collection == BLOCK),
                "mutes": len(self.mutes),
                "convos": len(self.convos),
                "chat_messages": len(self.messages),
                "blobs": len(self.blobs),
            }


def _real_now() -> datetime:
    from sandbox.clock import real_now

    return real_now()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _jwt(payload: dict[str, Any]) -> str:
    """A JWT the SDK can decode (it reads ``exp``; the signature is never checked)."""
    header = _b64(json.dumps({"typ": "at+jwt", "alg": "ES256K"}).encode())
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    signature = _b64(hashlib.sha256(f"{header}.{body}".encode()).digest())
    return f"{header}.{body}.{signature}"
