"""Tiny request/response types and a (method, regex) -> handler router.

Each network module (x_api, later fb_api) owns one Router for the paths after
its prefix, so adding a network means adding a module, not editing a switch.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JSON_TYPE = "application/json; charset=utf-8"


class BodyError(ValueError):
    """The request body is not the JSON object the endpoint needs."""


@dataclass
class Request:
    method: str
    path: str  # path after the network prefix, e.g. "/2/users/me"
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    base_url: str  # "http://127.0.0.1:8088", as the client reached us
    client: str = ""  # the peer's IP address
    # Filled in by the network before dispatch: who is calling, which fault rule applies.
    auth: Any = None
    fault: Any = None
    route_name: str = ""
    # The Instagram account a Graph call acts on (its usage header names it).
    ig_account: str | None = None

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        if not self.body:
            return {}
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise BodyError(f"invalid JSON body: {exc}") from exc

    def json_object(self) -> dict[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise BodyError("the body must be a JSON object")
        return data


@dataclass
class Response:
    status: int = 200
    body: Any = None  # dict/list -> JSON; str/bytes sent as is
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON_TYPE

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class ApiError(Exception):
    """Raised by handlers to answer with a given status and body."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body!r}")
        self.status = status
        self.body = body
        self.headers = headers or {}

    def to_response(self) -> Response:
        return Response(self.status, self.body, dict(self.headers))


Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    name: str


@dataclass(frozen=True)
class Match:
    route: Route
    params: dict[str, str]


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, pattern: str, handler: Handler, name: str | None = None) -> None:
        """Register a handler; `pattern` must match the whole path (named groups become kwargs)."""
        self.routes.append(
            Route(method.upper(), re.compile(pattern), handler, name or f"{method} {pattern}")
        )

    def match(self, method: str, path: str) -> Match | None:
        for route in self.routes:
            found = route.pattern.fullmatch(path)
            if found and route.method == method.upper():
                return Match(route, found.groupdict())
        return None

    def allowed_methods(self, path: str) -> list[str]:
        """Methods that would match `path`: lets the caller tell 405 from 404."""
        return sorted({r.method for r in self.routes if r.pattern.fullmatch(path)})
