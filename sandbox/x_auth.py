"""Who is calling the X API: OAuth 1.0a user context, OAuth 2.0 bearer.

Signatures are NOT checked (the sandbox has no secrets to check them with,
and tweepy signs over the real api.twitter.com URL anyway). What matters is
the account: for OAuth 1.0a it is the access token's text before the first
"-", which is exactly how tweepy itself works out "me".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

from sandbox.router import Request
from sandbox.x_errors import app_only_forbidden, unauthorized

if TYPE_CHECKING:
    from sandbox.state import SandboxState

_OAUTH_PARAM = re.compile(r'(\w+)="([^"]*)"')
_OAUTH1_TOKEN = re.compile(r"^(\d+)-")
# "sbx-user-<id>-..." bearer tokens stand for OAuth 2.0 PKCE *user* tokens.
_OAUTH2_USER = re.compile(r"^sbx-user-(\d+)(?:-|$)")


@dataclass(frozen=True)
class XAuth:
    kind: str  # "oauth1" | "oauth2_user" | "app"
    token: str
    account_id: str | None  # None for app-only

    @property
    def caller(self) -> str:
        """Rate-limit bucket: per account for user context, per token for app-only."""
        return self.account_id or f"app:{self.token[:32]}"


def authenticate(req: Request, state: SandboxState) -> XAuth:
    """Parse the Authorization header; registers unknown account ids (training mode)."""
    header = req.headers.get("authorization", "").strip()
    if header.startswith("OAuth "):
        params = {k: unquote(v) for k, v in _OAUTH_PARAM.findall(header)}
        token = params.get("oauth_token", "")
        found = _OAUTH1_TOKEN.match(token)
        if not params.get("oauth_consumer_key") or not found or "expired" in token.lower():
            raise unauthorized()
        auth = XAuth("oauth1", token, found.group(1))
    elif header.startswith("Bearer "):
        token = header[len("Bearer ") :].strip()
        if not token.startswith("sbx-") or "expired" in token.lower():
            raise unauthorized()
        user = _OAUTH2_USER.match(token)
        auth = XAuth("oauth2_user", token, user.group(1)) if user else XAuth("app", token, None)
    else:
        raise unauthorized()
    if auth.account_id is not None:
        state.x.ensure_account(auth.account_id)
    return auth


def require_user(req: Request) -> str:
    """The calling account's id; app-only tokens get X's 403 for user-context endpoints."""
    auth: XAuth = req.auth
    if auth.account_id is None:
        raise app_only_forbidden()
    return auth.account_id


def caller_of(req: Request) -> str:
    auth = req.auth
    return auth.caller if isinstance(auth, XAuth) else "anon"
