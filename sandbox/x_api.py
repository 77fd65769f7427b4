"""The X network (mounted at /x): routing, auth, rate limits, fault rendering.

tweepy calls https://api.twitter.com/2/...; the app's rewriting adapter turns
that into <sandbox>/x/2/..., so routes here are the real X paths.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox import x_media_writes as media_writes
from sandbox import x_reads as reads
from sandbox import x_webhooks
from sandbox import x_writes as writes
from sandbox.faults import bad_gateway_html
from sandbox.ratelimit import RateStatus
from sandbox.router import ApiError, BodyError, Request, Response, Router
from sandbox.x_auth import authenticate, caller_of
from sandbox.x_errors import (
    DUPLICATE_DETAIL,
    invalid_request,
    method_not_allowed,
    not_found_error,
    not_found_route,
    problem,
    server_error,
    too_many_requests,
    unauthorized,
)
from sandbox.x_oauth import ROUTE_NAMES as OAUTH_ROUTES
from sandbox.x_oauth import XOAuth

if TYPE_CHECKING:
    from sandbox.state import SandboxState

UID = r"(?P<user_id>\d+)"
TID = r"(?P<tweet_id>\d+)"


class XNetwork:
    name = "x"
    prefix = "/x"

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.router = Router()
        add = self.router.add
        add("GET", r"/2/users/me", reads.users_me, "users_me")
        add(
            "GET",
            r"/2/users/by/username/(?P<username>\w{1,15})",
            reads.user_by_username,
            "user_by_username",
        )
        add("GET", r"/2/users/by", reads.users_by_usernames, "users_by")
        add("GET", rf"/2/users/{UID}", reads.user, "user")
        add("GET", r"/2/users", reads.users, "users")
        add("GET", rf"/2/users/{UID}/mentions", reads.mentions, "mentions")
        add("GET", rf"/2/users/{UID}/tweets", reads.timeline, "user_tweets")
        add("GET", rf"/2/tweets/{TID}", reads.tweet, "tweet")
        add("GET", r"/2/tweets", reads.tweets, "tweets")
        add("GET", r"/2/dm_events", reads.dm_events, "dm_events")
        add(
            "GET",
            r"/2/dm_conversations/with/(?P<participant_id>\d+)/dm_events",
            reads.dm_events_with,
            "dm_with",
        )
        add(
            "GET",
            r"/2/dm_conversations/(?P<conversation_id>[\d-]+)/dm_events",
            reads.dm_events_in,
            "dm_conversation",
        )
        add("POST", r"/2/tweets", writes.create_tweet, "create_tweet")
        # upload.twitter.com (v1.1), rewritten to /x like api.twitter.com.
        add("POST", r"/1\.1/media/upload\.json", media_writes.upload, "media_upload")
        add(
            "POST",
            r"/1\.1/media/metadata/create\.json",
            media_writes.metadata_create,
            "media_metadata",
        )
        add("DELETE", rf"/2/tweets/{TID}", writes.delete_tweet, "delete_tweet")
        add("PUT", rf"/2/tweets/{TID}/hidden", writes.hide_reply, "hide_reply")
        add("POST", rf"/2/users/{UID}/likes", writes.like, "like")
        add("DELETE", rf"/2/users/{UID}/likes/{TID}", writes.unlike, "unlike")
        add("POST", rf"/2/users/{UID}/muting", writes.mute, "mute")
        add("DELETE", rf"/2/users/{UID}/muting/(?P<target_id>\d+)", writes.unmute, "unmute")
        add(
            "POST",
            r"/2/dm_conversations/with/(?P<participant_id>\d+)/messages",
            writes.send_dm_with,
            "dm_send",
        )
        add(
            "POST",
            r"/2/dm_conversations/(?P<conversation_id>[\d-]+)/messages",
            writes.send_dm_in,
            "dm_send_conversation",
        )
        # No block/unblock routes: X removed those endpoints (tweepy 4.15 dropped them too).
        XOAuth(state).add_routes(add)  # Sign in with X: /oauth/request_token, authorize...
        x_webhooks.add_routes(add)  # Account Activity API: register, CRC, subscribe

    def handle(self, req: Request) -> Response:
        match = self.router.match(req.method, req.path)
        req.route_name = match.route.name if match else "unknown"
        try:
            if match is None:
                allowed = self.router.allowed_methods(req.path)
                raise method_not_allowed(allowed) if allowed else not_found_route()
            if req.route_name in OAUTH_ROUTES:  # before any user token exists
                return match.route.handler(self.state, req, **match.params)
            req.auth = authenticate(req, self.state)
            status = self.state.ratelimits.hit(req.route_name, req.auth.caller, self._limit(req))
            if status.exceeded:
                return Response(429, too_many_requests(), status.headers())
            response = match.route.handler(self.state, req, **match.params)
            _merge_headers(response, status)
            return response
        except ApiError as exc:
            response = exc.to_response()
        except BodyError as exc:
            response = invalid_request("body", "", str(exc)).to_response()
        _merge_headers(response, self._peek(req))
        return response

    def fault_response(self, kind: str, params: dict[str, Any], req: Request) -> Response | None:
        """Render a short-circuit fault the way X would answer; None if not ours to render."""
        self._identify(req)
        headers = self._peek(req).headers()
        if kind == "rate_limit":
            headers["x-rate-limit-remaining"] = "0"
            headers["x-rate-limit-reset"] = str(
                self.state.clock.epoch() + int(params.get("reset_in", 60))
            )
            return Response(429, too_many_requests(), headers)
        if kind == "rate_limit_no_reset":
            headers["x-rate-limit-remaining"] = "0"
            del headers["x-rate-limit-reset"]
            return Response(429, too_many_requests(), headers)
        if kind == "server_error":
            status = int(params.get("status", 500))
            body = server_error() | {"status": status}
            return Response(status, body, headers)
        if kind == "bad_gateway_html":
            response = bad_gateway_html()
            response.headers.update(headers)
            return response
        if kind == "expired_token":
            return Response(401, unauthorized().body, headers)
        if kind == "permission":
            detail = str(params.get("detail", "You are not permitted to perform this action."))
            return Response(403, problem(403, "Forbidden", detail), headers)
        if kind == "duplicate_post":
            return Response(403, problem(403, "Forbidden", DUPLICATE_DETAIL), headers)
        return None

    def partial_errors(self, params: dict[str, Any], req: Request) -> list[dict[str, Any]]:
        """The `errors` array the partial_errors fault adds to a 200."""
        resource_id = str(params.get("resource_id", "1000000000000000001"))
        resource_type = str(params.get("resource_type", "tweet"))
        return [not_found_error(resource_type, "ids", resource_id)]

    def _identify(self, req: Request) -> None:
        # Faults answer before auth runs; work out the caller for the headers anyway.
        if req.auth is None:
            try:
                req.auth = authenticate(req, self.state)
            except ApiError:
                req.auth = None
        if not req.route_name:
            match = self.router.match(req.method, req.path)
            req.route_name = match.route.name if match else "unknown"

    def _limit(self, req: Request) -> int:
        # Per endpoint and caller; set through /_sandbox/limits (x_read, x_write).
        return self.state.ratelimits.limit("x_read" if req.method == "GET" else "x_write")

    def _peek(self, req: Request) -> RateStatus:
        return self.state.ratelimits.peek(
            req.route_name or "unknown", caller_of(req), self._limit(req)
        )


def _merge_headers(response: Response, status: RateStatus) -> None:
    for name, value in status.headers().items():
        response.headers.setdefault(name, value)
