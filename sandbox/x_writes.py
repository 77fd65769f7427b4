"""Write endpoints: tweets (replies), deletes, likes, hides, mutes, DMs.

Each successful write is applied to the state and recorded in the outbox
under the same lock, so the outbox is exactly what "reached the network".
X's own rules are enforced where the app must cope with them: duplicate
content, 280 weighted characters, ownership, hide only in own conversations.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sandbox import x_media_writes as media_writes
from sandbox.router import ApiError, Request, Response
from sandbox.x_auth import require_user
from sandbox.x_errors import duplicate_content, forbidden, invalid_request, problem
from sandbox.x_models import (
    MAX_TWEET_WEIGHT,
    Tweet,
    XUser,
    one_to_one_conversation_id,
    weighted_length,
)

if TYPE_CHECKING:
    from sandbox.state import SandboxState

DUPLICATE_WINDOW = timedelta(hours=24)
MAX_DM_LENGTH = 10_000


def _record(
    state: SandboxState, kind: str, account_id: str, target: str | None, **extra: Any
) -> None:
    state.outbox.record(network="x", kind=kind, account_id=account_id, target=target, **extra)


def _not_found(what: str, ident: str) -> ApiError:
    return ApiError(
        404, problem(404, "Not Found Error", f"Could not find {what} with id: [{ident}].")
    )


def _own_path_user(req: Request, user_id: str) -> str:
    account_id = require_user(req)
    if user_id != account_id:
        raise forbidden("You are not permitted to perform this action on behalf of another user.")
    return account_id


def _live_tweet(state: SandboxState, tweet_id: Any) -> Tweet:
    found = state.x.tweet(str(tweet_id)) if tweet_id else None
    if found is None:
        raise _not_found("tweet", str(tweet_id))
    return found


def _is_duplicate(state: SandboxState, account_id: str, text: str) -> bool:
    horizon = state.now() - DUPLICATE_WINDOW
    return any(t.text == text and t.created_at >= horizon for t in state.x.timeline_of(account_id))


def create_tweet(state: SandboxState, req: Request) -> Response:
    account_id = require_user(req)
    body = req.json_object()
    text = body.get("text")
    media = body.get("media")
    media_ids = media.get("media_ids") if isinstance(media, dict) else None
    if media_ids and text is None:
        text = ""  # a post may be media only
    elif not isinstance(text, str) or not text.strip():
        raise invalid_request("text", text, "`text` must be a non-empty string")
    if weighted_length(text) > MAX_TWEET_WEIGHT:
        raise invalid_request(
            "text",
            text[:40],
            "Your Tweet text is too long. Tweets can be at most 280 weighted characters.",
        )
    reply = body.get("reply") or {}
    parent_id = reply.get("in_reply_to_tweet_id") if isinstance(reply, dict) else None
    with state.lock:
        parent = state.x.tweet(str(parent_id)) if parent_id else None
        if parent_id and parent is None:
            raise forbidden(
                "You attempted to reply to a Tweet that is deleted or not visible to you."
            )
        if text and _is_duplicate(state, account_id, text):
            raise duplicate_content()
        media_writes.check_attachable(state, account_id, media_ids)
        created = state.x.add_tweet(
            author_id=account_id, text=text, in_reply_to=parent, origin="api"
        )
        created.media_keys = media_writes.attach(state, account_id, media_ids, created.id)
        _record(
            state,
            "tweet",
            account_id,
            str(parent_id) if parent_id else None,
            text=text,
            result_id=created.id,
            meta=_media_record(state, created.media_keys) or None,
        )
    return Response(
        201,
        {"data": {"id": created.id, "text": created.text, "edit_history_tweet_ids": [created.id]}},
    )


def delete_tweet(state: SandboxState, req: Request, tweet_id: str) -> Response:
    account_id = require_user(req)
    with state.lock:
        found = _live_tweet(state, tweet_id)
        if found.author_id != account_id:
            raise forbidden("You are not allowed to delete a Tweet you did not create.")
        state.x.delete_tweet(found)
        _record(state, "delete", account_id, tweet_id, result_id=tweet_id)
    return Response(200, {"data": {"deleted": True}})


def hide_reply(state: SandboxState, req: Request, tweet_id: str) -> Response:
    account_id = require_user(req)
    hidden = req.json_object().get("hidden")
    if not isinstance(hidden, bool):
        raise invalid_request("hidden", hidden, "`hidden` must be true or false")
    with state.lock:
        found = _live_tweet(state, tweet_id)
        root = state.x.tweet(found.conversation_id, include_deleted=True)
        # X only lets an account hide replies in conversations it started.
        if found.replied_to_id is None or root is None or root.author_id != account_id:
            raise forbidden("You can only hide or unhide replies to conversations you started.")
        changed = found.hidden != hidden
        found.hidden = hidden
        _record(
            state, "hide" if hidden else "unhide", account_id, tweet_id, meta={"changed": changed}
        )
    return Response(200, {"data": {"hidden": hidden}})


def like(state: SandboxState, req: Request, user_id: str) -> Response:
    account_id = _own_path_user(req, user_id)
    tweet_id = req.json_object().get("tweet_id")
    with state.lock:
        found = _live_tweet(state, tweet_id)
        changed = (account_id, found.id) not in state.x.likes
        state.x.likes.add((account_id, found.id))
        _record(state, "like", account_id, found.id, meta={"changed": changed})
    return Response(200, {"data": {"liked": True}})


def unlike(state: SandboxState, req: Request, user_id: str, tweet_id: str) -> Response:
    account_id = _own_path_user(req, user_id)
    with state.lock:
        changed = (account_id, tweet_id) in state.x.likes
        state.x.likes.discard((account_id, tweet_id))
        _record(state, "unlike", account_id, tweet_id, meta={"changed": changed})
    return Response(200, {"data": {"liked": False}})


def _target_user(state: SandboxState, user_id: Any) -> XUser:
    found = state.x.user(str(user_id)) if user_id else None
    if found is None:
        raise _not_found("user", str(user_id))
    return found


def mute(state: SandboxState, req: Request, user_id: str) -> Response:
    account_id = _own_path_user(req, user_id)
    target_id = req.json_object().get("target_user_id")
    with state.lock:
        target = _target_user(state, target_id)
        if target.id == account_id:
            raise invalid_request("target_user_id", target.id, "You cannot mute yourself.")
        changed = (account_id, target.id) not in state.x.mutes
        state.x.mutes.add((account_id, target.id))
        _record(state, "mute", account_id, target.id, meta={"changed": changed})
    return Response(200, {"data": {"muting": True}})


def unmute(state: SandboxState, req: Request, user_id: str, target_id: str) -> Response:
    account_id = _own_path_user(req, user_id)
    with state.lock:
        changed = (account_id, target_id) in state.x.mutes
        state.x.mutes.discard((account_id, target_id))
        _record(state, "unmute", account_id, target_id, meta={"changed": changed})
    return Response(200, {"data": {"muting": False}})


def _media_record(state: SandboxState, keys: list[str]) -> dict[str, Any]:
    """What the outbox shows of a post's media: each one's key, alt text and size."""
    if not keys:
        return {}
    blobs = [state.media.key(k) for k in keys]
    return {
        "media": [
            {"media_key": b.key, "alt_text": b.alt_text, "bytes": len(b.data or b"")}
            for b in blobs
            if b is not None
        ]
    }


def _dm_media_ids(req: Request) -> list[Any]:
    attachments = req.json_object().get("attachments")
    return (
        [a.get("media_id") for a in attachments if isinstance(a, dict)]
        if isinstance(attachments, list)
        else []
    )


def _dm_text(req: Request) -> str:
    body = req.json_object()
    text = body.get("text")
    if body.get("attachments") and not text:
        text = ""  # media-only DM: the sandbox keeps no media, the event is still created
    elif not isinstance(text, str) or not text.strip():
        raise invalid_request("text", text, "`text` is required when no attachment is given")
    if len(text) > MAX_DM_LENGTH:
        raise invalid_request(
            "text", text[:40], "Direct Message text can be at most 10000 characters."
        )
    return text


def send_dm_with(state: SandboxState, req: Request, participant_id: str) -> Response:
    account_id = require_user(req)
    text = _dm_text(req)
    with state.lock:
        target = _target_user(state, participant_id)
        if target.id == account_id:
            raise invalid_request(
                "participant_id", participant_id, "You cannot send a Direct Message to yourself."
            )
        conversation = one_to_one_conversation_id(account_id, target.id)
        return _send_dm(state, account_id, conversation, target.id, text, _dm_media_ids(req))


def send_dm_in(state: SandboxState, req: Request, conversation_id: str) -> Response:
    account_id = require_user(req)
    text = _dm_text(req)
    participants = conversation_id.split("-")
    if account_id not in participants:
        raise forbidden("You are not a participant in this conversation.")
    others = [p for p in participants if p != account_id]
    with state.lock:
        for other in others:
            _target_user(state, other)
        return _send_dm(
            state,
            account_id,
            conversation_id,
            others[0] if others else account_id,
            text,
            _dm_media_ids(req),
        )


def _send_dm(
    state: SandboxState,
    account_id: str,
    conversation: str,
    target: str,
    text: str,
    media_ids: list[Any],
) -> Response:
    media_writes.check_attachable(state, account_id, media_ids)
    event = state.x.add_dm(
        sender_id=account_id, conversation_id=conversation, text=text, origin="api"
    )
    event.media_keys = media_writes.attach(state, account_id, media_ids, event.id)
    _record(
        state,
        "dm",
        account_id,
        target,
        text=text,
        result_id=event.id,
        meta={"dm_conversation_id": conversation, **_media_record(state, event.media_keys)},
    )
    return Response(201, {"data": {"dm_conversation_id": conversation, "dm_event_id": event.id}})
