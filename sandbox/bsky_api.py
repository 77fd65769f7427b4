"""The Bluesky network (mounted at /bsky): XRPC routing, auth, rate limits
and fault rendering.

The atproto SDK is given ``<sandbox>/bsky`` as its base URL and appends
``/xrpc/<nsid>``, so routes here are the real method names. Errors are
Bluesky's ``{"error", "message"}`` bodies; rate limits carry the
``ratelimit-limit/-remaining/-reset/-policy`` headers. Chat methods answer
only with the ``atproto-proxy`` header the SDK's ``with_bsky_chat_proxy()``
adds, as the PDS forwards only those to the chat service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox import bsky_xrpc as xrpc
from sandbox.bsky_blobs import upload_blob
from sandbox.bsky_store import SessionToken
from sandbox.bsky_views import xrpc_error
from sandbox.faults import bad_gateway_html
from sandbox.router import ApiError, BodyError, Request, Response, Router

if TYPE_CHECKING:
    from sandbox.state import SandboxState

CHAT_PROXY = "did:web:api.bsky.chat#bsky_chat"
# Methods that take no access token (createSession) or the refresh token.
OPEN_METHODS = frozenset({"com.atproto.server.createSession", "com.atproto.identity.resolveHandle"})
REFRESH_METHODS = frozenset({"com.atproto.server.refreshSession"})
METHODS: dict[str, tuple[str, Any]] = {
    "com.atproto.server.createSession": ("POST", xrpc.create_session),
    "com.atproto.server.refreshSession": ("POST", xrpc.refresh_session),
    "com.atproto.server.getSession": ("GET", xrpc.get_session),
    "com.atproto.identity.resolveHandle": ("GET", xrpc.resolve_handle),
    "com.atproto.repo.createRecord": ("POST", xrpc.create_record),
    "com.atproto.repo.listRecords": ("GET", xrpc.list_records),
    "com.atproto.repo.uploadBlob": ("POST", upload_blob),
    "app.bsky.notification.listNotifications": ("GET", xrpc.list_notifications),
    "app.bsky.feed.getPosts": ("GET", xrpc.get_posts),
    "app.bsky.feed.getAuthorFeed": ("GET", xrpc.get_author_feed),
    "app.bsky.actor.getProfile": ("GET", xrpc.get_profile),
    "app.bsky.graph.muteActor": ("POST", xrpc.mute_actor),
    "app.bsky.graph.unmuteActor": ("POST", xrpc.unmute_actor),
    "chat.bsky.convo.listConvos": ("GET", xrpc.list_convos),
    "chat.bsky.convo.getMessages": ("GET", xrpc.get_messages),
    "chat.bsky.convo.getConvoForMembers": ("GET", xrpc.get_convo_for_members),
    "chat.bsky.convo.sendMessage": ("POST", xrpc.send_message),
}


class BskyNetwork:
    name = "bsky"
    prefix = "/bsky"

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.router = Router()
        for nsid, (method, handler) in METHODS.items():
            self.router.add(method, "/xrpc/" + nsid.replace(".", r"\."), handler, nsid)

    def handle(self, req: Request) -> Response:
        match = self.router.match(req.method, req.path)
        req.route_name = match.route.name if match else "unknown"
        try:
            if match is None:
                if self.router.allowed_methods(req.path):
                    raise xrpc_error(400, "InvalidRequest", f"Incorrect HTTP method ({req.method})")
                raise xrpc_error(501, "MethodNotImplemented", "Method Not Implemented")
            self._authenticate(req)
            if (
                req.route_name.startswith("chat.")
                and req.headers.get("atproto-proxy") != CHAT_PROXY
            ):
                raise xrpc_error(
                    400,
                    "InvalidRequest",
                    f"chat methods need the atproto-proxy header {CHAT_PROXY}",
                )
            status = self.state.ratelimits.hit(req.route_name, self._caller(req), self._limit())
            if status.exceeded:
                return self._rate_limited(status.reset, status.limit)
            response = match.route.handler(self.state, req)
            response.headers.update(
                self._limit_headers(status.limit, status.remaining, status.reset)
            )
            return response
        except ApiError as exc:
            return exc.to_response()
        except BodyError as exc:
            return Response(400, {"error": "InvalidRequest", "message": str(exc)})

    def _authenticate(self, req: Request) -> None:
        if req.route_name in OPEN_METHODS:
            return
        header = req.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            raise xrpc_error(401, "AuthMissing", "Authentication Required")
        token: SessionToken | None = self.state.bsky.tokens.get(header[len("Bearer ") :])
        wanted = "refresh" if req.route_name in REFRESH_METHODS else "access"
        if token is None or token.kind != wanted:
            raise xrpc_error(400, "InvalidToken", "Token could not be verified")
        if token.expires <= self.state.now():
            raise xrpc_error(400, "ExpiredToken", "Token has expired")
        req.auth = token.did

    def _caller(self, req: Request) -> str:
        return str(req.auth or req.client or "anonymous")

    def _limit(self) -> int:
        return self.state.ratelimits.limit("bsky_calls")

    def _limit_headers(self, limit: int, remaining: int, reset: int) -> dict[str, str]:
        window = self.state.ratelimits.snapshot()["window_seconds"]
        return {
            "ratelimit-limit": str(limit),
            "ratelimit-remaining": str(remaining),
            "ratelimit-reset": str(reset),
            "ratelimit-policy": f"{limit};w={window}",
        }

    def _rate_limited(self, reset: int | None, limit: int) -> Response:
        headers = self._limit_headers(limit, 0, reset) if reset is not None else {}
        return Response(
            429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, headers
        )

    def fault_response(self, kind: str, params: dict[str, Any], req: Request) -> Response | None:
        """Render a short-circuit fault the way Bluesky answers; None if not ours."""
        if kind == "rate_limit":
            reset = self.state.clock.epoch() + int(params.get("reset_in", 60))
            return self._rate_limited(reset, self._limit())
        if kind == "rate_limit_no_reset":
            return self._rate_limited(None, self._limit())
        if kind == "server_error":
            status = int(params.get("status", 500))
            return Response(
                status, {"error": "InternalServerError", "message": "Internal Server Error"}
            )
        if kind == "bad_gateway_html":
            return bad_gateway_html()
        if kind == "expired_token":
            return Response(400, {"error": "ExpiredToken", "message": "Token has expired"})
        if kind == "permission":
            message = str(params.get("message", "Requester has blocked actor"))
            return Response(
                int(params.get("status", 400)),
                {"error": str(params.get("error", "InvalidRequest")), "message": message},
            )
        return None

    def partial_errors(self, params: dict[str, Any], req: Request) -> list[dict[str, Any]]:
        return []  # XRPC has no partial-error responses
