"""An OpenID Connect provider under /oidc: discovery, JWKS, authorise (a
sign-in form), token, userinfo. The authorisation-code flow only, as the
identity providers councils use (Entra ID, Okta, Keycloak, Google) serve it
to a confidential web app: client secret by POST or Basic, optional PKCE.

Errors before the client and redirect URI are known are shown on the
provider's own page and never redirected (RFC 6749 4.1.2.1): a made-up
redirect URI must not receive anything.
"""

from __future__ import annotations

import base64
import html
import time
from typing import Any
from urllib.parse import parse_qs, urlencode

from sandbox.oidc_store import CODE_SECONDS, Grant, OidcClient, OidcStore, pkce_matches
from sandbox.router import ApiError, Request, Response, Router

HTML_TYPE = "text/html; charset=utf-8"
_AUTH_FIELDS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)


def _form(req: Request) -> dict[str, str]:
    parsed = parse_qs(req.body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items()}


def _page(status: int, title: str, body: str) -> Response:
    doc = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        # No icon: browsers would ask for /favicon.ico, which the sandbox lacks.
        '<link rel="icon" href="data:,">'
        f"<title>{html.escape(title)} - Sandbox identity provider</title></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
    return Response(status, doc, content_type=HTML_TYPE)


def _oauth_error(status: int, error: str, description: str) -> ApiError:
    return ApiError(status, {"error": error, "error_description": description})


class OidcNetwork:
    name = "oidc"
    prefix = "/oidc"

    def __init__(self, store: OidcStore) -> None:
        self.store = store
        r = self.router = Router()
        r.add("GET", r"/\.well-known/openid-configuration", self.discovery)
        r.add("GET", r"/jwks", self.jwks)
        r.add("GET", r"/authorize", self.authorize_form)
        r.add("POST", r"/authorize", self.authorize_submit)
        r.add("POST", r"/token", self.token)
        r.add("GET", r"/userinfo", self.userinfo)

    def handle(self, req: Request) -> Response:
        match = self.router.match(req.method, req.path)
        if match is None:
            return Response(404, {"error": "not_found"})
        try:
            return match.route.handler(req, **match.params)
        except ApiError as exc:
            return exc.to_response()

    def fault_response(self, kind: str, params: dict[str, Any], req: Request) -> Response | None:
        if kind in ("server_error", "unavailable"):
            return Response(503, {"error": "temporarily_unavailable"})
        return None

    def partial_errors(self, params: dict[str, Any], req: Request) -> list[dict[str, Any]]:
        return []

    # -- metadata ---------------------------------------------------------------

    @staticmethod
    def issuer(req: Request) -> str:
        return req.base_url + "/oidc"

    def discovery(self, req: Request) -> Response:
        iss = self.issuer(req)
        return Response(
            200,
            {
                "issuer": iss,
                "authorization_endpoint": f"{iss}/authorize",
                "token_endpoint": f"{iss}/token",
                "userinfo_endpoint": f"{iss}/userinfo",
                "jwks_uri": f"{iss}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile", "groups"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "client_secret_basic",
                ],
                "code_challenge_methods_supported": ["S256"],
                "claims_supported": ["sub", "email", "email_verified", "name", "groups"],
            },
        )

    def jwks(self, req: Request) -> Response:
        return Response(200, {"keys": [self.store.key.jwk()]})

    # -- the sign-in page -------------------------------------------------------

    def _checked_params(self, params: dict[str, str]) -> OidcClient | Response:
        client = self.store.clients.get(params.get("client_id", ""))
        if client is None:
            return _page(400, "Unknown application", "<p>No application has that client id.</p>")
        if not client.allows_redirect(params.get("redirect_uri", "")):
            return _page(400, "Wrong redirect address", "<p>That address is not registered.</p>")
        return client

    def _redirect_error(self, params: dict[str, str], error: str) -> Response:
        query = {"error": error, "state": params.get("state", "")}
        return Response(302, "", {"Location": f"{params['redirect_uri']}?{urlencode(query)}"})

    def authorize_form(self, req: Request) -> Response:
        params = {k: req.arg(k) or "" for k in _AUTH_FIELDS}
        checked = self._checked_params(params)
        if isinstance(checked, Response):
            return checked
        if params["response_type"] != "code":
            return self._redirect_error(params, "unsupported_response_type")
        if "openid" not in params["scope"].split():
            return self._redirect_error(params, "invalid_scope")
        return self._sign_in_page(200, params, error="")

    def _sign_in_page(self, status: int, params: dict[str, str], *, error: str) -> Response:
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in params.items()
        )
        message = f'<p role="alert">{html.escape(error)}</p>' if error else ""
        body = (
            f"<p>Application: {html.escape(params['client_id'])}</p>{message}"
            '<form method="post" action="authorize">'
            f"{hidden}"
            '<p><label for="username">Username</label> '
            '<input id="username" name="username" autocomplete="username"></p>'
            '<p><label for="password">Password</label> '
            '<input id="password" name="password" type="password"'
            ' autocomplete="current-password"></p>'
            '<p><button type="submit">Sign in</button></p></form>'
        )
        return _page(status, "Sign in", body)

    def authorize_submit(self, req: Request) -> Response:
        form = _form(req)
        params = {k: form.get(k, "") for k in _AUTH_FIELDS}
        checked = self._checked_params(params)
        if isinstance(checked, Response):
            return checked
        person = self.store.person_check(form.get("username", ""), form.get("password", ""))
        if person is None:
            return self._sign_in_page(401, params, error="Wrong username or password.")
        code = self.store.grant_issue(
            Grant(
                client_id=checked.client_id,
                redirect_uri=params["redirect_uri"],
                person=person,
                nonce=params["nonce"] or None,
                code_challenge=params["code_challenge"] or None,
                expires_at=time.time() + CODE_SECONDS,
            )
        )
        query = {"code": code, "state": params["state"]}
        return Response(302, "", {"Location": f"{params['redirect_uri']}?{urlencode(query)}"})

    # -- back channel -----------------------------------------------------------

    def _client_auth(self, req: Request, form: dict[str, str]) -> OidcClient:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        header = req.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            decoded = base64.b64decode(header[6:]).decode("utf-8", "replace")
            client_id, _, secret = decoded.partition(":")
        client = self.store.clients.get(client_id)
        if client is None or not secret or client.secret != secret:
            raise _oauth_error(401, "invalid_client", "client authentication failed")
        return client

    def token(self, req: Request) -> Response:
        form = _form(req)
        client = self._client_auth(req, form)
        if form.get("grant_type") != "authorization_code":
            raise _oauth_error(400, "unsupported_grant_type", "only authorization_code")
        grant = self.store.grant_take(form.get("code", ""))
        if grant is None:
            raise _oauth_error(400, "invalid_grant", "unknown, used or expired code")
        if grant.client_id != client.client_id:
            raise _oauth_error(400, "invalid_grant", "the code was issued to another client")
        if grant.redirect_uri != form.get("redirect_uri"):
            raise _oauth_error(400, "invalid_grant", "redirect_uri differs from the request")
        if grant.code_challenge and not pkce_matches(
            grant.code_challenge, form.get("code_verifier", "")
        ):
            raise _oauth_error(400, "invalid_grant", "PKCE verification failed")
        tokens = self.store.tokens_issue(issuer=self.issuer(req), grant=grant)
        return Response(200, tokens, {"Cache-Control": "no-store"})

    def userinfo(self, req: Request) -> Response:
        header = req.headers.get("authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else ""
        claims = self.store.userinfo(token)
        if claims is None:
            raise ApiError(
                401,
                {"error": "invalid_token"},
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return Response(200, claims)
