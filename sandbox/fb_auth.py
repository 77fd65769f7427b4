"""Who is calling the Graph API: a Page token, or a user token (OAuth flow).

facebook-sdk puts ``access_token`` in the query string for GET and DELETE and
in the form-encoded body for POST; nested parameters (``recipient``,
``message``) arrive as JSON strings inside the form, as Graph accepts them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from sandbox import fb_errors as errors
from sandbox.fb_store import default_page_token
from sandbox.multipart import form_parts
from sandbox.router import Request

if TYPE_CHECKING:
    from sandbox.state import SandboxState

_PAGE_TOKEN = re.compile(r"^sbx-page-(\d+)(?:-|$)")
_USER_TOKEN = re.compile(r"^sbx-user-")


@dataclass(frozen=True)
class FbAuth:
    kind: str  # "page" | "user"
    token: str
    page_id: str | None

    @property
    def caller(self) -> str:
        return self.page_id or f"user:{self.token[:32]}"


def params_of(req: Request) -> dict[str, str]:
    """Query and form-body parameters together (Graph reads both), first value each."""
    merged = {k: v[0] for k, v in req.query.items() if v}
    content_type = req.headers.get("content-type", "")
    if req.body and "json" in content_type:
        try:
            data = json.loads(req.body)
        except ValueError:
            raise errors.invalid_param("the request body is not valid JSON") from None
        if isinstance(data, dict):
            merged.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()})
    elif req.body and content_type.startswith("multipart/form-data"):
        # A file upload (``source``, ``filedata``): the other fields are text.
        merged.update(
            {
                k: v.decode("utf-8", "replace")
                for k, (v, ctype) in files_of(req).items()
                if not ctype
            }
        )
    elif req.body:
        form = parse_qs(req.body.decode("utf-8", "replace"), keep_blank_values=True)
        merged.update({k: v[0] for k, v in form.items() if v})
    return merged


def files_of(req: Request) -> dict[str, tuple[bytes, str]]:
    """A multipart body's parts by name: (bytes, content type), the content
    type "" for a plain field (a part with no filename)."""
    return form_parts(req)


def json_param(params: dict[str, str], name: str) -> dict[str, Any]:
    """A nested parameter sent as a JSON string (``recipient={"id":"…"}``)."""
    raw = params.get(name)
    if raw is None or raw == "":
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise errors.invalid_param(f"param {name} must be a JSON object") from None
    if not isinstance(value, dict):
        raise errors.invalid_param(f"param {name} must be a JSON object")
    return value


def token_of(req: Request) -> str:
    header = req.headers.get("authorization", "")
    if header.lower().startswith(("bearer ", "oauth ")):
        return header.split(None, 1)[1].strip()
    return params_of(req).get("access_token", "")


def authenticate(req: Request, state: SandboxState) -> FbAuth:
    """A Page token (registered, or `sbx-page-<id>…` in training mode) or a user
    token from the sandbox OAuth flow. Tokens containing "expired" get 190/463."""
    token = token_of(req)
    if not token:
        raise errors.token_required()
    if "expired" in token.lower():
        raise errors.expired_token()
    page = state.fb.page_for_token(token)
    if page is None:
        found = _PAGE_TOKEN.match(token)
        if found:
            page = state.fb.ensure_page(found.group(1))
            page.tokens.add(token)
    if page is not None:
        return FbAuth("page", token, page.id)
    if _USER_TOKEN.match(token):
        return FbAuth("user", token, None)
    raise errors.invalid_token()


def require_page(req: Request) -> str:
    auth: FbAuth = req.auth
    if auth.page_id is None:
        raise errors.permission(
            "(#200) This endpoint requires a Page access token "
            "(pages_manage_engagement, pages_messaging)",
            code=200,
        )
    return auth.page_id


def caller_of(req: Request) -> str:
    auth = req.auth
    return auth.caller if isinstance(auth, FbAuth) else "anon"


__all__ = [
    "FbAuth",
    "authenticate",
    "default_page_token",
    "files_of",
    "json_param",
    "params_of",
]
