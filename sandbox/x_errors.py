"""X API v2 error bodies, copied in shape from real responses.

tweepy builds exception messages from `errors[].message`, `error` or `detail`,
so each shape keeps the field X itself uses.
"""

from __future__ import annotations

from typing import Any

from sandbox.router import ApiError

PROBLEMS = "https://api.twitter.com/2/problems"
DUPLICATE_DETAIL = "You are not allowed to create a Tweet with duplicate content."


def problem(status: int, title: str, detail: str, type_: str = "about:blank") -> dict[str, Any]:
    return {"title": title, "type": type_, "status": status, "detail": detail}


def unauthorized() -> ApiError:
    return ApiError(401, problem(401, "Unauthorized", "Unauthorized"))


def forbidden(detail: str) -> ApiError:
    return ApiError(403, problem(403, "Forbidden", detail))


def duplicate_content() -> ApiError:
    return forbidden(DUPLICATE_DETAIL)


def too_many_requests() -> dict[str, Any]:
    return {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }


def server_error() -> dict[str, Any]:
    return problem(500, "Internal Server Error", "Something went wrong. Please try again later.")


def not_found_route() -> ApiError:
    return ApiError(404, problem(404, "Not Found", "Sorry, that page does not exist."))


def method_not_allowed(allowed: list[str]) -> ApiError:
    return ApiError(
        405,
        problem(405, "Method Not Allowed", f"Allowed methods: {', '.join(allowed)}"),
        {"Allow": ", ".join(allowed)},
    )


def app_only_forbidden() -> ApiError:
    return ApiError(
        403,
        problem(
            403,
            "Unsupported Authentication",
            "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  "
            "Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
            f"{PROBLEMS}/unsupported-authentication",
        ),
    )


def invalid_request(parameter: str, value: Any, message: str) -> ApiError:
    return ApiError(
        400,
        {
            "errors": [{"parameters": {parameter: [str(value)]}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": f"{PROBLEMS}/invalid-request",
        },
    )


def not_found_error(resource_type: str, parameter: str, value: str) -> dict[str, Any]:
    """One entry of a 200 response's `errors` array (X's partial error)."""
    return {
        "value": value,
        "detail": f"Could not find {resource_type} with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource_type,
        "parameter": parameter,
        "resource_id": value,
        "type": f"{PROBLEMS}/resource-not-found",
    }


def field_authorization_error(field: str, tweet_id: str) -> dict[str, Any]:
    return {
        "value": tweet_id,
        "detail": f"Sorry, you are not authorized to access '{field}' on the Tweet with ids: [{tweet_id}].",
        "title": "Field Authorization Error",
        "resource_type": "tweet",
        "parameter": "tweet.fields",
        "resource_id": tweet_id,
        "field": field,
        "section": "data",
        "type": f"{PROBLEMS}/not-authorized-for-field",
    }
