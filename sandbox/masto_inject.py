"""Inbound citizen traffic on Mastodon, and its control endpoints.

``POST /_sandbox/masto/inject`` ``{"kind": "mention"|"reply"|"dm", "account_id",
"author": {"id", "username", "domain", "display_name"}, "text", "count",
"in_reply_to_id", "created_at"}`` creates statuses from residents (local or on
other instances) that mention one of our accounts: a public mention, a reply
continuing a thread, or a direct-visibility message (which continues the
resident's direct thread with the account). ``/_sandbox/masto/accounts`` lists
and adds our accounts (optionally with an ``access_token``);
``/_sandbox/masto/instance`` sets ``max_characters`` and
``media_processing_reads`` (sandbox.masto_media). Shared by the control
API, the trickle thread and the scenarios.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.clock import format_x_time
from sandbox.inject_spec import read_inject_spec
from sandbox.masto_store import MastoAccount, MastoStatus
from sandbox.media import masto_blob, media_item
from sandbox.router import Request, Response, Router

if TYPE_CHECKING:
    from sandbox.state import SandboxState

INJECT_KINDS = ("mention", "reply", "dm")
# Residents come from several instances, as on the real fediverse.
REMOTE_DOMAINS = ("", "", "mastodon.social", "mas.to", "fosstodon.org", "toot.community")


class MastoInjectError(ValueError):
    """An inject request that cannot be satisfied."""


def account_item(account: MastoAccount) -> dict[str, Any]:
    return {
        "id": account.id,
        "username": account.username,
        "acct": account.acct,
        "display_name": account.display_name,
        "followers_count": account.followers_count,
    }


def status_item(state: SandboxState, status: MastoStatus, kind: str, **extra: Any) -> dict:
    author = state.masto.accounts[status.account_id]
    return {
        "network": "masto",
        "kind": kind,
        "id": status.id,
        "text": status.text,
        "visibility": status.visibility,
        "in_reply_to_id": status.in_reply_to_id,
        "author": account_item(author),
        "created_at": format_x_time(status.created_at),
        "media": [media_item(state, k) for k in status.media_keys],
        **extra,
    }


def resident(state: SandboxState, author: dict[str, Any] | None) -> MastoAccount:
    """The resident described by ``author`` (by id or acct), made if new; with no
    description an earlier resident comes back 60% of the time."""
    store = state.masto
    with store.lock:
        if author:
            found = store.account(str(author.get("id", ""))) if author.get("id") else None
            if found is None and author.get("username"):
                acct = str(author["username"])
                if author.get("domain"):
                    acct = f"{acct}@{author['domain']}"
                found = store.by_acct(acct)
            if found is not None:
                return found
        elif store.citizens() and state.rng.random() < 0.6:
            return state.rng.choice(store.citizens())
        profile = state.traffic.citizen()
        fields = author or {}
        account_id = str(fields.get("id") or _free_id(state))
        username = str(fields.get("username") or profile["username"])
        domain = str(fields.get("domain", state.rng.choice(REMOTE_DOMAINS)))
        if store.by_acct(f"{username}@{domain}" if domain else username):
            username = f"{username[:20]}{account_id[-4:]}"
        return store.add_account(
            id=account_id,
            username=username,
            display_name=str(fields.get("display_name") or profile["name"]),
            domain=domain,
            followers_count=int(fields.get("followers_count") or profile["followers_count"]),
            note=profile["description"],
        )


def _free_id(state: SandboxState) -> str:
    while True:
        candidate = str(state.rng.randint(10**8, 10**11))
        if state.masto.account(candidate) is None:
            return candidate


def _account(state: SandboxState, account_id: Any) -> MastoAccount:
    if account_id:
        return state.masto.ensure_org(str(account_id))
    orgs = state.masto.orgs()
    if not orgs:
        raise MastoInjectError("no Mastodon account registered; pass account_id")
    return state.rng.choice(orgs)


def inject(state: SandboxState, spec: dict[str, Any]) -> list[dict[str, Any]]:
    kind, count, common = read_inject_spec(
        spec, kinds=INJECT_KINDS, default_kind="mention", error=MastoInjectError
    )
    with state.lock:
        account = _account(state, spec.get("account_id"))
        return [
            inject_one(
                state,
                account,
                kind=kind,
                in_reply_to_id=spec.get("in_reply_to_id"),
                visibility=spec.get("visibility"),
                **common,
            )
            for _ in range(count)
        ]


def inject_one(
    state: SandboxState,
    account: MastoAccount,
    *,
    kind: str = "mention",
    text: str | None = None,
    author: dict[str, Any] | None = None,
    in_reply_to_id: str | None = None,
    visibility: str | None = None,
    created_at=None,
    category: str | None = None,
    media: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    store = state.masto
    with store.lock:
        parent = None
        if in_reply_to_id:
            parent = store.status(str(in_reply_to_id))
            if parent is None:
                raise MastoInjectError(f"no status {in_reply_to_id} to reply to")
        elif kind == "reply":
            parent = _recent_thread(state, account)
        citizen = resident(state, author)
        if parent is None and kind == "reply" and author is None:
            kind = "mention"
        if kind == "dm":
            parent = parent or store.last_direct_between(account.id, citizen.id)
            if text is None:
                category, text = state.traffic.dm(category)
                text = f"@{account.acct} {text}"
        elif text is None:
            if parent is not None:
                text = state.traffic.follow_up(account.acct)
                category = category or "follow_up"
            else:
                category, text = state.traffic.mention(account.acct, category)
        if f"@{account.acct}".lower() not in text.lower():
            text = f"@{account.acct} {text}"  # a status reaches the account by mentioning it
        status = store.add_status(
            account_id=citizen.id,
            text=text,
            visibility=visibility or ("direct" if kind == "dm" else "public"),
            in_reply_to=parent,
            mention_ids=[account.id],
            created_at=created_at,
            media_keys=[masto_blob(state, m).key for m in (media or [])[:4]],  # 4 at most
        )
        return status_item(state, status, kind, account_id=account.id, category=category)


def _recent_thread(state: SandboxState, account: MastoAccount) -> MastoStatus | None:
    recent = [
        s
        for s in list(reversed(state.masto.statuses.values()))[:40]
        if s.visibility == "public" and (s.account_id == account.id or account.id in s.mention_ids)
    ]
    return state.rng.choice(recent[:10]) if recent else None


def register(router: Router, state: SandboxState) -> None:
    """The /_sandbox/masto/... control endpoints."""
    store = state.masto

    def accounts(req: Request) -> Response:
        with store.lock:
            return Response(200, {"accounts": [account_item(a) for a in store.orgs()]})

    def add_account(req: Request) -> Response:
        body = req.json_object()
        if not str(body.get("id", "")).isdigit() or not body.get("username"):
            raise MastoInjectError("an account needs a numeric string `id` and a `username`")
        account = store.add_account(
            id=str(body["id"]),
            username=str(body["username"]),
            display_name=str(body.get("display_name") or body["username"]),
            followers_count=int(body.get("followers_count", 0)),
            note=str(body.get("note", "")),
            is_org=True,
            access_token=body.get("access_token") or None,
        )
        return Response(201, {"account": account_item(account)})

    def instance(req: Request) -> Response:
        body = req.json_object()
        with store.lock:
            if "max_characters" in body:
                value = int(body["max_characters"])
                if value < 1:
                    raise MastoInjectError("max_characters must be positive")
                store.max_characters = value
            if "media_processing_reads" in body:
                store.media_processing_reads = max(0, int(body["media_processing_reads"]))
            return Response(
                200,
                {
                    "max_characters": store.max_characters,
                    "media_processing_reads": store.media_processing_reads,
                },
            )

    def inject_view(req: Request) -> Response:
        items = inject(state, req.json_object())
        return Response(201, {"items": items, "count": len(items)})

    router.add("GET", r"/masto/accounts", accounts)
    router.add("POST", r"/masto/accounts", add_account)
    router.add("POST", r"/masto/instance", instance)
    router.add("POST", r"/masto/inject", inject_view)
