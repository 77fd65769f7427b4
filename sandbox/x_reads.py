"""Read endpoints of the X API v2 subset: users, mentions, timelines, tweets, DMs.

Lists are newest first, as X serves them. Fault rules of the shaping kinds
(duplicate_page, out_of_order) arrive in `req.fault` and are applied here,
because only the handler knows the page boundaries and since_id.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sandbox.router import Request, Response
from sandbox.x_auth import require_user
from sandbox.x_errors import forbidden, invalid_request, not_found_error
from sandbox.x_models import DMEvent, Tweet, one_to_one_conversation_id
from sandbox.x_render import (
    DM_EVENT_TYPES,
    DM_EXPANSIONS,
    DM_FIELDS,
    MEDIA_FIELDS,
    TWEET_EXPANSIONS,
    TWEET_FIELDS,
    USER_EXPANSIONS,
    USER_FIELDS,
    csv_param,
    decode_token,
    dm_includes,
    id_param,
    int_param,
    media_includes,
    paginate,
    render_dm,
    render_tweet,
    render_user,
    time_param,
    tweet_includes,
)

if TYPE_CHECKING:
    from sandbox.state import SandboxState

# X serves DM events from the last 30 days only.
DM_RETENTION = timedelta(days=30)


def _fault_kind(req: Request) -> str | None:
    return req.fault.kind if req.fault is not None else None


# -- users --------------------------------------------------------------------


def _users_response(
    state: SandboxState, req: Request, found: list[Any], errors: list[dict]
) -> Response:
    fields = csv_param(req, "user.fields", USER_FIELDS)
    csv_param(req, "expansions", USER_EXPANSIONS)
    body: dict[str, Any] = {}
    if found:
        body["data"] = [render_user(state.x, u, fields, req.base_url) for u in found]
    if errors:
        body["errors"] = errors
    return Response(200, body)


def users_me(state: SandboxState, req: Request) -> Response:
    account_id = require_user(req)
    with state.lock:
        user = state.x.ensure_account(account_id)
        fields = csv_param(req, "user.fields", USER_FIELDS)
        return Response(200, {"data": render_user(state.x, user, fields, req.base_url)})


def user(state: SandboxState, req: Request, user_id: str) -> Response:
    with state.lock:
        found = state.x.user(user_id)
        response = _users_response(
            state,
            req,
            [found] if found else [],
            [] if found else [not_found_error("user", "id", user_id)],
        )
    if found and isinstance(response.body, dict):
        response.body["data"] = response.body["data"][0]  # single lookups return an object
    return response


def user_by_username(state: SandboxState, req: Request, username: str) -> Response:
    with state.lock:
        found = state.x.user_by_username(username)
        if found is None:
            return _users_response(state, req, [], [not_found_error("user", "username", username)])
        return user(state, req, found.id)


def users(state: SandboxState, req: Request) -> Response:
    ids = _id_list(req, "ids")
    with state.lock:
        found = [u for u in (state.x.user(i) for i in ids) if u]
        missing = [not_found_error("user", "ids", i) for i in ids if state.x.user(i) is None]
        return _users_response(state, req, found, missing)


def users_by_usernames(state: SandboxState, req: Request) -> Response:
    names = [n for n in (req.arg("usernames") or "").split(",") if n]
    if not 1 <= len(names) <= 100:
        raise invalid_request(
            "usernames", req.arg("usernames") or "", "usernames must list 1 to 100 usernames"
        )
    with state.lock:
        found = [u for u in (state.x.user_by_username(n) for n in names) if u]
        missing = [
            not_found_error("user", "usernames", n)
            for n in names
            if not state.x.user_by_username(n)
        ]
        return _users_response(state, req, found, missing)


def _id_list(req: Request, name: str) -> list[str]:
    ids = [i for i in (req.arg(name) or "").split(",") if i]
    if not 1 <= len(ids) <= 100 or not all(i.isdigit() for i in ids):
        raise invalid_request(name, req.arg(name) or "", f"`{name}` must list 1 to 100 numeric ids")
    return list(dict.fromkeys(ids))


# -- tweets -------------------------------------------------------------------


def mentions(state: SandboxState, req: Request, user_id: str) -> Response:
    with state.lock:
        if state.x.user(user_id) is None:
            return Response(200, {"errors": [not_found_error("user", "id", user_id)]})
        return _tweet_list(state, req, state.x.mentions_of(user_id))


def timeline(state: SandboxState, req: Request, user_id: str) -> Response:
    excluded = (req.arg("exclude") or "").split(",")
    with state.lock:
        if state.x.user(user_id) is None:
            return Response(200, {"errors": [not_found_error("user", "id", user_id)]})
        items = state.x.timeline_of(user_id)
        if "replies" in excluded:
            items = [t for t in items if t.replied_to_id is None]
        return _tweet_list(state, req, items)


def _tweet_list(state: SandboxState, req: Request, items: list[Tweet]) -> Response:
    """since_id/until_id/start_time/end_time/max_results/pagination_token over `items`."""
    max_results = int_param(req, "max_results", 10, 5, 100)
    since, until = id_param(req, "since_id"), id_param(req, "until_id")
    start, end = time_param(req, "start_time"), time_param(req, "end_time")
    below = decode_token(req)
    # X's times have second granularity and both bounds are inclusive.
    candidates = [
        t
        for t in items
        if (until is None or int(t.id) < until)
        and (start is None or t.created_at >= start)
        and (end is None or t.created_at.replace(microsecond=0) <= end)
    ]
    served = [t for t in candidates if since is None or int(t.id) > since]
    page = paginate(served, max_results, below, repeat=_fault_kind(req) == "duplicate_page")
    data = page.items
    if _fault_kind(req) == "out_of_order":
        older = next((t for t in candidates if since is not None and int(t.id) <= since), None)
        data = _shuffled(state, data, older)
    return _render_tweets(state, req, data, page.next_token, with_ids_meta=True)


def _render_tweets(
    state: SandboxState,
    req: Request,
    data: list[Tweet],
    next_token: str | None,
    *,
    with_ids_meta: bool,
) -> Response:
    fields = csv_param(req, "tweet.fields", TWEET_FIELDS)
    user_fields = csv_param(req, "user.fields", USER_FIELDS)
    expansions = csv_param(req, "expansions", TWEET_EXPANSIONS)
    viewer = req.auth.account_id
    errors: list[dict[str, Any]] = []
    body: dict[str, Any] = {}
    if data:
        body["data"] = [render_tweet(state.x, t, fields, viewer, errors) for t in data]
        includes = tweet_includes(
            state.x,
            data,
            expansions=expansions,
            tweet_fields=fields,
            user_fields=user_fields,
            base_url=req.base_url,
            viewer_id=viewer,
            errors=errors,
        )
        if "attachments.media_keys" in expansions:
            media = media_includes(state.media, data, csv_param(req, "media.fields", MEDIA_FIELDS))
            if media:
                includes["media"] = media
        if includes:
            body["includes"] = includes
    if errors:
        body["errors"] = errors
    if with_ids_meta:
        body["meta"] = _meta([t.id for t in data], next_token)
    return Response(200, body)


def _meta(ids: list[str], next_token: str | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"result_count": len(ids)}
    if ids:
        meta["newest_id"] = max(ids, key=int)
        meta["oldest_id"] = min(ids, key=int)
    if next_token:
        meta["next_token"] = next_token
    return meta


def _shuffled(state: SandboxState, items: list[Any], extra: Any | None) -> list[Any]:
    shuffled = list(items)
    if extra is not None and extra not in shuffled:
        shuffled.append(extra)
    random.Random(state.rng.random()).shuffle(shuffled)
    ordered = sorted(shuffled, key=lambda i: int(i.id), reverse=True)
    if len(shuffled) > 1 and shuffled == ordered:
        shuffled.reverse()  # a shuffle that happens to come out sorted proves nothing
    return shuffled


def tweet(state: SandboxState, req: Request, tweet_id: str) -> Response:
    with state.lock:
        found = state.x.tweet(tweet_id)
        if found is None:
            return Response(200, {"errors": [not_found_error("tweet", "id", tweet_id)]})
        response = _render_tweets(state, req, [found], None, with_ids_meta=False)
    response.body["data"] = response.body["data"][0]
    return response


def tweets(state: SandboxState, req: Request) -> Response:
    ids = _id_list(req, "ids")
    with state.lock:
        found = [t for t in (state.x.tweet(i) for i in ids) if t]
        response = _render_tweets(state, req, found, None, with_ids_meta=False)
        missing = [not_found_error("tweet", "ids", i) for i in ids if state.x.tweet(i) is None]
    if missing:
        response.body["errors"] = [*response.body.get("errors", []), *missing]
    return response


# -- direct messages ----------------------------------------------------------


def dm_events(state: SandboxState, req: Request) -> Response:
    return _dm_list(state, req, None)


def dm_events_with(state: SandboxState, req: Request, participant_id: str) -> Response:
    account_id = require_user(req)
    if participant_id == account_id:
        raise invalid_request(
            "participant_id", participant_id, "participant_id must be another user"
        )
    return _dm_list(state, req, one_to_one_conversation_id(account_id, participant_id))


def dm_events_in(state: SandboxState, req: Request, conversation_id: str) -> Response:
    account_id = require_user(req)
    if account_id not in conversation_id.split("-"):
        raise forbidden("You are not a participant in this conversation.")
    return _dm_list(state, req, conversation_id)


def _dm_list(state: SandboxState, req: Request, conversation_id: str | None) -> Response:
    account_id = require_user(req)
    fields = csv_param(req, "dm_event.fields", DM_FIELDS)
    expansions = csv_param(req, "expansions", DM_EXPANSIONS)
    user_fields = csv_param(req, "user.fields", USER_FIELDS)
    csv_param(req, "tweet.fields", TWEET_FIELDS)
    event_types = csv_param(req, "event_types", DM_EVENT_TYPES)
    max_results = int_param(req, "max_results", 100, 1, 100)
    below = decode_token(req)
    with state.lock:
        retained_from = state.now() - DM_RETENTION
        events: list[DMEvent] = [
            e
            for e in state.x.dm_events_of(account_id, conversation_id)
            if e.created_at >= retained_from
        ]
        if event_types:
            events = [e for e in events if e.event_type in event_types]
        page = paginate(events, max_results, below, repeat=_fault_kind(req) == "duplicate_page")
        data = page.items
        if _fault_kind(req) == "out_of_order":
            data = _shuffled(state, data, None)
        body: dict[str, Any] = {}
        if data:
            body["data"] = [render_dm(e, fields) for e in data]
            includes = dm_includes(state.x, data, expansions, user_fields, req.base_url)
            if "attachments.media_keys" in expansions:
                media = media_includes(
                    state.media, data, csv_param(req, "media.fields", MEDIA_FIELDS)
                )
                if media:
                    includes["media"] = media
            if includes:
                body["includes"] = includes
        meta: dict[str, Any] = {"result_count": len(data)}
        if page.next_token:
            meta["next_token"] = page.next_token
        body["meta"] = meta
        return Response(200, body)
