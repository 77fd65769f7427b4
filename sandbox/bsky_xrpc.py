"""Bluesky's XRPC methods, as the PDS (with the AppView and chat behind it)
answers them. Each handler takes (state, request) after bsky_api has
authenticated the caller into ``req.auth`` (a DID) and counted the call.

Writes are recorded in the outbox with ``network: "bsky"``: ``post`` (target:
the parent's uri, meta: root, parent, facets and, with pictures, ``media``),
``like``, ``block``, ``mute``, ``unmute``, ``chat_message`` (target: the
conversation id) and ``blob_upload`` (see bsky_blobs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.bsky_blobs import check_images_embed, embedded_media
from sandbox.bsky_store import BLOCK, LIKE, POST, BskyActor
from sandbox.bsky_views import (
    MAX_CHAT_GRAPHEMES,
    check_facets,
    check_post_record,
    convo_view,
    graphemes,
    invalid,
    message_view,
    notification_reason,
    notification_view,
    post_view,
    profile_detailed,
    xrpc_error,
)
from sandbox.router import Request, Response

if TYPE_CHECKING:
    from sandbox.state import SandboxState

NOTIFICATION_REASONS = ("like", "repost", "follow", "mention", "reply", "quote")


def _limit(req: Request, default: int = 50, top: int = 100) -> int:
    try:
        value = int(req.arg("limit") or default)
    except ValueError:
        raise invalid("limit must be an integer") from None
    if not 1 <= value <= top:
        raise invalid(f"limit must be between 1 and {top}")
    return value


def _me(state: SandboxState, req: Request) -> BskyActor:
    actor = state.bsky.actor(str(req.auth))
    if actor is None:
        raise xrpc_error(400, "InvalidToken", "Token could not be verified")
    return actor


def _actor(state: SandboxState, ident: Any, what: str = "actor") -> BskyActor:
    actor = state.bsky.actor(str(ident or ""))
    if actor is None:
        raise invalid(f"Profile not found: {what}")
    return actor


def _page(items: list[Any], req: Request, key, limit: int) -> tuple[list[Any], str | None]:
    """Items (already newest first) after the request's cursor, and the next cursor."""
    cursor = req.arg("cursor")
    if cursor:
        items = [i for i in items if key(i) < cursor]
    page = items[:limit]
    return page, key(page[-1]) if len(items) > limit else None


def _body(payload: dict[str, Any], cursor: str | None) -> dict[str, Any]:
    return {**payload, "cursor": cursor} if cursor else payload


# -- sessions ---------------------------------------------------------------------


def session_payload(state: SandboxState, actor: BskyActor) -> dict[str, Any]:
    access, _ = state.bsky.issue(actor.did, "access")
    refresh, _ = state.bsky.issue(actor.did, "refresh")
    # No didDoc: with one, the SDK would move its base URL to the PDS it names.
    return {
        "did": actor.did,
        "handle": actor.handle,
        "accessJwt": access,
        "refreshJwt": refresh,
        "active": True,
    }


def create_session(state: SandboxState, req: Request) -> Response:
    body = req.json_object()
    ident, password = str(body.get("identifier") or ""), str(body.get("password") or "")
    with state.lock:
        actor = state.bsky.actor(ident) if ident else None
        if actor is None and password.startswith("sbx-app-") and "." in ident:
            # Training mode: any handle with a sandbox app password is an account.
            actor = state.bsky.add_actor(
                handle=ident,
                display_name=ident.split(".")[0].title(),
                is_org=True,
                app_password=password,
                followers_count=250,
            )
        if (
            actor is None
            or not actor.is_org
            or actor.did in state.bsky.revoked
            or not actor.app_password
            or password != actor.app_password
        ):
            raise xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password")
        return Response(200, session_payload(state, actor))


def refresh_session(state: SandboxState, req: Request) -> Response:
    with state.lock:
        return Response(200, session_payload(state, _me(state, req)))


def get_session(state: SandboxState, req: Request) -> Response:
    actor = _me(state, req)
    return Response(200, {"did": actor.did, "handle": actor.handle, "active": True})


# -- reads ------------------------------------------------------------------------


def list_notifications(state: SandboxState, req: Request) -> Response:
    limit = _limit(req)
    wanted = set(req.query.get("reasons") or NOTIFICATION_REASONS)
    with state.lock:
        me = _me(state, req)
        store = state.bsky
        found = []
        for post in store.posts.values():
            if (me.did, post.author_did) in store.mutes or store.block_of(me.did, post.author_did):
                continue  # Bluesky tells no one about muted or blocked accounts
            reason = notification_reason(post, me, store)
            if reason in wanted:
                found.append((post, reason))
        found.sort(key=lambda pr: (pr[0].indexed_at, pr[0].seq), reverse=True)
        page, cursor = _page(found, req, _notification_key, limit)
        if req.fault is not None and req.fault.kind == "out_of_order":
            state.rng.shuffle(page)
        items = [notification_view(post, reason, store, me.did) for post, reason in page]
        return Response(200, _body({"notifications": items}, cursor))


def _notification_key(pair: tuple[Any, str]) -> str:
    post = pair[0]
    # Sortable as text: the newest-first order of (indexedAt, creation order).
    return f"{int(post.indexed_at.timestamp() * 1_000_000):020d}{post.seq:010d}"


def get_posts(state: SandboxState, req: Request) -> Response:
    uris = req.query.get("uris") or []
    if len(uris) > 25:
        raise invalid("uris must not have more than 25 elements")
    with state.lock:
        me = _me(state, req)
        posts = [state.bsky.post(u) for u in uris]
        views = [post_view(p, state.bsky, me.did) for p in posts if p is not None]
        return Response(200, {"posts": views})


def get_author_feed(state: SandboxState, req: Request) -> Response:
    """An actor's posts and replies, newest first, as feed items
    ``{"post": PostView}`` with their counts (``filter`` posts_with_replies,
    the default; posts_no_replies leaves replies out). The cursor is opaque."""
    limit = _limit(req)
    with state.lock:
        me = _me(state, req)
        actor = _actor(state, req.arg("actor"))
        posts = state.bsky.posts_by(actor.did)
        if req.arg("filter") == "posts_no_replies":
            posts = [p for p in posts if not p.parent_uri()]
        page, cursor = _page(posts, req, lambda p: f"{p.seq:012d}", limit)
        feed = [{"post": post_view(p, state.bsky, me.did)} for p in page]
        return Response(200, _body({"feed": feed}, cursor))


def get_profile(state: SandboxState, req: Request) -> Response:
    with state.lock:
        me = _me(state, req)
        actor = _actor(state, req.arg("actor"))
        return Response(200, profile_detailed(actor, state.bsky, me.did))


def resolve_handle(state: SandboxState, req: Request) -> Response:
    actor = state.bsky.actor(str(req.arg("handle") or ""))
    if actor is None or (req.arg("handle") or "").startswith("did:"):
        raise invalid("Unable to resolve handle")
    return Response(200, {"did": actor.did})


def list_records(state: SandboxState, req: Request) -> Response:
    limit = _limit(req)
    collection = req.arg("collection") or ""
    with state.lock:
        repo = _actor(state, req.arg("repo"), "repo")
        store = state.bsky
        if collection == POST:
            rows = [(p.uri, p.cid, p.record) for p in store.posts_by(repo.did)]
        else:
            rows = [(r.uri, r.cid, r.value) for r in store.records_of(repo.did, collection)]
        if req.arg("reverse") == "true":
            rows.reverse()
        page, cursor = _page(rows, req, lambda row: row[0].rsplit("/", 1)[-1], limit)
        if req.arg("reverse") == "true" and req.arg("cursor"):
            raise invalid("the sandbox pages listRecords newest first only")
        records = [{"uri": uri, "cid": cid, "value": value} for uri, cid, value in page]
        return Response(200, _body({"records": records}, cursor))


# -- writes -------------------------------------------------------------------------


def create_record(state: SandboxState, req: Request) -> Response:
    body = req.json_object()
    collection = body.get("collection")
    record = body.get("record")
    if not isinstance(record, dict):
        raise invalid("Input/record must be an object")
    with state.lock:
        me = _me(state, req)
        if state.bsky.actor(str(body.get("repo") or "")) is not me:
            raise xrpc_error(400, "InvalidRequest", "Invalid repo: not the caller's")
        if record.get("$type") not in (None, collection):
            raise invalid("Invalid $type: must match the collection")
        if collection == POST:
            return _create_post(state, me, record)
        if collection == LIKE:
            return _create_like(state, me, record)
        if collection == BLOCK:
            return _create_block(state, me, record)
        raise invalid(f"The sandbox does not store {collection} records")


def _written(uri: str, cid: str, state: SandboxState) -> Response:
    return Response(
        200,
        {
            "uri": uri,
            "cid": cid,
            "commit": {"cid": cid, "rev": state.bsky.tid()},
            "validationStatus": "valid",
        },
    )


def _create_post(state: SandboxState, me: BskyActor, record: dict[str, Any]) -> Response:
    check_post_record(record, state.bsky)
    check_images_embed(record.get("embed"), state, me.did)
    post = state.bsky.add_post(author_did=me.did, record=record, origin="app")
    reply = record.get("reply") or {}
    media = embedded_media(record, state)
    state.outbox.record(
        network="bsky",
        kind="post",
        account_id=me.did,
        target=(reply.get("parent") or {}).get("uri"),
        text=post.text,
        result_id=post.uri,
        meta={
            "root": (reply.get("root") or {}).get("uri"),
            "parent": (reply.get("parent") or {}).get("uri"),
            "facets": record.get("facets") or [],
            **({"media": media} if media else {}),
        },
    )
    return _written(post.uri, post.cid, state)


def _create_like(state: SandboxState, me: BskyActor, record: dict[str, Any]) -> Response:
    subject = record.get("subject")
    if not isinstance(subject, dict):
        raise invalid("Invalid app.bsky.feed.like record: subject must be a strong ref")
    target = state.bsky.post(str(subject.get("uri")))
    if target is None or target.cid != subject.get("cid"):
        raise invalid("Invalid app.bsky.feed.like record: subject not found at that cid")
    like = state.bsky.add_record(repo=me.did, collection=LIKE, value=record)
    state.outbox.record(
        network="bsky", kind="like", account_id=me.did, target=target.uri, result_id=like.uri
    )
    return _written(like.uri, like.cid, state)


def _create_block(state: SandboxState, me: BskyActor, record: dict[str, Any]) -> Response:
    subject = state.bsky.actor(str(record.get("subject") or ""))
    if subject is None or not str(record.get("subject")).startswith("did:"):
        raise invalid("Invalid app.bsky.graph.block record: subject must be a known did")
    block = state.bsky.add_record(repo=me.did, collection=BLOCK, value=record)
    state.outbox.record(
        network="bsky", kind="block", account_id=me.did, target=subject.did, result_id=block.uri
    )
    return _written(block.uri, block.cid, state)


def _mute_change(state: SandboxState, req: Request, *, mute: bool) -> Response:
    body = req.json_object()
    with state.lock:
        me = _me(state, req)
        target = _actor(state, body.get("actor"))
        if mute:
            state.bsky.mutes.add((me.did, target.did))
        else:
            state.bsky.mutes.discard((me.did, target.did))
        state.outbox.record(
            network="bsky", kind="mute" if mute else "unmute", account_id=me.did, target=target.did
        )
    # Bluesky answers these with an empty 200 and no content type.
    return Response(200, None, content_type="")


def mute_actor(state: SandboxState, req: Request) -> Response:
    return _mute_change(state, req, mute=True)


def unmute_actor(state: SandboxState, req: Request) -> Response:
    return _mute_change(state, req, mute=False)


# -- chat (reached through the atproto-proxy header) ----------------------------------


def _convo(state: SandboxState, me: BskyActor, convo_id: Any):
    convo = state.bsky.convos.get(str(convo_id or ""))
    if convo is None or me.did not in convo.members:
        raise invalid("Convo not found")
    return convo


def list_convos(state: SandboxState, req: Request) -> Response:
    limit = _limit(req)
    with state.lock:
        me = _me(state, req)
        convos = state.bsky.convos_of(me.did)
        page, cursor = _page(convos, req, lambda c: c.rev, limit)
        views = [convo_view(c, state.bsky, me.did) for c in page]
        return Response(200, _body({"convos": views}, cursor))


def get_messages(state: SandboxState, req: Request) -> Response:
    limit = _limit(req)
    with state.lock:
        me = _me(state, req)
        convo = _convo(state, me, req.arg("convoId"))
        page, cursor = _page(state.bsky.messages_in(convo.id), req, lambda m: m.rev, limit)
        return Response(200, _body({"messages": [message_view(m) for m in page]}, cursor))


def get_convo_for_members(state: SandboxState, req: Request) -> Response:
    members = req.query.get("members") or []
    with state.lock:
        me = _me(state, req)
        dids = [_actor(state, m, "member").did for m in members]
        if me.did not in dids or len(set(dids)) != 2:
            raise invalid("members must be the caller and one other account")
        convo = state.bsky.convo_for(dids)
        return Response(200, {"convo": convo_view(convo, state.bsky, me.did)})


def send_message(state: SandboxState, req: Request) -> Response:
    body = req.json_object()
    message = body.get("message")
    if not isinstance(message, dict):
        raise invalid("Input/message must be an object")
    text = message.get("text")
    if not isinstance(text, str) or not text:
        raise invalid("Input/message/text must be a non-empty string")
    if graphemes(text) > MAX_CHAT_GRAPHEMES:
        raise invalid(f"Input/message/text must not be longer than {MAX_CHAT_GRAPHEMES} graphemes")
    with state.lock:
        me = _me(state, req)
        convo = _convo(state, me, body.get("convoId"))
        check_facets(text, message.get("facets"), state.bsky)
        sent = state.bsky.add_message(
            convo=convo, sender_did=me.did, text=text, facets=message.get("facets"), origin="app"
        )
        state.outbox.record(
            network="bsky",
            kind="chat_message",
            account_id=me.did,
            target=convo.id,
            text=text,
            result_id=sent.id,
            meta={"facets": message.get("facets") or []},
        )
        return Response(200, message_view(sent))
