"""Outbound X Account Activity webhooks: payloads, signatures, delivery, CRC.

X signs each POST with `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256
of the raw body, keyed with the consumer secret>` and checks the app with a
CRC GET. Payloads use the v1.1 object shapes, not v2.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from sandbox.x_models import DMEvent, Tweet, XUser, mentioned_usernames

if TYPE_CHECKING:
    from sandbox.state import SandboxState

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
SIGNATURE_MODES = ("valid", "invalid", "missing")
V1_TIME = "%a %b %d %H:%M:%S +0000 %Y"


class WebhookError(ValueError):
    """Bad fire/crc request (no URL, unknown event...)."""


def sign(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def crc_response_token(secret: str, crc_token: str) -> str:
    return sign(secret, crc_token.encode())


# -- payloads -------------------------------------------------------------------


def v1_user(user: XUser) -> dict[str, Any]:
    return {
        "id": int(user.id),
        "id_str": user.id,
        "name": user.name,
        "screen_name": user.username,
        "location": user.location or None,
        "description": user.description or None,
        "protected": False,
        "verified": user.verified,
        "followers_count": user.followers_count,
        "created_at": user.created_at.strftime(V1_TIME) if user.created_at else None,
    }


def tweet_payload(state: SandboxState, tweet: Tweet, for_user_id: str) -> dict[str, Any]:
    with state.lock:
        author = state.x.user(tweet.author_id)
        reply_to = state.x.user(tweet.in_reply_to_user_id) if tweet.in_reply_to_user_id else None
        mentions = []
        for username in mentioned_usernames(tweet.text):
            user = state.x.user_by_username(username)
            if user is not None:
                start = tweet.text.find("@" + username)
                mentions.append(
                    {
                        "screen_name": user.username,
                        "name": user.name,
                        "id": int(user.id),
                        "id_str": user.id,
                        "indices": [start, start + len(username) + 1],
                    }
                )
        event: dict[str, Any] = {
            "created_at": tweet.created_at.strftime(V1_TIME),
            "id": int(tweet.id),
            "id_str": tweet.id,
            "text": tweet.text,
            "truncated": False,
            "in_reply_to_status_id": int(tweet.replied_to_id) if tweet.replied_to_id else None,
            "in_reply_to_status_id_str": tweet.replied_to_id,
            "in_reply_to_user_id": int(reply_to.id) if reply_to else None,
            "in_reply_to_user_id_str": reply_to.id if reply_to else None,
            "in_reply_to_screen_name": reply_to.username if reply_to else None,
            "user": v1_user(author) if author else None,
            "is_quote_status": False,
            "entities": {"hashtags": [], "urls": [], "user_mentions": mentions, "symbols": []},
            "lang": "en",
            "timestamp_ms": str(int(tweet.created_at.timestamp() * 1000)),
        }
        media = _v1_media(state, tweet.media_keys)
        if media:
            # v1.1 puts every picture, video and GIF in extended_entities.
            event["extended_entities"] = {"media": media}
            event["entities"]["media"] = media[:1]
        return {"for_user_id": for_user_id, "tweet_create_events": [event]}


def _v1_media(state: SandboxState, keys: list[str]) -> list[dict[str, Any]]:
    """v1.1 media objects for blobs: the v2 media_key is "<type>_<id_str>"."""
    out = []
    for blob in (state.media.key(k) for k in keys):
        if blob is None:
            continue
        id_str = blob.key.partition("_")[2]
        item: dict[str, Any] = {
            "id": int(id_str),
            "id_str": id_str,
            "media_url_https": blob.url,
            "type": blob.kind,
            "ext_alt_text": blob.alt_text or None,
            "original_info": {"width": blob.width, "height": blob.height},
        }
        if blob.kind in ("video", "animated_gif"):
            item["video_info"] = {
                "variants": [
                    {"bitrate": 832000, "content_type": "video/mp4", "url": blob.url + ".mp4"}
                ]
            }
        out.append(item)
    return out


def dm_payload(state: SandboxState, event: DMEvent, for_user_id: str) -> dict[str, Any]:
    with state.lock:
        recipient = next(
            (p for p in event.participant_ids if p != event.sender_id), event.sender_id
        )
        users = {uid: state.x.user(uid) for uid in event.participant_ids}
        return {
            "for_user_id": for_user_id,
            "direct_message_events": [
                {
                    "type": "message_create",
                    "id": event.id,
                    "created_timestamp": str(int(event.created_at.timestamp() * 1000)),
                    "message_create": {
                        "target": {"recipient_id": recipient},
                        "sender_id": event.sender_id,
                        "message_data": _dm_message_data(state, event),
                    },
                }
            ],
            "users": {uid: v1_user(u) for uid, u in users.items() if u is not None},
        }


def payload_for_event(
    state: SandboxState, event_id: str, for_user_id: str | None = None
) -> dict[str, Any]:
    """The Account Activity payload announcing an existing tweet or DM event."""
    with state.lock:
        tweet = state.x.tweet(event_id, include_deleted=True)
        if tweet is not None:
            return tweet_payload(state, tweet, for_user_id or _tweet_recipient(state, tweet))
        dm = state.x.dm_events.get(event_id)
        if dm is not None:
            default = next((p for p in dm.participant_ids if p != dm.sender_id), dm.sender_id)
            return dm_payload(state, dm, for_user_id or default)
        raise WebhookError(f"no tweet or DM event with id {event_id}")


def _dm_message_data(state: SandboxState, event: DMEvent) -> dict[str, Any]:
    data: dict[str, Any] = {
        "text": event.text,
        "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
    }
    media = _v1_media(state, event.media_keys)
    if media:
        data["attachment"] = {"type": "media", "media": media[0]}  # a DM carries one
    return data


def _tweet_recipient(state: SandboxState, tweet: Tweet) -> str:
    """The org account a tweet is "for": the one it replies to or mentions first."""
    for account in state.x.accounts():
        if state.x.is_mention_of(tweet, account) or account.id == tweet.author_id:
            return account.id
    return tweet.in_reply_to_user_id or tweet.author_id


# -- delivery -------------------------------------------------------------------


def _check_url(url: str | None) -> str:
    if not url or urlsplit(url).scheme not in ("http", "https"):
        raise WebhookError("a webhook url (http or https) is required")
    return url


def fire(
    url: str | None,
    payload: dict[str, Any] | str,
    *,
    secret: str,
    signature: str = "valid",
    repeat: int = 1,
    timeout: float = 10.0,
) -> list[dict[str, Any]]:
    """POST the payload `repeat` times (X re-delivers); returns what the app answered."""
    return fire_signed(
        url,
        payload,
        secret=secret,
        signature=signature,
        repeat=repeat,
        timeout=timeout,
        header=SIGNATURE_HEADER,
        signer=sign,
        user_agent="SocialDeskSandbox-Webhooks/1",
    )


def fire_signed(
    url: str | None,
    payload: dict[str, Any] | str,
    *,
    secret: str,
    signature: str,
    repeat: int,
    timeout: float,
    header: str,
    signer: Callable[[str, bytes], str],
    user_agent: str,
) -> list[dict[str, Any]]:
    """POST a payload signed the way one network signs (or badly, or not at
    all), `repeat` times; each answer also records the signature sent."""
    target = _check_url(url)
    if signature not in SIGNATURE_MODES:
        raise WebhookError(f"signature must be one of {SIGNATURE_MODES}")
    body = (
        payload.encode()
        if isinstance(payload, str)
        else json.dumps(payload, separators=(",", ":")).encode()
    )
    headers = {"Content-Type": "application/json", "User-Agent": user_agent}
    if signature == "valid":
        headers[header] = signer(secret, body)
    elif signature == "invalid":
        headers[header] = signer(secret + "-wrong-" + secrets.token_hex(4), body)
    results = []
    for _ in range(max(1, repeat)):
        result = _post(target, body, headers, timeout)
        result["signature"] = headers.get(header)
        results.append(result)
    return results


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> dict[str, Any]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (scheme checked)
    result: dict[str, Any] = {"signature": headers.get(SIGNATURE_HEADER), "bytes": len(body)}
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 (scheme checked)
            result.update(status=answer.status, body=answer.read(4000).decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:
        result.update(status=exc.code, body=exc.read(4000).decode("utf-8", "replace"))
    except (urllib.error.URLError, OSError) as exc:
        result.update(status=None, error=str(exc))
    return result


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Surface 3xx as errors: X treats a redirected CRC answer as a failure."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def check_crc(
    url: str | None, *, secret: str, crc_token: str | None = None, timeout: float = 10.0
) -> dict[str, Any]:
    """Do X's CRC GET against the app and say whether its response_token is right."""
    target = _check_url(url)
    token = crc_token or secrets.token_urlsafe(24)
    separator = "&" if urlsplit(target).query else "?"
    request = urllib.request.Request(f"{target}{separator}{urlencode({'crc_token': token})}")  # noqa: S310
    expected = crc_response_token(secret, token)
    result: dict[str, Any] = {"crc_token": token, "expected": expected, "valid": False}
    try:
        opener = urllib.request.build_opener(_NoRedirect)
        with opener.open(request, timeout=timeout) as answer:
            result["status"] = answer.status
            raw = answer.read(4000)
        got = json.loads(raw).get("response_token")
        result["response_token"] = got
        # X marks the webhook invalid on a wrong token, and on any 3xx (raised as HTTPError here).
        result["valid"] = result["status"] == 200 and hmac.compare_digest(str(got), expected)
    except urllib.error.HTTPError as exc:
        result["status"] = exc.code
    except (urllib.error.URLError, OSError, ValueError, AttributeError) as exc:
        result.setdefault("status", None)
        result["error"] = str(exc)
    return result
