"""The Facebook network (mounted at /fb): Graph API routing, auth, usage headers, faults.

facebook-sdk calls https://graph.facebook.com/v21.0/...; the app's rewriting
adapter turns that into <sandbox>/fb/v21.0/..., so routes here are Graph's
own paths (with or without the version segment). Every answer to a Page
token carries ``X-Business-Use-Case-Usage`` (``X-App-Usage`` for user tokens),
as Graph's do; the usage reaches 100 and the calls fail with code 32 when a
Page really loops.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from sandbox import fb_errors as errors
from sandbox import fb_reads as reads
from sandbox import fb_writes as writes
from sandbox import ig_graph
from sandbox.faults import bad_gateway_html
from sandbox.fb_auth import FbAuth, authenticate, caller_of, params_of
from sandbox.router import ApiError, Request, Response, Router

if TYPE_CHECKING:
    from sandbox.state import SandboxState

V = r"(?:/v\d+\.\d+)?"
NODE = r"(?P<node>[\w.-]+)"
EDGE = r"(?P<edge>\w+)"
PUBLIC_ROUTES = frozenset({"oauth_dialog", "oauth_token"})
LONG_LIVED_SECONDS = 60 * 24 * 3600


class FbNetwork:
    name = "fb"
    prefix = "/fb"

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.router = Router()
        add = self.router.add
        add("GET", rf"{V}/dialog/oauth", oauth_dialog, "oauth_dialog")
        add("GET", rf"{V}/oauth/access_token", oauth_token, "oauth_token")
        add("GET", rf"{V}/me/accounts", me_accounts, "me_accounts")
        add("GET", rf"{V}/?", reads.objects_get, "objects")
        add("GET", rf"{V}/{NODE}", reads.node_get, "node")
        add("GET", rf"{V}/{NODE}/{EDGE}", reads.edge_get, "edge")
        add("POST", rf"{V}/{NODE}", writes.node_post, "node_post")
        add("POST", rf"{V}/{NODE}/{EDGE}", writes.edge_post, "edge_post")
        add("DELETE", rf"{V}/{NODE}/likes", writes.unlike, "unlike")
        add("DELETE", rf"{V}/{NODE}", writes.node_delete, "node_delete")

    def handle(self, req: Request) -> Response:
        match = self.router.match(req.method, req.path)
        req.route_name = match.route.name if match else "unknown"
        try:
            if match is None:
                if self.router.allowed_methods(req.path):
                    raise errors.unsupported(req.method, req.path.strip("/"))
                raise errors.unknown_path(req.path.strip("/"))
            if req.route_name in PUBLIC_ROUTES:
                return match.route.handler(self.state, req, **match.params)
            req.auth = authenticate(req, self.state)
            status = self.state.ratelimits.hit("fb", req.auth.caller, self._call_limit())
            if status.exceeded:
                minutes = math.ceil(max(0, status.reset - self.state.clock.epoch()) / 60)
                code = 32 if req.auth.page_id else 4
                return Response(
                    400 if code == 32 else 403,
                    errors.rate_limited(code),
                    self.usage_headers(req, call_count=100, regain=minutes),
                )
            node = match.params.get("node")
            if node and ig_graph.owns(self.state, req, node):
                response = ig_graph.handle(self.state, req, node, match.params.get("edge"))
            else:
                response = match.route.handler(self.state, req, **match.params)
        except ApiError as exc:
            response = exc.to_response()
        for name, value in self.usage_headers(req).items():
            response.headers.setdefault(name, value)
        return response

    def _call_limit(self) -> int:
        # Calls per Page (or app) token per window; 4,800 unless set through /_sandbox/limits.
        return self.state.ratelimits.limit("fb_calls")

    # -- usage headers ---------------------------------------------------------------

    def usage_headers(
        self, req: Request, *, call_count: int | None = None, regain: int | None = 0
    ) -> dict[str, str]:
        """Graph's usage headers, in percent. `regain=None` leaves out
        estimated_time_to_regain_access (a limit with no reset hint)."""
        auth = req.auth if isinstance(req.auth, FbAuth) else None
        if auth is None:
            return {}
        if call_count is None:
            limit = self._call_limit()
            status = self.state.ratelimits.peek("fb", caller_of(req), limit)
            call_count = round((limit - status.remaining) * 100 / limit)
        usage: dict[str, Any] = {
            "call_count": call_count,
            "total_cputime": max(1, call_count // 3) if call_count else 0,
            "total_time": max(1, call_count // 2) if call_count else 0,
        }
        if auth.page_id is None:
            return {"X-App-Usage": json.dumps(usage, separators=(",", ":"))}
        # A call on an Instagram object counts against the Instagram account's
        # business use case (type "instagram"), keyed by its id.
        ig_account = req.ig_account
        usage = {"type": "instagram" if ig_account else "pages", **usage}
        if regain is not None:
            usage["estimated_time_to_regain_access"] = regain
        key = ig_account or auth.page_id
        return {"X-Business-Use-Case-Usage": json.dumps({key: [usage]}, separators=(",", ":"))}

    # -- faults ----------------------------------------------------------------------

    def fault_response(self, kind: str, params: dict[str, Any], req: Request) -> Response | None:
        """Render a short-circuit fault the way Graph answers; None if not ours to render."""
        self._identify(req)
        headers = self.usage_headers(req)
        if kind in ("rate_limit", "rate_limit_no_reset"):
            code = int(params.get("code", 32 if kind == "rate_limit" else 613))
            regain = _regain_minutes(params) if kind == "rate_limit" else None
            headers.update(self.usage_headers(req, call_count=100, regain=regain))
            status = 403 if code == 4 else 400
            return Response(status, errors.rate_limited(code), headers)
        if kind == "server_error":
            status = int(params.get("status", 500))
            return Response(status, errors.server_error(int(params.get("code", 2))), headers)
        if kind == "bad_gateway_html":
            response = bad_gateway_html()
            response.headers.update(headers)
            return response
        if kind == "expired_token":
            return _with_headers(errors.expired_token(), headers)
        if kind == "outside_window":
            return _with_headers(errors.outside_window(), headers)
        if kind == "permission":
            return _with_headers(_permission(params), headers)
        return None  # duplicate_post: Facebook has no such refusal

    def partial_errors(self, params: dict[str, Any], req: Request) -> list[dict[str, Any]]:
        return []  # Graph has no "200 with errors"; the rule then changes nothing

    def _identify(self, req: Request) -> None:
        # Faults answer before auth runs; work out the caller for the headers anyway.
        if req.auth is None:
            try:
                req.auth = authenticate(req, self.state)
            except ApiError:
                req.auth = None


def _regain_minutes(params: dict[str, Any]) -> int:
    if "regain_minutes" in params:
        return int(params["regain_minutes"])
    return max(1, math.ceil(float(params.get("reset_in", 60)) / 60))


def _permission(params: dict[str, Any]) -> ApiError:
    """`permission` renders any refusal code: 10, 200-299, 100, 368 (abusive)..."""
    code = int(params.get("code", 200))
    default = {
        10: "(#10) Application does not have permission for this action",
        100: "(#100) Invalid parameter",
        368: "(#368) The action attempted has been deemed abusive or is otherwise disallowed",
    }.get(code, f"(#{code}) Permissions error")
    status = int(params.get("status", 403 if 200 <= code <= 299 else 400))
    subcode = params.get("subcode")
    return errors.graph_error(
        status,
        code,
        str(params.get("message", default)),
        subcode=int(subcode) if subcode is not None else None,
    )


def _with_headers(exc: ApiError, headers: dict[str, str]) -> Response:
    response = exc.to_response()
    response.headers.update(headers)
    return response


# -- the sandbox OAuth flow (Facebook Login for a Page) -------------------------------


def oauth_dialog(state: SandboxState, req: Request) -> Response:
    """The login dialog: the sandbox consents at once and redirects back with a code."""
    redirect_uri = req.arg("redirect_uri") or ""
    if urlsplit(redirect_uri).scheme not in ("http", "https") or not req.arg("client_id"):
        raise errors.invalid_param("client_id and an http(s) redirect_uri are required")
    code = (
        "sbx-code-"
        + hashlib.sha256(
            f"{redirect_uri}:{req.arg('state')}:{state.now().timestamp()}".encode()
        ).hexdigest()[:24]
    )
    query = {"code": code}
    if req.arg("state") is not None:
        query["state"] = req.arg("state") or ""
    separator = "&" if urlsplit(redirect_uri).query else "?"
    return Response(302, "", {"Location": f"{redirect_uri}{separator}{urlencode(query)}"})


def oauth_token(state: SandboxState, req: Request) -> Response:
    """Exchange a dialog code (or a short-lived token) for a user token."""
    params = params_of(req)
    if not params.get("client_id") or not params.get("client_secret"):
        raise errors.invalid_param("client_id and client_secret are required")
    if params.get("grant_type") == "fb_exchange_token":
        short = params.get("fb_exchange_token", "")
        if not short.startswith("sbx-user-"):
            raise errors.invalid_token()
        token = "sbx-user-long-" + hashlib.sha256(short.encode()).hexdigest()[:20]
        return Response(
            200, {"access_token": token, "token_type": "bearer", "expires_in": LONG_LIVED_SECONDS}
        )
    code = params.get("code", "")
    if not code.startswith("sbx-code-"):
        raise errors.graph_error(400, 100, "Invalid verification code format.", subcode=36007)
    token = "sbx-user-" + hashlib.sha256(code.encode()).hexdigest()[:24]
    return Response(200, {"access_token": token, "token_type": "bearer", "expires_in": 5183944})


def me_accounts(state: SandboxState, req: Request) -> Response:
    """The Pages the signed-in person manages, each with its Page token."""
    if req.auth.page_id is not None:
        raise errors.graph_error(
            400, 100, "(#100) Tried accessing nonexisting field (accounts) on node type (Page)"
        )
    with state.lock:
        pages = [
            {
                "access_token": sorted(p.tokens)[0],
                "category": p.category,
                "category_list": [{"id": "2235", "name": p.category}],
                "name": p.name,
                "id": p.id,
                **(
                    {"instagram_business_account": {"id": linked.id}}
                    if (linked := state.ig.account_of_page(p.id)) is not None
                    else {}
                ),
                "tasks": [
                    "ANALYZE",
                    "ADVERTISE",
                    "MESSAGING",
                    "MODERATE",
                    "CREATE_CONTENT",
                    "MANAGE",
                ],
            }
            for p in state.fb.pages.values()
        ]
    return Response(
        200, {"data": pages, "paging": {"cursors": {"before": "QVFI", "after": "QVFI"}}}
    )
