"""Inbound citizen traffic on Bluesky, and its control endpoints
(/_sandbox/bsky/...): accounts, the council's own posts, injected mentions,
replies, quotes and chat messages, and revoking an app password.

Injected posts carry the facets a real Bluesky client writes: a mention of
the account is a ``#mention`` facet with the account's DID over the UTF-8
bytes of ``@handle``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.bsky_store import BskyActor, BskyPost, iso_ms
from sandbox.inject_spec import read_inject_spec
from sandbox.media import MediaBlob, bsky_blob
from sandbox.router import Request, Response, Router

if TYPE_CHECKING:
    from sandbox.state import SandboxState

INJECT_KINDS = ("mention", "reply", "quote", "dm")
DEFAULT_APP_PASSWORD = "sbx-app-password"


class BskyInjectError(ValueError):
    """The inject request cannot be satisfied (bad kind, unknown post...)."""


def actor_item(actor: BskyActor) -> dict[str, Any]:
    return {
        "did": actor.did,
        "handle": actor.handle,
        "display_name": actor.display_name,
        "followers_count": actor.followers_count,
    }


def post_item(post: BskyPost, kind: str = "post", **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "id": post.uri,
        "uri": post.uri,
        "cid": post.cid,
        "author_did": post.author_did,
        "text": post.text,
        "created_at": post.record.get("createdAt"),
        "network": "bsky",
        **extra,
    }


def mention_facets(text: str, handle: str, did: str) -> list[dict[str, Any]]:
    """Facets for each ``@handle`` in ``text``, by UTF-8 byte offsets."""
    facets = []
    needle = f"@{handle}"
    start = text.lower().find(needle)
    while start >= 0:
        byte_start = len(text[:start].encode("utf-8"))
        byte_end = byte_start + len(text[start : start + len(needle)].encode("utf-8"))
        facets.append(
            {
                "$type": "app.bsky.richtext.facet",
                "index": {"byteStart": byte_start, "byteEnd": byte_end},
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}],
            }
        )
        start = text.lower().find(needle, start + len(needle))
    return facets


def resolve_author(state: SandboxState, author: dict[str, Any] | None) -> BskyActor:
    """The citizen described by ``author`` (handle, display_name), created if
    new; without one, a generated resident (an existing one 60% of the time)."""
    store = state.bsky
    if author:
        found = store.actor(str(author.get("did") or author.get("handle") or ""))
        if found is not None:
            return found
        if not author.get("handle"):
            raise BskyInjectError("an author needs a handle (e.g. jo.bsky.social)")
        return store.add_actor(
            handle=str(author["handle"]),
            display_name=str(author.get("display_name") or ""),
            did=author.get("did") or None,
            followers_count=int(author.get("followers_count") or 0),
        )
    citizens = store.citizens()
    if citizens and state.rng.random() < 0.6:
        return state.rng.choice(citizens)
    profile = state.traffic.citizen()
    handle = f"{profile['username'].lower()}.bsky.social"
    while store.actor(handle) is not None:
        handle = f"{profile['username'].lower()}{state.rng.randint(2, 999)}.bsky.social"
    return store.add_actor(
        handle=handle,
        display_name=profile["name"],
        followers_count=profile["followers_count"],
        description=profile["description"],
    )


def _account(state: SandboxState, ident: Any) -> BskyActor:
    if ident:
        found = state.bsky.actor(str(ident))
        if found is None or not found.is_org:
            raise BskyInjectError(f"no sandbox Bluesky account {ident!r}")
        return found
    accounts = state.bsky.accounts()
    if not accounts:
        raise BskyInjectError("no Bluesky account registered; POST /_sandbox/bsky/accounts first")
    return state.rng.choice(accounts)


def _ref(post: BskyPost) -> dict[str, str]:
    return {"uri": post.uri, "cid": post.cid}


def _target(state: SandboxState, account: BskyActor, uri: Any, what: str) -> BskyPost:
    if uri:
        found = state.bsky.post(str(uri))
        if found is None:
            raise BskyInjectError(f"no post {uri} to {what}")
        return found
    own = state.bsky.posts_by(account.did)
    if not own:
        raise BskyInjectError(f"{account.handle} has no post to {what}; give its uri")
    return own[0]


def inject(state: SandboxState, spec: dict[str, Any]) -> list[dict[str, Any]]:
    kind, count, common = read_inject_spec(
        spec, kinds=INJECT_KINDS, default_kind="mention", error=BskyInjectError
    )
    with state.lock:
        account = _account(state, spec.get("account"))
        items = []
        for _ in range(count):
            citizen = resolve_author(state, common["author"])
            if kind == "dm":
                items.append(_inject_dm(state, account, citizen, common))
            else:
                items.append(_inject_post(state, account, citizen, kind, spec, common))
        return items


def _inject_post(
    state: SandboxState,
    account: BskyActor,
    citizen: BskyActor,
    kind: str,
    spec: dict[str, Any],
    common: dict[str, Any],
) -> dict[str, Any]:
    text = common["text"]
    category = common["category"]
    record: dict[str, Any] = {"langs": ["en"]}
    if kind == "mention":
        if text is None:
            category, text = state.traffic.mention(account.handle, category)
        elif f"@{account.handle}" not in text.lower():
            text = f"@{account.handle} {text}"  # a mention names the account
    elif kind == "reply":
        parent = _target(state, account, spec.get("in_reply_to"), "reply to")
        root = parent.record.get("reply", {}).get("root") or _ref(parent)
        record["reply"] = {"root": root, "parent": _ref(parent)}
        # Bluesky replies name no one: the thread says who they answer.
        text = text if text is not None else state.traffic.follow_up("x")[len("@x ") :]
    else:
        quoted = _target(state, account, spec.get("quote"), "quote")
        record["embed"] = {"$type": "app.bsky.embed.record", "record": _ref(quoted)}
        text = text if text is not None else state.traffic.announcement()
    # read_inject_spec has read (and refused) the media; Bluesky allows four images.
    images = [bsky_blob(state, m, citizen.did) for m in common["media"][:4]]
    if images:
        pictures = {"$type": "app.bsky.embed.images", "images": [_image(b) for b in images]}
        quote_embed = record.get("embed")
        record["embed"] = (
            {"$type": "app.bsky.embed.recordWithMedia", "record": quote_embed, "media": pictures}
            if quote_embed
            else pictures
        )
    record["text"] = text
    facets = mention_facets(text, account.handle, account.did)
    if facets:
        record["facets"] = facets
    if common["created_at"] is not None:
        record["createdAt"] = iso_ms(common["created_at"])
    post = state.bsky.add_post(author_did=citizen.did, record=record)
    return post_item(post, kind, account=account.did, author=actor_item(citizen), category=category)


def _image(blob: MediaBlob) -> dict[str, Any]:
    return {
        "alt": blob.alt_text,
        "image": {
            "$type": "blob",
            "ref": {"$link": blob.key},
            "mimeType": "image/jpeg",
            "size": blob.size_bytes,
        },
        "aspectRatio": {"width": blob.width, "height": blob.height},
    }


def _inject_dm(
    state: SandboxState, account: BskyActor, citizen: BskyActor, common: dict[str, Any]
) -> dict[str, Any]:
    text, category = common["text"], common["category"]
    if text is None:
        category, text = state.traffic.dm(category)
    convo = state.bsky.convo_for([citizen.did, account.did])
    message = state.bsky.add_message(
        convo=convo, sender_did=citizen.did, text=text, sent_at=common["created_at"]
    )
    return {
        "kind": "dm",
        "id": message.id,
        "convo_id": convo.id,
        "account": account.did,
        "author": actor_item(citizen),
        "text": text,
        "created_at": iso_ms(message.sent_at),
        "network": "bsky",
        "category": category,
    }


def register(router: Router, state: SandboxState) -> None:
    """The Bluesky control endpoints, under /_sandbox/bsky/."""

    def accounts(req: Request) -> Response:
        return Response(200, {"accounts": [actor_item(a) for a in state.bsky.accounts()]})

    def add_account(req: Request) -> Response:
        body = req.json_object()
        handle = str(body.get("handle") or "")
        if "." not in handle:
            raise BskyInjectError("an account needs a `handle` like council.bsky.social")
        actor = state.bsky.add_actor(
            handle=handle,
            display_name=str(body.get("display_name") or ""),
            did=body.get("did") or None,
            followers_count=int(body.get("followers_count", 0)),
            description=str(body.get("description", "")),
            is_org=True,
            app_password=str(body.get("app_password") or DEFAULT_APP_PASSWORD),
        )
        return Response(201, {"account": actor_item(actor)})

    def revoke(req: Request) -> Response:
        body = req.json_object()
        with state.lock:
            actor = _account(state, body.get("account"))
            state.bsky.revoke(actor.did)
        return Response(200, {"revoked": actor.did})

    def add_post(req: Request) -> Response:
        body = req.json_object()
        with state.lock:
            account = _account(state, body.get("account"))
            text = str(body.get("text") or state.traffic.announcement())
            post = state.bsky.add_post(
                author_did=account.did,
                record={"text": text, "langs": ["en"]},
                origin="account",
            )
        return Response(201, {"post": post_item(post)})

    def inject_items(req: Request) -> Response:
        items = inject(state, req.json_object())
        return Response(201, {"items": items, "count": len(items)})

    router.add("GET", r"/bsky/accounts", accounts)
    router.add("POST", r"/bsky/accounts", add_account)
    router.add("POST", r"/bsky/revoke", revoke)
    router.add("POST", r"/bsky/posts", add_post)
    router.add("POST", r"/bsky/inject", inject_items)


# -- the council scenario ------------------------------------------------------------

BSKY_ACCOUNTS: tuple[dict[str, Any], ...] = (
    {
        "handle": "riversidecouncil.bsky.social",
        "display_name": "Riverside Council",
        "followers_count": 2_600,
        "app_password": "sbx-app-riverside-council",
        "description": "Official account of Riverside Council. Messages answered Mon-Fri 8am-6pm.",
    },
)


def council(state: SandboxState, *, seed: int) -> None:
    """The council's Bluesky account: 3 posts of its own over two days, about
    15 mentions, replies and quotes from residents, and 4 chats."""
    import random
    from datetime import timedelta

    from sandbox.traffic import TrafficGenerator

    gen = TrafficGenerator(seed)
    rng = random.Random(seed)
    now = state.now()
    start = now - timedelta(hours=48)
    store = state.bsky
    account = store.add_actor(**BSKY_ACCOUNTS[0], is_org=True)
    people = []
    for _ in range(12):
        profile = gen.citizen()
        handle = f"{profile['username'].lower()}.bsky.social"
        if store.actor(handle) is None:
            people.append(
                store.add_actor(
                    handle=handle,
                    display_name=profile["name"],
                    followers_count=profile["followers_count"],
                    description=profile["description"],
                )
            )
    own = []
    for hours in (3, 22, 40):
        at = start + timedelta(hours=hours)
        mine = {"text": gen.announcement(), "langs": ["en"], "createdAt": iso_ms(at)}
        own.append(
            store.add_post(author_did=account.did, record=mine, indexed_at=at, origin="seed")
        )
    at = start + timedelta(hours=4)
    for _ in range(15):
        at += timedelta(minutes=rng.randint(40, 200))
        if at >= now:
            break
        person = rng.choice(people)
        earlier = [p for p in own if p.indexed_at < at]
        kind = rng.choice(["mention", "mention", "reply", "quote"]) if earlier else "mention"
        record: dict[str, Any] = {"langs": ["en"], "createdAt": iso_ms(at)}
        if kind == "mention":
            text = gen.mention(account.handle)[1]
        elif kind == "reply":
            parent = rng.choice(earlier)
            record["reply"] = {"root": _ref(parent), "parent": _ref(parent)}
            text = gen.follow_up("x")[len("@x ") :]
        else:
            record["embed"] = {
                "$type": "app.bsky.embed.record",
                "record": _ref(rng.choice(earlier)),
            }
            text = gen.announcement()
        record["text"] = text
        facets = mention_facets(text, account.handle, account.did)
        if facets:
            record["facets"] = facets
        store.add_post(author_did=person.did, record=record, indexed_at=at, origin="seed")
    for person in rng.sample(people, 4):
        convo = store.convo_for([person.did, account.did])
        sent = start + timedelta(hours=rng.uniform(10, 47))
        store.add_message(
            convo=convo,
            sender_did=person.did,
            text=gen.dm()[1],
            sent_at=min(sent, now - timedelta(seconds=1)),
            origin="seed",
        )
