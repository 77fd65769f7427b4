"""Inbound Instagram traffic and its webhooks; the /_sandbox/ig/... control.

Control:
- ``POST /_sandbox/ig/accounts`` ``{id, page_id, username, name?, followers_count?}``
  links an Instagram professional account to a Page (made if new; its token
  ``sbx-page-<page id>`` then reaches both);
- ``POST /_sandbox/ig/media`` ``{account_id, caption?, created_at?}``: our own post;
- ``POST /_sandbox/ig/inject`` ``{kind: comment|reply|dm|tag, account_id, media_id?,
  parent_id?, author {id, username}?, text?, count?, created_at?, fire_webhook?,
  webhook_url?, app_secret?}``;
- ``POST /_sandbox/webhooks/fire`` with ``"network": "ig"`` and ``for_event`` (a
  comment or message id) or ``payload``: ``object: instagram``, signed
  ``X-Hub-Signature-256`` with the app secret, as Meta posts to the same app endpoint.

Webhook shapes (Meta's Instagram webhooks): a comment is a ``comments`` change
``{from{id,username}, media{id,media_product_type}, id, parent_id?, text}`` in
an entry ``{id: <ig account id>, time: <epoch seconds>}``; a direct message is
a ``messaging`` event ``{sender{id}, recipient{id}, timestamp: ms, message{mid, text}}``.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sandbox import fb_webhooks
from sandbox.fb_inject import comment_text
from sandbox.fb_models import format_fb_time
from sandbox.ig_store import IgAccount, IgComment, IgMedia, IgMessage
from sandbox.inject_spec import parse_when, read_inject_spec
from sandbox.media import fb_blob
from sandbox.router import Request, Response, Router
from sandbox.traffic import TrafficGenerator

if TYPE_CHECKING:
    from sandbox.state import SandboxState

INJECT_KINDS = ("comment", "reply", "dm", "tag")
# The council's Instagram professional account, linked to its Facebook Page
# (sandbox/scenarios.py FB_PAGES): the Page's token reaches both.
IG_ACCOUNTS: tuple[dict[str, Any], ...] = (
    {
        "id": "17841400000000001",
        "page_id": "104857600000",
        "username": "riversidecouncil",
        "name": "Riverside Council",
        "followers_count": 6400,
    },
)


class IgInjectError(ValueError):
    """The request cannot be satisfied (unknown account, media, comment...)."""


def _account(state: SandboxState, account_id: Any) -> IgAccount:
    account = state.ig.accounts.get(str(account_id or ""))
    if account is None:
        if len(state.ig.accounts) == 1 and not account_id:
            return next(iter(state.ig.accounts.values()))
        raise IgInjectError(f"no Instagram account {account_id!r}")
    return account


def _person(state: SandboxState, author: dict[str, Any] | None) -> str:
    author = author or {}
    person_id = str(author.get("id") or "")
    if not person_id:
        profile = state.traffic.citizen()
        person_id = str(state.ig.next_id())
        handle = str(
            profile.get("username") or profile.get("handle") or f"resident{person_id[-5:]}"
        )
        author = {"username": handle.lstrip("@").lower()}
    state.ig.add_user(id=person_id, username=str(author.get("username") or f"user{person_id[-6:]}"))
    return person_id


def inject(state: SandboxState, spec: dict[str, Any]) -> list[dict[str, Any]]:
    kind, count, common = read_inject_spec(
        spec, kinds=INJECT_KINDS, default_kind="comment", error=IgInjectError
    )
    out: list[dict[str, Any]] = []
    with state.lock:
        account = _account(state, spec.get("account_id"))
        for _ in range(count):
            text = common["text"] or comment_text(state.traffic, common["category"], "council")[1]
            person = _person(state, common["author"])
            when = common["created_at"]
            if kind == "dm":
                conv = state.ig.conversation_with(account.id, person)
                # A picture in a DM sits on Meta's CDN, as Messenger's do.
                pictures = [fb_blob(state, m).key for m in common["media"]]
                message = state.ig.add_message(
                    conversation=conv,
                    from_id=person,
                    text=text,
                    created_time=when,
                    media_keys=pictures,
                )
                out.append(message_item(state, message))
            elif kind == "tag":
                media = state.ig.add_media(
                    owner_id=person, caption=text, timestamp=when, tagged_ids=[account.id]
                )
                out.append(media_item(state, media))
            else:
                parent = None
                if kind == "reply":
                    parent = state.ig.comments.get(str(spec.get("parent_id") or ""))
                    if parent is None or parent.deleted:
                        raise IgInjectError("a reply needs the `parent_id` of a comment")
                    if parent.parent_id:  # Instagram nests one level
                        parent = state.ig.comments[parent.parent_id]
                    media = state.ig.media[parent.media_id]
                else:
                    media = _media(state, account, spec.get("media_id"))
                comment = state.ig.add_comment(
                    media=media,
                    from_id=person,
                    text=text,
                    parent_id=parent.id if parent else None,
                    timestamp=when,
                )
                out.append(comment_item(state, comment))
    return out


def accounts_add(state: SandboxState) -> list[IgAccount]:
    """The council's account (and its Page, if not there yet)."""
    with state.lock:
        for spec in IG_ACCOUNTS:
            if spec["id"] not in state.ig.accounts:
                state.fb.ensure_page(spec["page_id"])
                state.ig.add_account(**spec)
        return [state.ig.accounts[spec["id"]] for spec in IG_ACCOUNTS]


def council(state: SandboxState, *, seed: int) -> None:
    """The ``council`` scenario's Instagram: three posts of the last two days
    with residents' comments and a reply or two, and four direct threads, one
    past its 24-hour window (as on Messenger)."""
    gen = TrafficGenerator(seed)
    rng = random.Random(seed)
    now = state.now()
    with state.lock:
        [account] = accounts_add(state)
        people = [
            state.ig.add_user(id=state.ig.next_id(), username=gen.citizen()["username"].lower())
            for _ in range(10)
        ]
        for hours_ago in (40, 20, 4):
            media = state.ig.add_media(
                owner_id=account.id,
                caption=gen.announcement("council"),
                timestamp=now - timedelta(hours=hours_ago),
            )
            for n in range(rng.randint(2, 4)):
                when = media.timestamp + timedelta(minutes=20 + 35 * n)
                comment = state.ig.add_comment(
                    media=media,
                    from_id=rng.choice(people).id,
                    text=comment_text(gen, None, "council")[1],
                    timestamp=min(when, now),
                )
                if rng.random() < 0.4:
                    state.ig.add_comment(
                        media=media,
                        from_id=comment.from_id,
                        text=comment_text(gen, None, "council")[1],
                        parent_id=comment.id,
                        timestamp=min(when + timedelta(minutes=12), now),
                    )
        for hours_ago in (30, 6, 2, 1):
            person = rng.choice(people)
            conv = state.ig.conversation_with(account.id, person.id)
            state.ig.add_message(
                conversation=conv,
                from_id=person.id,
                text=comment_text(gen, None, "council")[1],
                created_time=now - timedelta(hours=hours_ago),
            )


def _media(state: SandboxState, account: IgAccount, media_id: Any) -> IgMedia:
    if media_id:
        media = state.ig.media.get(str(media_id))
        if media is None or media.owner_id != account.id:
            raise IgInjectError(f"no media {media_id!r} of account {account.id}")
        return media
    own = state.ig.media_of(account.id)
    if own:
        return own[0]
    return state.ig.add_media(owner_id=account.id, caption=state.traffic.announcement("council"))


def account_item(account: IgAccount) -> dict[str, Any]:
    return {
        "id": account.id,
        "page_id": account.page_id,
        "username": account.username,
        "name": account.name,
        "access_token": f"sbx-page-{account.page_id}",
    }


def media_item(state: SandboxState, media: IgMedia) -> dict[str, Any]:
    return {
        "kind": "tag" if media.owner_id not in state.ig.accounts else "media",
        "id": media.id,
        "owner_id": media.owner_id,
        "caption": media.caption,
        "timestamp": format_fb_time(media.timestamp),
        "permalink": media.permalink,
    }


def comment_item(state: SandboxState, comment: IgComment) -> dict[str, Any]:
    return {
        "kind": "reply" if comment.parent_id else "comment",
        "id": comment.id,
        "media_id": comment.media_id,
        "parent_id": comment.parent_id,
        "from": {"id": comment.from_id, "username": state.ig.username_of(comment.from_id)},
        "text": comment.text,
        "timestamp": format_fb_time(comment.timestamp),
    }


def message_item(state: SandboxState, message: IgMessage) -> dict[str, Any]:
    return {
        "kind": "dm",
        "id": message.id,
        "conversation_id": message.conversation_id,
        "from": {"id": message.from_id, "username": state.ig.username_of(message.from_id)},
        "text": message.text,
        "created_time": format_fb_time(message.created_time),
    }


# -- webhooks ------------------------------------------------------------------------


def payload_for_event(state: SandboxState, event_id: str) -> dict[str, Any]:
    with state.lock:
        comment = state.ig.comments.get(event_id)
        if comment is not None:
            media = state.ig.media[comment.media_id]
            value: dict[str, Any] = {
                "from": {"id": comment.from_id, "username": state.ig.username_of(comment.from_id)},
                "media": {"id": media.id, "media_product_type": "FEED"},
                "id": comment.id,
                "text": comment.text,
            }
            if comment.parent_id:
                value["parent_id"] = comment.parent_id
            return {
                "object": "instagram",
                "entry": [
                    {
                        "id": media.owner_id,
                        "time": int(state.now().timestamp()),
                        "changes": [{"field": "comments", "value": value}],
                    }
                ],
            }
        message = state.ig.messages.get(event_id)
        if message is not None:
            conv = state.ig.conversations[message.conversation_id]
            ms = int(message.created_time.timestamp() * 1000)
            return {
                "object": "instagram",
                "entry": [
                    {
                        "id": conv.account_id,
                        "time": int(state.now().timestamp() * 1000),
                        "messaging": [
                            {
                                "sender": {"id": message.from_id},
                                "recipient": {"id": message.to_id},
                                "timestamp": ms,
                                "message": _webhook_message(state, message),
                            }
                        ],
                    }
                ],
            }
    raise fb_webhooks.WebhookError(f"no Instagram comment or message with id {event_id}")


def _webhook_message(state: SandboxState, message: IgMessage) -> dict[str, Any]:
    body: dict[str, Any] = {"mid": message.id, "text": message.text}
    blobs = [b for b in map(state.media.key, message.media_keys) if b is not None]
    if blobs:
        body["attachments"] = [{"type": "image", "payload": {"url": b.url}} for b in blobs]
    return body


def register(router: Router, state: SandboxState, app: Any) -> None:
    """The /_sandbox/ig/... control endpoints (``app`` holds the webhook URL and secret)."""

    def add_account(req: Request) -> Response:
        body = req.json_object()
        if not str(body.get("id", "")).isdigit() or not str(body.get("page_id", "")).isdigit():
            raise IgInjectError("an account needs numeric string `id` and `page_id`")
        if not body.get("username"):
            raise IgInjectError("an account needs a `username`")
        with state.lock:
            page = state.fb.ensure_page(str(body["page_id"]))
            if body.get("page_name"):
                page.name = str(body["page_name"])
            account = state.ig.add_account(
                id=str(body["id"]),
                page_id=page.id,
                username=str(body["username"]),
                name=str(body.get("name") or ""),
                followers_count=int(body.get("followers_count", 0)),
            )
            return Response(201, {"account": account_item(account)})

    def accounts(req: Request) -> Response:
        with state.lock:
            return Response(
                200, {"accounts": [account_item(a) for a in state.ig.accounts.values()]}
            )

    def add_media(req: Request) -> Response:
        body = req.json_object()
        with state.lock:
            account = _account(state, body.get("account_id"))
            media = state.ig.add_media(
                owner_id=account.id,
                caption=str(body.get("caption") or state.traffic.announcement("council")),
                timestamp=parse_when(body.get("created_at"), IgInjectError),
            )
            return Response(201, {"media": media_item(state, media)})

    def inject_route(req: Request) -> Response:
        body = req.json_object()
        items = inject(state, body)
        if body.get("fire_webhook"):
            url = body.get("webhook_url") or app.fb_webhook_url
            secret = str(body.get("app_secret") or app.fb_app_secret)
            for item in items:
                if item["kind"] != "tag":
                    payload = payload_for_event(state, item["id"])
                    item["webhook"] = fb_webhooks.fire(url, payload, secret=secret)
        return Response(201, {"items": items, "count": len(items)})

    router.add("GET", r"/ig/accounts", accounts)
    router.add("POST", r"/ig/accounts", add_account)
    router.add("POST", r"/ig/media", add_media)
    router.add("POST", r"/ig/inject", inject_route)
