"""Outbound Meta webhooks: Page feed and Messenger payloads, signatures, verification.

Meta signs each POST with ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of
the raw body, keyed with the app secret>`` and verifies the endpoint with a
GET carrying hub.mode, hub.verify_token and hub.challenge (echo the challenge).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from sandbox.fb_models import FbComment, FbMessage, FbPost
from sandbox.webhooks import WebhookError, _check_url, fire_signed

if TYPE_CHECKING:
    from sandbox.state import SandboxState

SIGNATURE_HEADER = "X-Hub-Signature-256"
DEFAULT_APP_SECRET = "sandbox-app-secret"
DEFAULT_VERIFY_TOKEN = "sandbox-verify-token"
APP_ID = "900000000000001"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _ms(moment: Any) -> int:
    return int(moment.timestamp() * 1000)


# The Send/Receive API's attachment types for the sandbox's media kinds.
_WEBHOOK_TYPES = {"photo": "image", "animated_gif": "image", "video": "video"}


def comment_payload(state: SandboxState, comment: FbComment) -> dict[str, Any]:
    """A Page `feed` change for a new comment or reply (parent_id is the post
    itself for a top-level comment, as Meta sends it)."""
    with state.lock:
        post = state.fb.posts[comment.post_id]
        value = {
            "from": {"id": comment.from_id, "name": state.fb.name_of(comment.from_id)},
            "post": {
                "status_type": "mobile_status_update",
                "is_published": True,
                "updated_time": post.updated_time.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "permalink_url": f"https://www.facebook.com/{post.page_id}/posts/{post.number}",
                "promotion_status": "inactive",
                "id": post.id,
            },
            "message": comment.message,
            "post_id": post.id,
            "comment_id": comment.id,
            "created_time": int(comment.created_time.timestamp()),
            "item": "comment",
            "parent_id": comment.parent_id or post.id,
            "verb": "add",
        }
        blob = state.media.key(comment.media_keys[0]) if comment.media_keys else None
        if blob is not None:
            value["photo"] = blob.url  # Meta names a comment's picture by its address only
        return {
            "object": "page",
            "entry": [
                {
                    "id": post.page_id,
                    "time": _ms(state.now()),
                    "changes": [{"field": "feed", "value": value}],
                }
            ],
        }


def message_payload(state: SandboxState, message: FbMessage) -> dict[str, Any]:
    """A Messenger `messages` event; the Page's own messages come as echoes."""
    with state.lock:
        conv = state.fb.conversations[message.conversation_id]
        body: dict[str, Any] = {"mid": message.id}
        if message.text:
            body["text"] = message.text  # an image sent alone has no text at all
        blobs = [b for b in map(state.media.key, message.media_keys) if b is not None]
        if blobs:
            body["attachments"] = [
                {"type": _WEBHOOK_TYPES[b.kind], "payload": {"url": b.url}} for b in blobs
            ]
        if message.from_id == conv.page_id:
            body = {"is_echo": True, "app_id": int(APP_ID), **body}
        event = {
            "sender": {"id": message.from_id},
            "recipient": {"id": message.to_id},
            "timestamp": _ms(message.created_time),
            "message": body,
        }
        return {
            "object": "page",
            "entry": [{"id": conv.page_id, "time": _ms(state.now()), "messaging": [event]}],
        }


def post_payload(state: SandboxState, post: FbPost) -> dict[str, Any]:
    """A person's post: a ``feed`` change (item ``status``, verb ``add``) for
    the Page whose timeline it is on, and a ``mention`` change for each Page it
    tags. One delivery carries every Page's entry, as Meta batches them."""
    with state.lock:
        sender = {"id": post.author_id, "name": state.fb.name_of(post.author_id)}
        entries = []
        if state.fb.page(post.page_id) is not None:
            value = {
                "from": sender,
                "post": {
                    "status_type": "wall_post" if post.by_visitor else "mobile_status_update",
                    "is_published": True,
                    "updated_time": post.updated_time.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                    "permalink_url": f"https://www.facebook.com/{post.page_id}/posts/{post.number}",
                    "promotion_status": "inactive",
                    "id": post.id,
                },
                "message": post.message,
                "post_id": post.id,
                "created_time": int(post.created_time.timestamp()),
                "item": "status",
                "published": 1,
                "verb": "add",
            }
            entries.append(_entry(state, post.page_id, "feed", value))
        for page_id in post.tagged_ids:
            value = {
                "post_id": post.id,
                "sender_id": sender["id"],
                "sender_name": sender["name"],
                "message": post.message,
                "created_time": int(post.created_time.timestamp()),
                "item": "post",
                "verb": "add",
            }
            entries.append(_entry(state, page_id, "mention", value))
        return {"object": "page", "entry": entries}


def _entry(state: SandboxState, page_id: str, field: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"id": page_id, "time": _ms(state.now()), "changes": [{"field": field, "value": value}]}


def payload_for_event(state: SandboxState, event_id: str) -> dict[str, Any]:
    with state.lock:
        post = state.fb.posts.get(event_id)
        if post is not None and (post.by_visitor or post.tagged_ids):
            return post_payload(state, post)
        comment = state.fb.comments.get(event_id)
        if comment is not None:
            return comment_payload(state, comment)
        message = state.fb.messages.get(event_id)
        if message is not None:
            return message_payload(state, message)
    raise WebhookError(f"no Facebook comment, message or visitor post with id {event_id}")


def fire(
    url: str | None,
    payload: dict[str, Any] | str,
    *,
    secret: str,
    signature: str = "valid",
    repeat: int = 1,
    timeout: float = 10.0,
) -> list[dict[str, Any]]:
    """POST the payload `repeat` times (Meta re-delivers too); returns the app's answers."""
    return fire_signed(
        url,
        payload,
        secret=secret,
        signature=signature,
        repeat=repeat,
        timeout=timeout,
        header=SIGNATURE_HEADER,
        signer=sign,
        user_agent="facebookexternalua",
    )


def check_verify(
    url: str | None,
    *,
    verify_token: str,
    challenge: str | None = None,
    timeout: float = 10.0,
) -> dict[str, Any]:
    """Meta's subscription check: the app must answer 200 with the challenge."""
    target = _check_url(url)
    challenge = challenge or str(secrets.randbelow(10**9))
    query = urlencode(
        {"hub.mode": "subscribe", "hub.verify_token": verify_token, "hub.challenge": challenge}
    )
    separator = "&" if urlsplit(target).query else "?"
    result: dict[str, Any] = {"challenge": challenge, "valid": False}
    try:
        with urllib.request.urlopen(f"{target}{separator}{query}", timeout=timeout) as answer:  # noqa: S310 (scheme checked)
            result["status"] = answer.status
            result["body"] = answer.read(4000).decode("utf-8", "replace")
        result["valid"] = result["status"] == 200 and result["body"] == challenge
    except urllib.error.HTTPError as exc:
        result["status"] = exc.code
    except (urllib.error.URLError, OSError) as exc:
        result.setdefault("status", None)
        result["error"] = str(exc)
    return result
