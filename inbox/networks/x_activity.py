"""X Account Activity webhook payloads -> InboundItems.

Payloads use the v1.1 object shapes (``id_str``, ``user{screen_name}``,
"Wed May 01 10:00:00 +0000 2024"). Each event is reshaped into the API v2
dict polling receives and mapped by x.py's own mapper, so an item has the same
thread key, contact and raw shape whichever way it arrived, and the two paths
deduplicate on the message id.

v1.1 tweets carry no ``conversation_id``. For a reply, the caller passes the
conversation of the tweet it answers when it knows it (from stored messages,
or an earlier event in the same batch); otherwise the parent tweet's id stands
in, which is the conversation for the common case of a reply to a mention.
This module never touches the database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from inbox.networks.base import InboundItem, Unparseable
from inbox.networks.x import XClient

V1_TIME = "%a %b %d %H:%M:%S %z %Y"


class _Mapper(XClient):
    """x.py's mappers without its HTTP client: mapping only, for one account."""

    def __init__(self, account_id: str):  # deliberately no super(): no HTTP client
        self.account_id = account_id


def account_of(payload: Any) -> str:
    """The account the payload is for (``for_user_id``)."""
    if not isinstance(payload, dict) or not payload.get("for_user_id"):
        raise ValueError("not an Account Activity payload (no for_user_id)")
    return str(payload["for_user_id"])


def reply_parents(payload: dict[str, Any]) -> set[str]:
    """Ids of the tweets this payload's tweets reply to (to look up their conversations)."""
    return {
        str(t["in_reply_to_status_id_str"])
        for t in payload.get("tweet_create_events") or []
        if isinstance(t, dict) and t.get("in_reply_to_status_id_str")
    }


def activity_items(
    payload: dict[str, Any], *, conversations: dict[str, str]
) -> tuple[list[InboundItem], list[Unparseable]]:
    """Mentions/replies and DMs in the payload. ``conversations`` maps tweet id
    -> conversation id; it is read for parents and extended with each tweet
    mapped here, so a reply later in the same batch threads correctly."""
    mapper = _Mapper(account_of(payload))
    items: list[InboundItem] = []
    bad: list[Unparseable] = []
    users = _v2_users(payload.get("users") or {})
    for tweet in payload.get("tweet_create_events") or []:
        _collect(items, bad, tweet, lambda t: _tweet(mapper, t, conversations))
    for event in payload.get("direct_message_events") or []:
        _collect(items, bad, event, lambda e: _dm(mapper, e, users))
    return items, bad


def _collect(items: list, bad: list, raw: Any, mapper: Any) -> None:
    try:
        item = mapper(raw)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        bad.append(Unparseable(payload=raw, error=f"{exc.__class__.__name__}: {exc}"))
        return
    if item is not None:
        items.append(item)


def _v1_time(value: str) -> str:
    moment = datetime.strptime(value, V1_TIME).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _v2_user(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(user["id_str"]),
        "name": user.get("name") or "",
        "username": user.get("screen_name") or "",
        "verified": bool(user.get("verified")),
        "public_metrics": {"followers_count": int(user.get("followers_count") or 0)},
    }


def _v2_users(users: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for key, user in users.items():
        if isinstance(user, dict) and user.get("id_str"):
            out[str(key)] = _v2_user(user)
    return out


def _tweet(
    mapper: _Mapper, tweet: dict[str, Any], conversations: dict[str, str]
) -> InboundItem | None:
    tweet_id = str(tweet["id_str"])
    parent = tweet.get("in_reply_to_status_id_str")
    conversation = conversations.get(str(parent), str(parent)) if parent else tweet_id
    conversations[tweet_id] = conversation
    author = _v2_user(tweet["user"])
    raw: dict[str, Any] = {
        "id": tweet_id,
        "text": tweet.get("extended_tweet", {}).get("full_text") or tweet["text"],
        "author_id": author["id"],
        "conversation_id": conversation,
        "created_at": _v1_time(tweet["created_at"]),
        "edit_history_tweet_ids": [tweet_id],
        "source": "account_activity",
    }
    if parent:
        raw["referenced_tweets"] = [{"type": "replied_to", "id": str(parent)}]
    if tweet.get("in_reply_to_user_id_str"):
        raw["in_reply_to_user_id"] = str(tweet["in_reply_to_user_id_str"])
    return mapper._map_tweet(raw, {author["id"]: author})


def _dm(
    mapper: _Mapper, event: dict[str, Any], users: dict[str, dict[str, Any]]
) -> InboundItem | None:
    if event.get("type") != "message_create":
        return None
    create = event["message_create"]
    sender = str(create["sender_id"])
    if sender == mapper.account_id:
        # Our own DMs are left to polling, which knows which sends are in flight.
        return None
    recipient = str(create["target"]["recipient_id"])
    low, high = sorted((sender, recipient), key=int)
    millis = int(event["created_timestamp"])
    raw = {
        "id": str(event["id"]),
        "event_type": "MessageCreate",
        "text": create["message_data"]["text"],
        "sender_id": sender,
        "dm_conversation_id": f"{low}-{high}",
        "participant_ids": [low, high],
        "created_at": datetime.fromtimestamp(millis / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[
            :-3
        ]
        + "Z",
        "source": "account_activity",
    }
    return mapper._map_dm(raw, users)
