"""Graph API error bodies, in the shape Meta documents.

facebook-sdk never looks at the HTTP status: it reads the body whenever the
content type says JSON and raises GraphAPIError on an `error` key. So the
body carries everything (code, subcode, type); statuses follow Graph anyway.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sandbox.router import ApiError

WINDOW_MESSAGE = (
    "(#10) This message is sent outside of allowed window. Learn more about the new policy "
    "here: https://developers.facebook.com/docs/messenger-platform/policy-overview"
)
WINDOW_SUBCODE = 2018278


def error_body(
    code: int,
    message: str,
    *,
    type_: str = "OAuthException",
    subcode: int | None = None,
    transient: bool | None = None,
    user_title: str | None = None,
    user_msg: str | None = None,
) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": type_, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if transient is not None:
        error["is_transient"] = transient
    if user_title:
        error["error_user_title"] = user_title
    if user_msg:
        error["error_user_msg"] = user_msg
    error["fbtrace_id"] = "A" + hashlib.sha1(message.encode()).hexdigest()[:22]  # noqa: S324 (an id, not security)
    return {"error": error}


def graph_error(status: int, code: int, message: str, **kw: Any) -> ApiError:
    headers = kw.pop("headers", None)
    return ApiError(status, error_body(code, message, **kw), headers)


def token_required() -> ApiError:
    return graph_error(400, 104, "An access token is required to request this resource.")


def invalid_token() -> ApiError:
    return graph_error(
        400,
        190,
        "Invalid OAuth access token - Cannot parse access token",
        headers={
            "WWW-Authenticate": 'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token"'
        },
    )


def expired_token(moment: str = "Wednesday, 01-May-24 10:00:00 PDT") -> ApiError:
    return graph_error(
        400,
        190,
        f"Error validating access token: Session has expired on {moment}. "
        "The current time is later.",
        subcode=463,
        headers={
            "WWW-Authenticate": 'OAuth "Facebook Platform" "invalid_token" "Session has expired"'
        },
    )


def unsupported(method: str, node_id: str) -> ApiError:
    return graph_error(
        400,
        100,
        f"Unsupported {method.lower()} request. Object with ID '{node_id}' does not exist, cannot "
        "be loaded due to missing permissions, or does not support this operation. Please read "
        "the Graph API documentation at https://developers.facebook.com/docs/graph-api",
        type_="GraphMethodException",
        subcode=33,
    )


def unknown_path(path: str) -> ApiError:
    return graph_error(400, 2500, f"Unknown path components: {path}")


def invalid_param(message: str, *, subcode: int | None = None) -> ApiError:
    return graph_error(400, 100, f"(#100) {message}", subcode=subcode)


def permission(message: str = "(#200) Permissions error", code: int = 200) -> ApiError:
    return graph_error(403, code, message)


def outside_window() -> ApiError:
    return graph_error(400, 10, WINDOW_MESSAGE, subcode=WINDOW_SUBCODE)


def already_replied() -> ApiError:
    return graph_error(400, 10900, "Activity already replied to")


def rate_limited(code: int, message: str | None = None) -> dict[str, Any]:
    messages = {
        4: "(#4) Application request limit reached",
        17: "(#17) User request limit reached",
        32: "(#32) Page request limit reached",
        613: "(#613) Calls to this api have exceeded the rate limit.",
        80001: "(#80001) There have been too many calls to this Page account. Wait a bit and "
        "try again. For more info, please refer to "
        "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
    }
    return error_body(code, message or messages.get(code, "(#613) Rate limit"), transient=True)


def server_error(code: int = 2) -> dict[str, Any]:
    text = {
        1: "An unknown error occurred",
        2: "An unexpected error has occurred. Please retry your request later.",
    }.get(code, "An unexpected error has occurred. Please retry your request later.")
    return error_body(code, text, transient=True)
