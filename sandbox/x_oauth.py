"""X's OAuth 1.0a three-legged flow ("Sign in with X"), under /x/oauth.

    POST /oauth/request_token   consumer key + oauth_callback -> a request token
    GET  /oauth/authorize       the person consents (also /oauth/authenticate)
         -> <callback>?oauth_token=<request token>&oauth_verifier=<verifier>
         -> <callback>?denied=<request token>               (they cancelled)
    POST /oauth/access_token    request token + verifier, once -> the account's tokens

tweepy's ``OAuth1UserHandler`` calls https://api.twitter.com/oauth/...; the
app's rewriting adapter brings those calls here, and the browser is sent to
``<sandbox>/x/oauth/authorize``. As everywhere in the sandbox, signatures are
not checked; what is checked is what makes the flow mean something: a consumer
key, a callback, and a request token that must be consented to and is then
exchanged once, by the app that asked for it, with the verifier it was given.

Consent works like the Facebook dialog: the sandbox consents at once, as the
first sandbox org account (or ``screen_name=``), and redirects back. Add
``force_login=true`` to see a consent page (Authorize / Cancel) instead;
``decision=deny`` is the cancel path. The access token issued is
``<account id>-<random>``, which the ``/x/2`` endpoints accept as that account.
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from sandbox.router import Request, Response

if TYPE_CHECKING:
    from sandbox.state import SandboxState
    from sandbox.x_models import XUser

ROUTE_NAMES = frozenset(
    {"oauth_request_token", "oauth_authorize", "oauth_authenticate", "oauth_access_token"}
)
REQUEST_TOKEN_TTL = 15 * 60  # seconds of sandbox time; X's are short-lived too
MAX_PENDING = 1000  # oldest request tokens are forgotten past this (a long demo never grows)
DEFAULT_ACCOUNT_ID = "999"
# X answers the token endpoints with a form-encoded body labelled text/html.
FORM_TYPE = "text/html; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
_OAUTH_PARAM = re.compile(r'(\w+)="([^"]*)"')


@dataclass
class PendingToken:
    """A request token between request_token and access_token."""

    token: str
    secret: str
    consumer_key: str
    callback: str  # an http(s) URL, or "oob" (the PIN flow)
    issued_at: int  # sandbox epoch seconds
    verifier: str | None = None  # set once the person consents
    account_id: str | None = None


class XOAuth:
    """The flow's handlers and its pending request tokens (under the state lock)."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.pending: dict[str, PendingToken] = {}

    def add_routes(self, add: Callable[..., None]) -> None:
        """Register on the X router (``add`` is ``Router.add``)."""
        add("POST", r"/oauth/request_token", self.request_token, "oauth_request_token")
        add("GET", r"/oauth/authorize", self.authorize, "oauth_authorize")
        add("GET", r"/oauth/authenticate", self.authorize, "oauth_authenticate")
        add("POST", r"/oauth/access_token", self.access_token, "oauth_access_token")

    # -- step 1: the app asks for a request token --------------------------------------

    def request_token(self, state: SandboxState, req: Request) -> Response:
        params = oauth_params(req)
        if not params.get("oauth_consumer_key"):
            return could_not_authenticate()
        callback = params.get("oauth_callback", "")
        if not callback:
            return could_not_authenticate()
        if callback != "oob" and urlsplit(callback).scheme not in ("http", "https"):
            return callback_not_approved()
        pending = PendingToken(
            token=secrets.token_urlsafe(24),
            secret=secrets.token_urlsafe(24),
            consumer_key=params["oauth_consumer_key"],
            callback=callback,
            issued_at=state.clock.epoch(),
        )
        with state.lock:
            self._forget_stale()
            self.pending[pending.token] = pending
        body = urlencode(
            {
                "oauth_token": pending.token,
                "oauth_token_secret": pending.secret,
                "oauth_callback_confirmed": "true",
            }
        )
        return Response(200, body, content_type=FORM_TYPE)

    # -- step 2: the person consents (or not) in their browser -------------------------

    def authorize(self, state: SandboxState, req: Request) -> Response:
        token = req.arg("oauth_token") or ""
        with state.lock:
            pending = self._live(token)
            if pending is None or pending.verifier is not None:
                return invalid_token_page()
            decision = req.arg("decision") or ""
            if decision == "deny":
                # X forgets a refused request token: it can never be exchanged.
                del self.pending[token]
                return _back(pending.callback, {"denied": token}, "You did not authorize the app.")
            account = self._account(req.arg("screen_name"))
            if account is None:
                return _page(404, "No such account", "<p>No sandbox X account has that name.</p>")
            if decision != "allow" and (req.arg("force_login") or "").lower() in ("true", "1"):
                return consent_page(token, account, state.x.accounts())
            pending.verifier = secrets.token_urlsafe(24)
            pending.account_id = account.id
            query = {"oauth_token": token, "oauth_verifier": pending.verifier}
        if pending.callback == "oob":
            return pin_page(pending.verifier)
        return _back(pending.callback, query, "Redirecting you back to the application.")

    def _account(self, screen_name: str | None) -> XUser | None:
        if screen_name:
            found = self.state.x.user_by_username(screen_name)
            return found if found is not None and found.is_org else None
        accounts = self.state.x.accounts()
        return accounts[0] if accounts else self.state.x.ensure_account(DEFAULT_ACCOUNT_ID)

    # -- step 3: the app exchanges the verifier, once ---------------------------------

    def access_token(self, state: SandboxState, req: Request) -> Response:
        params = oauth_params(req)
        if not params.get("oauth_consumer_key"):
            return could_not_authenticate()
        token = params.get("oauth_token", "")
        verifier = params.get("oauth_verifier", "")
        with state.lock:
            pending = self._live(token)
            if (
                pending is None
                or pending.verifier is None
                or pending.consumer_key != params["oauth_consumer_key"]
            ):
                return Response(401, "Invalid request token.", content_type=TEXT_TYPE)
            # One attempt per request token, right or wrong: a verifier cannot be guessed
            # by retrying, and a used one cannot be replayed.
            del self.pending[token]
            if not secrets.compare_digest(pending.verifier, verifier):
                return Response(
                    401,
                    "Error processing your OAuth request: Invalid oauth_verifier parameter",
                    content_type=TEXT_TYPE,
                )
            account = state.x.ensure_account(str(pending.account_id))
        body = urlencode(
            {
                "oauth_token": f"{account.id}-{secrets.token_hex(20)}",
                "oauth_token_secret": secrets.token_hex(22),
                "user_id": account.id,
                "screen_name": account.username,
            }
        )
        return Response(200, body, content_type=FORM_TYPE)

    # -- bookkeeping ----------------------------------------------------------------------

    def _live(self, token: str) -> PendingToken | None:
        """The pending request token, unless unknown or expired. Call under the lock."""
        pending = self.pending.get(token) if token else None
        if pending is None:
            return None
        if self.state.clock.epoch() - pending.issued_at > REQUEST_TOKEN_TTL:
            del self.pending[token]
            return None
        return pending

    def _forget_stale(self) -> None:
        now = self.state.clock.epoch()
        for token in [t for t, p in self.pending.items() if now - p.issued_at > REQUEST_TOKEN_TTL]:
            del self.pending[token]
        while len(self.pending) >= MAX_PENDING:
            del self.pending[next(iter(self.pending))]


def oauth_params(req: Request) -> dict[str, str]:
    """OAuth parameters from the Authorization header, the query and a form body
    (X accepts them in any of the three; requests-oauthlib uses the header)."""
    merged = {k: v[0] for k, v in req.query.items() if v}
    content_type = req.headers.get("content-type", "")
    if req.body and "application/x-www-form-urlencoded" in content_type:
        form = parse_qs(req.body.decode("utf-8", "replace"), keep_blank_values=True)
        merged.update({k: v[0] for k, v in form.items() if v})
    header = req.headers.get("authorization", "").strip()
    if header.startswith("OAuth "):
        merged.update({k: unquote(v) for k, v in _OAUTH_PARAM.findall(header)})
    return merged


# -- what X answers ------------------------------------------------------------------------


def could_not_authenticate() -> Response:
    return Response(401, {"errors": [{"code": 32, "message": "Could not authenticate you."}]})


def callback_not_approved() -> Response:
    message = (
        "Callback URL not approved for this client application. "
        "Approved callback URLs can be adjusted in your application settings"
    )
    return Response(403, {"errors": [{"code": 415, "message": message}]})


def _back(callback: str, query: dict[str, str], text: str) -> Response:
    if callback == "oob":
        return _page(200, "Authorization", f"<p>{html.escape(text)}</p>")
    separator = "&" if urlsplit(callback).query else "?"
    location = f"{callback}{separator}{urlencode(query)}"
    link = f'<p>{html.escape(text)} <a href="{html.escape(location)}">Continue</a></p>'
    page = _page(302, "Redirecting", link)
    page.headers["Location"] = location
    return page


def _page(status: int, title: str, body_html: str) -> Response:
    """A small, accessible HTML page; every value in ``body_html`` is already escaped."""
    document = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} / X (sandbox)</title></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{body_html}</main></body></html>\n"
    )
    return Response(status, document, content_type=HTML_TYPE)


def invalid_token_page() -> Response:
    return _page(
        403,
        "Whoa there!",
        "<p>The request token for this page is invalid. It may have already been used, "
        "or expired because it is too old. Please go back to the site or application that "
        "sent you here and try again; it was probably just a mistake.</p>",
    )


def pin_page(verifier: str) -> Response:
    return _page(
        200,
        "You've granted access",
        "<p>Next, return to the application and enter this PIN to complete the "
        f"authorization process:</p><p><strong><code>{html.escape(verifier)}</code></strong></p>",
    )


def consent_page(token: str, chosen: XUser, accounts: list[XUser]) -> Response:
    """Authorize / Cancel, with a choice of sandbox account (a GET form back to us)."""
    choices = "".join(
        f'<div><input type="radio" name="screen_name" id="acct-{html.escape(a.id)}" '
        f'value="{html.escape(a.username)}"{" checked" if a.id == chosen.id else ""}>'
        f' <label for="acct-{html.escape(a.id)}">@{html.escape(a.username)} '
        f"({html.escape(a.name)})</label></div>"
        for a in accounts or [chosen]
    )
    body = (
        "<p>An application wants to read and write posts, mentions and Direct Messages "
        "for one of your accounts.</p>"
        '<form method="get">'
        f'<input type="hidden" name="oauth_token" value="{html.escape(token)}">'
        f"<fieldset><legend>Sign in as</legend>{choices}</fieldset>"
        '<p><button type="submit" name="decision" value="allow">Authorize app</button> '
        '<button type="submit" name="decision" value="deny">Cancel</button></p></form>'
    )
    return _page(200, "Authorize the application to use your account?", body)


__all__ = ["ROUTE_NAMES", "XOAuth", "oauth_params"]
