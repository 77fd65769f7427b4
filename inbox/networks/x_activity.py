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

from inbox.networks import reading
from inbox.networks.base import InboundItem, Unparseable, Unreadable
from inbox.networks.x import Includes, XClient

V1_TIME = "%a %b %d %H:%M:%S %z %Y"


class _Mapper(XClient):
    """x.py's mappers without its HTTP client: mapping only, for one account."""

    def __init__(self, account_id: str):  # deliberately no super(): no HTTP client
        self.account_id = account_id


def account_of(payload: Any) -> str:
    """The account the payload is for (``for_user_id``)."""
    account = payload.get("for_user_id") if isinstance(payload, dict) else None
    if not account:
        raise ValueError("not an Account Activity payload (no for_user_id)")
    if isinstance(account, bool) or not isinstance(account, str | int):
        raise ValueError("the payload's for_user_id is not an id")
    return str(account)


def reply_parents(payload: dict[str, Any]) -> set[str]:
    """Ids of the tweets this payload's tweets reply to (to look up their conversations)."""
    tweets = payload.get("tweet_create_events")
    return {
        str(t["in_reply_to_status_id_str"])
        for t in (tweets if isinstance(tweets, list) else [])
        if isinstance(t, dict) and isinstance(t.get("in_reply_to_status_id_str"), str | int)
    }


def activity_items(
    payload: dict[str, Any], *, conversations: dict[str, str]
) -> tuple[list[InboundItem], list[Unparseable]]:
    """Mentions/replies and DMs in the payload. ``conversations`` maps tweet id
    -> conversation id; it is read for parents and extended with each tweet
    mapped here, so a reply later in the same batch threads correctly. An
    event that cannot be read is returned in the second list; the others are
    still read."""
    mapper = _Mapper(account_of(payload))
    items: list[InboundItem] = []
    bad: list[Unparseable] = []
    users = _v2_users(payload.get("users"))
    streams = (
        ("tweet_create_events", "tweet", lambda t: _tweet(mapper, t, conversations)),
        ("direct_message_events", "DM event", lambda e: _dm(mapper, e, users)),
    )
    for key, what, read in streams:
        try:
            events = reading.items_of(payload.get(key), f"the payload's {key}")
        except Unreadable as exc:
            bad.append(Unparseable(payload=payload.get(key), error=str(exc)))
            continue
        for event in events:
            reading.read_into(items, bad, event, read, what)
    return items, bad


def _v1_time(value: Any) -> datetime:
    return datetime.strptime(value, V1_TIME).astimezone(UTC)


def _epoch_millis(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError("not a timestamp")
    return datetime.fromtimestamp(int(value) / 1000, UTC)


def _v2_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _v2_user(user: Any, what: str) -> dict[str, Any]:
    user = reading.obj(user, what)
    return {
        "id": reading.numeric_id(user, "id_str", what),
        "name": reading.text(user, "name", what, required=False),
        "username": reading.text(user, "screen_name", what, required=False),
        "verified": user.get("verified") is True,
        "public_metrics": {"followers_count": reading.count(user, "followers_count", what)},
    }


def _v2_users(users: Any) -> dict[str, dict[str, Any]]:
    """The payload's user profiles by id; an unreadable one is left out (the DM
    from that user then carries an empty profile, refreshed by a later item)."""
    out = {}
    for key, user in users.items() if isinstance(users, dict) else []:
        try:
            out[str(key)] = _v2_user(user, "a user profile")
        except Unreadable:
            continue
    return out


def _tweet(mapper: _Mapper, tweet: Any, conversations: dict[str, str]) -> InboundItem | None:
    tweet = reading.obj(tweet, "tweet")
    tweet_id = reading.numeric_id(tweet, "id_str", "tweet")
    parent = ""
    if tweet.get("in_reply_to_status_id_str") not in (None, ""):
        parent = reading.numeric_id(tweet, "in_reply_to_status_id_str", "tweet")
    conversation = conversations.get(parent, parent) if parent else tweet_id
    author = _v2_user(reading.need(tweet, "user", "tweet"), "tweet's user")
    extended = tweet.get("extended_tweet")
    full_text = ""
    if extended is not None:
        full_text = reading.text(
            reading.obj(extended, "tweet's extended_tweet"), "full_text", "tweet", required=False
        )
    raw: dict[str, Any] = {
        "id": tweet_id,
        "text": full_text or reading.text(tweet, "text", "tweet"),
        "author_id": author["id"],
        "conversation_id": conversation,
        "created_at": _v2_time(reading.moment(tweet, "created_at", "tweet", _v1_time)),
        "edit_history_tweet_ids": [tweet_id],
        "source": "account_activity",
    }
    if parent:
        raw["referenced_tweets"] = [{"type": "replied_to", "id": parent}]
    if tweet.get("in_reply_to_user_id_str") not in (None, ""):
        raw["in_reply_to_user_id"] = reading.numeric_id(tweet, "in_reply_to_user_id_str", "tweet")
    extended = tweet.get("extended_entities")
    media = _v2_media(extended.get("media") if isinstance(extended, dict) else None)
    if media:
        raw["attachments"] = {"media_keys": list(media)}
    item = mapper._map_tweet(raw, Includes(users={author["id"]: author}, media=media))
    conversations[tweet_id] = conversation  # only once read: a bad tweet must not thread others
    return item


def _dm(mapper: _Mapper, event: Any, users: dict[str, dict[str, Any]]) -> InboundItem | None:
    event = reading.obj(event, "DM event")
    if event.get("type") != "message_create":
        return None
    what = "DM event's message_create"
    create = reading.obj(reading.need(event, "message_create", "DM event"), what)
    sender = reading.numeric_id(create, "sender_id", what)
    if sender == mapper.account_id:
        # Our own DMs are left to polling, which knows which sends are in flight.
        return None
    target = reading.obj(reading.need(create, "target", what), f"{what}'s target")
    recipient = reading.numeric_id(target, "recipient_id", f"{what}'s target")
    message = reading.obj(reading.need(create, "message_data", what), f"{what}'s message_data")
    low, high = sorted((sender, recipient), key=int)
    raw: dict[str, Any] = {
        "id": reading.numeric_id(event, "id", "DM event"),
        "event_type": "MessageCreate",
        "text": reading.text(message, "text", f"{what}'s message_data"),
        "sender_id": sender,
        "dm_conversation_id": f"{low}-{high}",
        "participant_ids": [low, high],
        "created_at": _v2_time(
            reading.moment(event, "created_timestamp", "DM event", _epoch_millis)
        ),
        "source": "account_activity",
    }
    attachment = message.get("attachment")
    media = _v2_media([attachment.get("media")] if isinstance(attachment, dict) else None)
    if media:
        raw["attachments"] = {"media_keys": list(media)}
    return mapper._map_dm(raw, Includes(users=users, media=media))


# v2 media keys are "<type number>_<id>"; v1.1 gives the type and the id apart.
_KEY_PREFIX = {"photo": "3", "video": "7", "animated_gif": "16"}


def _v2_media(media: Any) -> dict[str, dict[str, Any]]:
    """v1.1 media objects (``extended_entities.media``, a DM's
    ``attachment.media``) as v2 ``includes.media`` entries by media key, so
    x.py's one mapper reads them. Leniently: an entry that cannot be read
    is left out here and the tweet keeps its words."""
    out: dict[str, dict[str, Any]] = {}
    for entry in media if isinstance(media, list) else []:
        if not isinstance(entry, dict):
            continue
        kind, id_str = entry.get("type"), entry.get("id_str")
        if kind not in _KEY_PREFIX or not isinstance(id_str, str) or not id_str.isdigit():
            continue
        info = entry.get("original_info")
        info = info if isinstance(info, dict) else {}
        url = entry.get("media_url_https")
        video = entry.get("video_info")
        variants = video.get("variants") if isinstance(video, dict) else None
        out[f"{_KEY_PREFIX[kind]}_{id_str}"] = {
            "type": kind,
            "url": url,
            "preview_image_url": url,
            "alt_text": entry.get("ext_alt_text"),
            "width": info.get("width"),
            "height": info.get("height"),
            "variants": [
                {
                    "bit_rate": v.get("bitrate"),
                    "content_type": v.get("content_type"),
                    "url": v.get("url"),
                }
                for v in (variants if isinstance(variants, list) else [])
                if isinstance(v, dict)
            ],
        }
    return out
