"""The demo history's Bluesky channel: residents write on the sandbox's
Bluesky, and what they wrote reaches the inbox as a poll would bring it (the
notification or chat message the sandbox would list, mapped by the real
connector and stored by ``messages_ingest``). Bluesky has no webhooks, and a
poll per message would make the history's 90 days much slower."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inbox.models import Channel
from inbox.networks.bluesky_mapping import convo_members, map_message, map_notification
from inbox.services.ingest import messages_ingest
from sandbox import bsky_inject
from sandbox.bsky_views import convo_view, message_view, notification_reason, notification_view
from sandbox.state import SandboxState


def accounts_add(state: SandboxState) -> None:
    with state.lock:
        for account in bsky_inject.BSKY_ACCOUNTS:
            if state.bsky.actor(account["handle"]) is None:
                state.bsky.add_actor(**account, is_org=True)


def citizen_writes(
    state: SandboxState,
    channel: Channel,
    *,
    private: bool,
    text: str | None,
    follow: dict[str, Any] | None,
    category: str | None,
    now: datetime,
    media: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A mention, a reply in the thread of ``follow``, or a chat message
    (Bluesky's chat carries no pictures, so ``media`` goes with posts only)."""
    spec: dict[str, Any] = {
        "account": channel.external_account_id,
        "kind": "dm" if private else ("reply" if follow else "mention"),
        "text": text,
        "created_at": now.isoformat(),
        "category": category,
        "media": [] if private else list(media or []),
    }
    if follow:
        spec["author"] = {"did": follow["author"]["did"]}
        if not private:
            spec["in_reply_to"] = follow["uri"]
    return bsky_inject.inject(state, spec)[0]


def store(state: SandboxState, channel: Channel, posted: dict[str, Any]) -> None:
    account_did = channel.external_account_id
    with state.lock:
        store_ = state.bsky
        if posted["kind"] == "dm":
            convo = store_.convos[posted["convo_id"]]
            convo_id, other = convo_members(
                convo_view(convo, store_, account_did), account_did=account_did
            )
            item = map_message(
                message_view(store_.messages[posted["id"]]),
                convo_id=convo_id,
                other=other,
                account_did=account_did,
            )
        else:
            post = store_.post(posted["uri"])
            account = store_.actor(account_did)
            assert post is not None and account is not None
            reason = notification_reason(post, account, store_) or "mention"
            item = map_notification(
                notification_view(post, reason, store_, account_did), account_did=account_did
            )
    if item is not None:
        messages_ingest(channel=channel, items=[item])
