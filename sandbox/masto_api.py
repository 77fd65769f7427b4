"""The Mastodon network (mounted at /masto): one instance's client API and OAuth.

Mastodon.py calls ``<api_base_url>/api/v1/...``; the app points it at
``https://<instance>`` and its transport adapter moves that to
``<sandbox>/masto`` (or the tests pass the sandbox URL directly), so routes
here are Mastodon's real paths. Errors are ``{"error": "..."}`` with the real
statuses (401 bad token, 404 "Record not found", 422 validation, 429 with
``X-RateLimit-*`` headers whose reset is an ISO-8601 time).

Tokens: any issued by the OAuth flow (``/oauth/authorize`` consents at once,
``/oauth/token`` exchanges the code), one registered with
``POST /_sandbox/masto/accounts``, or ``sbx-masto-<account id>[-...]`` (that
account, registered on the spot). A token containing ``expired`` is refused
as Mastodon refuses a revoked one.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from sandbox import masto_media
from sandbox import masto_render as render
from sandbox.faults import bad_gateway_html
from sandbox.masto_store import VISIBILITIES, AuthCode, MastoApp
from sandbox.ratelimit import RateStatus
from sandbox.router import ApiError, Request, Response, Router

if TYPE_CHECKING:
    from sandbox.masto_store import MastoStatus, MastoStore
    from sandbox.state import SandboxState

SID = r"(?P<status_id>\d+)"
MID = r"(?P<media_id>\d+)"
AID = r"(?P<account_id>\d+)"
TRAINING_TOKEN = re.compile(r"^sbx-masto-(\d+)(?:-|$)")
INVALID_TOKEN = "The access token is invalid"
CODE_LIFETIME = timedelta(minutes=10)  # Doorkeeper's default for authorization codes
URL_WEIGHT = 23  # every link counts as 23 characters, whatever its length
MENTION_DOMAIN = re.compile(r"(?<![\w@])(@[A-Za-z0-9_]+)@[A-Za-z0-9.-]+")
INVALID_CLIENT = (
    "Client authentication failed due to unknown client, no client authentication "
    "included, or unsupported authentication method."
)
INVALID_GRANT = (
    "The provided authorization grant is invalid, expired, revoked, does not match the "
    "redirection URI used in the authorization request, or was issued to another client."
)


def status_length(text: str) -> int:
    """Mastodon's count: a URL weighs 23, a mention counts only its @username."""
    text = MENTION_DOMAIN.sub(r"\1", text)
    urls = render.URL.findall(text)
    return len(render.URL.sub("", text)) + URL_WEIGHT * len(urls)


def error(status: int, message: str, headers: dict[str, str] | None = None) -> ApiError:
    return ApiError(status, {"error": message}, headers)


def not_found() -> ApiError:
    return error(404, "Record not found")


class MastoNetwork:
    name = "masto"
    prefix = "/masto"

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.store: MastoStore = state.masto
        r = self.router = Router()
        r.add("GET", r"/api/v1/accounts/verify_credentials", self.verify_credentials, "me")
        r.add("GET", rf"/api/v1/accounts/{AID}", self.account, "account")
        r.add("GET", rf"/api/v1/accounts/{AID}/statuses", self.account_statuses, "statuses")
        for verb in ("mute", "unmute", "block", "unblock"):
            r.add("POST", rf"/api/v1/accounts/{AID}/{verb}", self.relationship_change, verb)
        r.add("GET", r"/api/v1/notifications", self.notifications, "notifications")
        r.add("GET", r"/api/v1/conversations/?", self.conversations, "conversations")
        r.add("GET", rf"/api/v1/statuses/{SID}", self.status, "status")
        r.add("GET", rf"/api/v1/statuses/{SID}/context", self.context, "context")
        r.add("POST", r"/api/v1/statuses", self.post_status, "post_status")
        r.add("POST", rf"/api/v1/statuses/{SID}/favourite", self.favourite, "favourite")
        r.add("POST", rf"/api/v1/statuses/{SID}/unfavourite", self.favourite, "unfavourite")
        r.add("POST", r"/api/v2/media", self.media_upload, "media_upload")
        r.add("GET", rf"/api/v1/media/{MID}", self.media, "media")
        # Needing no token: the instance, app registration and the OAuth flow.
        r.add("GET", r"/api/v2/instance/?", self.instance_v2, "instance")
        r.add("GET", r"/api/v1/instance/?", self.instance_v1, "instance_v1")
        r.add("POST", r"/api/v1/apps", self.create_app, "apps")
        r.add("GET", r"/\.well-known/oauth-authorization-server", self.oauth_info, "oauth_info")
        r.add("GET", r"/oauth/authorize", self.authorize, "authorize")
        r.add("POST", r"/oauth/token", self.token, "token")
        r.add("POST", r"/oauth/revoke", self.revoke, "revoke")

    PUBLIC_ROUTES = frozenset(
        {"instance", "instance_v1", "apps", "oauth_info", "authorize", "token", "revoke"}
    )

    # -- dispatch ---------------------------------------------------------------

    def handle(self, req: Request) -> Response:
        match = self.router.match(req.method, req.path)
        req.route_name = match.route.name if match else "unknown"
        try:
            if match is None:
                raise (
                    error(404, "Record not found")
                    if not self.router.allowed_methods(req.path)
                    else error(405, "Method not allowed")
                )
            if req.route_name in self.PUBLIC_ROUTES:
                return match.route.handler(req, **match.params)
            req.auth = self._authenticate(req)
            status = self.state.ratelimits.hit("masto", req.auth, self._limit())
            if status.exceeded:
                return Response(429, {"error": "Too many requests"}, self._headers(status))
            response = match.route.handler(req, **match.params)
            for name, value in self._headers(status).items():
                response.headers.setdefault(name, value)
            return response
        except ApiError as exc:
            return exc.to_response()
        except (ValueError, render.PageError) as exc:
            return Response(422, {"error": f"Validation failed: {exc}"})

    def _authenticate(self, req: Request) -> str:
        header = req.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            raise error(401, "This method requires an authenticated user")
        token = header[len("Bearer ") :].strip()
        if "expired" in token.lower():
            raise error(401, INVALID_TOKEN)
        with self.store.lock:
            known = self.store.tokens.get(token)
            if known is not None:
                return known[0]
            training = TRAINING_TOKEN.match(token)
            if training:
                return self.store.ensure_org(training.group(1)).id
        raise error(401, INVALID_TOKEN)

    def _limit(self) -> int:
        return self.state.ratelimits.limit("masto_calls")

    def _headers(self, status: RateStatus) -> dict[str, str]:
        reset = datetime.fromtimestamp(status.reset, UTC)
        return {
            "X-RateLimit-Limit": str(status.limit),
            "X-RateLimit-Remaining": str(status.remaining),
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }

    def fault_response(self, kind: str, params: dict[str, Any], req: Request) -> Response | None:
        if kind in ("rate_limit", "rate_limit_no_reset"):
            headers: dict[str, str] = {}
            if kind == "rate_limit":
                reset = self.state.now() + timedelta(seconds=int(params.get("reset_in", 60)))
                headers = {
                    "X-RateLimit-Limit": str(self._limit()),
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                }
            return Response(429, {"error": "Too many requests"}, headers)
        if kind == "server_error":
            status = int(params.get("status", 500))
            return Response(status, {"error": "We're sorry, but something went wrong on our end."})
        if kind == "bad_gateway_html":
            return bad_gateway_html()
        if kind == "expired_token":
            return Response(401, {"error": INVALID_TOKEN})
        if kind == "permission":
            message = str(params.get("detail", "This action is not allowed"))
            return Response(403, {"error": message})
        return None

    def partial_errors(self, params: dict[str, Any], req: Request) -> list[dict[str, Any]]:
        return []  # Mastodon has no partial errors: a page is whole or an error

    # -- parameters ----------------------------------------------------------------

    def _params(self, req: Request) -> dict[str, list[str]]:
        """Query and body parameters, form-encoded or JSON, as lists (``types[]`` keys kept)."""
        values = {k: list(v) for k, v in req.query.items()}
        kind = req.headers.get("content-type", "")
        if req.body and "json" in kind:
            body = req.json_object()
            for key, value in body.items():
                items = value if isinstance(value, list) else [value]
                values[key] = ["" if v is None else str(v) for v in items]
        elif req.body:
            for key, items in parse_qs(req.body.decode("utf-8"), keep_blank_values=True).items():
                values[key] = items
        return values

    @staticmethod
    def _one(params: dict[str, list[str]], name: str, default: str = "") -> str:
        found = params.get(name) or params.get(f"{name}[]")
        return found[0] if found else default

    def _visible(self, viewer: str, status_id: str) -> MastoStatus:
        status = self.store.status(status_id)
        if status is None or not self.store.can_see(viewer, status):
            raise not_found()
        return status

    def _list(self, req: Request, rows, key, *, limit: int, most: int, to_json) -> Response:
        chosen, headers = render.page(req, rows, key, default_limit=limit, max_limit=most)
        return Response(200, [to_json(row) for row in chosen], headers)

    # -- reads ---------------------------------------------------------------------

    def verify_credentials(self, req: Request) -> Response:
        with self.store.lock:
            me = self.store.accounts[req.auth]
            return Response(200, render.account_json(me, self.store, source=True))

    def account(self, req: Request, account_id: str) -> Response:
        with self.store.lock:
            found = self.store.account(account_id)
            if found is None:
                raise not_found()
            return Response(200, render.account_json(found, self.store))

    def account_statuses(self, req: Request, account_id: str) -> Response:
        with self.store.lock:
            if self.store.account(account_id) is None:
                raise not_found()
            rows = [
                s for s in self.store.statuses_of(account_id) if self.store.can_see(req.auth, s)
            ]
            return self._list(
                req,
                rows,
                lambda s: s.id,
                limit=20,
                most=40,
                to_json=lambda s: render.status_json(s, self.store, req.auth),
            )

    def notifications(self, req: Request) -> Response:
        params = self._params(req)
        types = set(params.get("types[]") or params.get("types") or [])
        excluded = set(params.get("exclude_types[]") or params.get("exclude_types") or [])
        from_id = self._one(params, "account_id")
        with self.store.lock:
            rows = [
                n
                for n in self.store.notifications_of(req.auth)
                if (not types or n.type in types)
                and n.type not in excluded
                and (not from_id or n.from_id == from_id)
            ]
            return self._list(
                req,
                rows,
                lambda n: n.id,
                limit=40,
                most=80,
                to_json=lambda n: render.notification_json(n, self.store),
            )

    def conversations(self, req: Request) -> Response:
        me = req.auth
        with self.store.lock:
            rows = self.store.conversations_of(me)

            def to_json(row: tuple[str, list[str], MastoStatus]) -> dict[str, Any]:
                cid, others, last = row
                return {
                    "id": cid,
                    "unread": (me, cid) not in self.store.read_conversations
                    and last.account_id != me,
                    "accounts": [
                        render.account_json(self.store.accounts[o], self.store) for o in others
                    ],
                    "last_status": render.status_json(last, self.store, me),
                }

            return self._list(req, rows, lambda r: r[2].id, limit=20, most=40, to_json=to_json)

    def status(self, req: Request, status_id: str) -> Response:
        with self.store.lock:
            found = self._visible(req.auth, status_id)
            return Response(200, render.status_json(found, self.store, req.auth))

    def context(self, req: Request, status_id: str) -> Response:
        with self.store.lock:
            found = self._visible(req.auth, status_id)
            body = {
                part: [
                    render.status_json(s, self.store, req.auth)
                    for s in rows
                    if self.store.can_see(req.auth, s)
                ]
                for part, rows in (
                    ("ancestors", self.store.ancestors(found)),
                    ("descendants", self.store.descendants(found)),
                )
            }
            return Response(200, body)

    def instance_v2(self, req: Request) -> Response:
        with self.store.lock:
            return Response(200, render.instance_json(self.store, f"{req.base_url}/masto"))

    def instance_v1(self, req: Request) -> Response:
        with self.store.lock:
            v2 = render.instance_json(self.store, f"{req.base_url}/masto")
            return Response(
                200,
                {
                    "uri": v2["domain"],
                    "title": v2["title"],
                    "version": v2["version"],
                    "description": v2["description"],
                    "languages": v2["languages"],
                    "configuration": v2["configuration"],
                    "stats": {"user_count": len(self.store.accounts)},
                    "urls": v2["configuration"]["urls"],
                },
            )

    # -- writes --------------------------------------------------------------------

    def post_status(self, req: Request) -> Response:
        params = self._params(req)
        me = req.auth
        key = req.headers.get("idempotency-key", "")
        with self.store.lock:
            if key and (me, key) in self.store.idempotency:
                # Mastodon keeps a key for an hour and answers the first post again.
                earlier = self.store.statuses[self.store.idempotency[(me, key)]]
                return Response(200, render.status_json(earlier, self.store, me))
            text = self._one(params, "status")
            media_ids = [m for m in params.get("media_ids[]") or params.get("media_ids") or [] if m]
            uploads = masto_media.attachable(self.state, me, media_ids)
            if not text.strip() and not uploads:  # a picture alone is a status
                raise error(422, "Validation failed: Text can't be blank")
            if status_length(text) > self.store.max_characters:
                raise error(
                    422,
                    f"Validation failed: Text character limit of "
                    f"{self.store.max_characters} exceeded",
                )
            visibility = self._one(params, "visibility", "public")
            if visibility not in VISIBILITIES:
                raise error(422, "Validation failed: Visibility is not included in the list")
            parent_id = self._one(params, "in_reply_to_id")
            parent = self._visible(me, parent_id) if parent_id else None
            mentioned = [
                found.id
                for acct in render.MENTION.findall(text)
                if (found := self.store.by_acct(acct)) is not None
            ]
            status = self.store.add_status(
                account_id=me,
                text=text,
                visibility=visibility,
                in_reply_to=parent,
                mention_ids=mentioned,
                application="SocialDesk",
                media_keys=[u.blob.key for u in uploads],
            )
            for used in uploads:
                used.status_id = status.id
            if key:
                self.store.idempotency[(me, key)] = status.id
            media = masto_media.media_record(uploads)
            self.state.outbox.record(
                network="masto",
                kind="status",
                account_id=me,
                target=parent.id if parent else None,
                text=text,
                result_id=status.id,
                meta={
                    "visibility": visibility,
                    "mentions": mentioned,
                    **({"media": media} if media else {}),
                },
            )
            return Response(200, render.status_json(status, self.store, me))

    def media_upload(self, req: Request) -> Response:
        return masto_media.upload(self.state, req, req.auth)

    def media(self, req: Request, media_id: str) -> Response:
        return masto_media.show(self.state, req.auth, media_id)

    def favourite(self, req: Request, status_id: str) -> Response:
        me = req.auth
        undo = req.route_name == "unfavourite"
        with self.store.lock:
            found = self._visible(me, status_id)
            pair = (me, found.id)
            changed = (pair in self.store.favourites) == undo
            if undo:
                self.store.favourites.discard(pair)
            else:
                self.store.favourites.add(pair)
            if changed:  # favouriting twice is no new act, on Mastodon as here
                self.state.outbox.record(
                    network="masto", kind=req.route_name, account_id=me, target=found.id
                )
            return Response(200, render.status_json(found, self.store, me))

    def relationship_change(self, req: Request, account_id: str) -> Response:
        me, verb = req.auth, req.route_name
        params = self._params(req)
        with self.store.lock:
            if self.store.account(account_id) is None:
                raise not_found()
            pair = (me, account_id)
            if verb == "mute":
                hide = self._one(params, "notifications", "true").lower() not in ("0", "false")
                changed = self.store.mutes.get(pair) != hide
                self.store.mutes[pair] = hide
            elif verb == "unmute":
                changed = self.store.mutes.pop(pair, None) is not None
            elif verb == "block":
                changed = self.store.block(me, account_id)
            else:
                changed = pair in self.store.blocks
                self.store.blocks.discard(pair)
            if changed:
                self.state.outbox.record(
                    network="masto", kind=verb, account_id=me, target=account_id
                )
            return Response(200, render.relationship_json(self.store, me, account_id))

    # -- apps and OAuth --------------------------------------------------------------

    def create_app(self, req: Request) -> Response:
        params = self._params(req)
        name = self._one(params, "client_name")
        if not name:
            raise error(422, "Validation failed: Application name can't be blank")
        uris = [u for u in self._one(params, "redirect_uris").split() if u]
        if not uris:
            raise error(422, "Validation failed: Redirect URI can't be blank")
        app = MastoApp(
            client_id=secrets.token_urlsafe(32),
            client_secret=secrets.token_urlsafe(32),
            name=name,
            redirect_uris=uris,
            scopes=self._one(params, "scopes", "read") or "read",
            website=self._one(params, "website") or None,
            id=str(len(self.store.apps) + 1),
        )
        with self.store.lock:
            self.store.apps[app.client_id] = app
        return Response(
            200,
            {
                "id": app.id,
                "name": app.name,
                "website": app.website,
                "scopes": app.scopes.split(),
                "redirect_uri": "\n".join(app.redirect_uris),
                "redirect_uris": app.redirect_uris,
                "client_id": app.client_id,
                "client_secret": app.client_secret,
                "client_secret_expires_at": 0,
            },
        )

    def oauth_info(self, req: Request) -> Response:
        base = f"{req.base_url}/masto"
        return Response(
            200,
            {
                "issuer": f"{base}/",
                "authorization_endpoint": f"{base}/oauth/authorize",
                "token_endpoint": f"{base}/oauth/token",
                "revocation_endpoint": f"{base}/oauth/revoke",
                "app_registration_endpoint": f"{base}/api/v1/apps",
                "scopes_supported": ["read", "write", "follow", "push", "profile"],
                "response_types_supported": ["code"],
                "response_modes_supported": ["query", "fragment", "form_post"],
                "code_challenge_methods_supported": ["S256"],
                "grant_types_supported": ["authorization_code", "client_credentials"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
            },
        )

    def authorize(self, req: Request) -> Response:
        """The consent page, consenting at once as the instance's first org account
        (or ``account=<username>``); ``decision=deny`` refuses."""
        client_id, redirect_uri = req.arg("client_id", ""), req.arg("redirect_uri", "")
        with self.store.lock:
            app = self.store.apps.get(client_id or "")
            if app is None or redirect_uri not in app.redirect_uris:
                return _error_page(
                    INVALID_CLIENT if app is None else "The redirect uri is not valid."
                )
            scope = req.arg("scope") or "read"
            if not set(scope.split()) <= set(app.scopes.split()):
                return _redirect(redirect_uri, error="invalid_scope", state=req.arg("state"))
            if req.arg("decision") == "deny":
                return _redirect(
                    redirect_uri,
                    error="access_denied",
                    error_description="The resource owner or authorization server denied the request.",
                    state=req.arg("state"),
                )
            wanted = req.arg("account")
            account = self.store.by_acct(wanted) if wanted else next(iter(self.store.orgs()), None)
            if account is None:
                return _error_page("No account on this instance can sign in.")
            code = AuthCode(
                code=secrets.token_urlsafe(32),
                client_id=app.client_id,
                redirect_uri=redirect_uri,
                account_id=account.id,
                scope=scope,
                created_at=self.state.now(),
            )
            self.store.codes[code.code] = code
        return _redirect(redirect_uri, code=code.code, state=req.arg("state"))

    def token(self, req: Request) -> Response:
        params = self._params(req)
        client_id, secret = self._one(params, "client_id"), self._one(params, "client_secret")
        with self.store.lock:
            app = self.store.apps.get(client_id)
            if app is None or app.client_secret != secret:
                return Response(
                    401, {"error": "invalid_client", "error_description": INVALID_CLIENT}
                )
            if self._one(params, "grant_type") != "authorization_code":
                return Response(
                    400,
                    {
                        "error": "unsupported_grant_type",
                        "error_description": "The authorization grant type is not supported "
                        "by the authorization server.",
                    },
                )
            code = self.store.codes.get(self._one(params, "code"))
            if (
                code is None
                or code.used
                or code.client_id != app.client_id
                or code.redirect_uri != self._one(params, "redirect_uri")
                or self.state.now() - code.created_at > CODE_LIFETIME
            ):
                return Response(400, {"error": "invalid_grant", "error_description": INVALID_GRANT})
            code.used = True
            token = self.store.issue_token(code.account_id, code.scope)
            return Response(
                200,
                {
                    "access_token": token,
                    "token_type": "Bearer",
                    "scope": code.scope,
                    "created_at": int(self.state.now().timestamp()),
                },
            )

    def revoke(self, req: Request) -> Response:
        params = self._params(req)
        with self.store.lock:
            self.store.tokens.pop(self._one(params, "token"), None)
        return Response(200, {})


def _redirect(uri: str, **params: str | None) -> Response:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    joiner = "&" if urlsplit(uri).query else "?"
    return Response(302, "", {"Location": f"{uri}{joiner}{query}"}, content_type="")


def _error_page(message: str) -> Response:
    body = (
        "<!DOCTYPE html><html><head><title>Sandbox Social</title></head><body>"
        f"<h1>An error has occurred</h1><p>{message}</p></body></html>"
    )
    return Response(400, body, content_type="text/html; charset=utf-8")
