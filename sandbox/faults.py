"""Fault rules: queued, matched in order, each match uses up one of its `times`.

A rule is ``{network, method, path, times, kind, params, probability}``.
The path is a regex searched in the path after the network prefix
(e.g. ``/2/users/999/mentions``). Kinds fall in four groups, by where they act:

* short-circuit (answer instead of the handler): rate_limit, rate_limit_no_reset,
  server_error, bad_gateway_html, expired_token, permission, duplicate_post,
  outside_window;
  the network module renders these in its own error dialect;
* delay: hang (sleep, then answer normally);
* shaping (the handler cooperates through ``request.fault``): duplicate_page,
  out_of_order;
* post-processing (the handler runs, then the answer is spoiled):
  malformed_json, partial_errors, after_write_error, no_content_type, extra_items. The write is
  performed in these cases, which is the whole point of after_write_error ("unknown outcome").
  extra_items mixes ``params.items`` (any JSON values: null, wrong types, items missing
  fields) into the page's ``data`` list (or the list named by ``params.key``), each at its index in ``params.at`` (default: the end),
  as a buggy client or network would relay them.
"""

from __future__ import annotations

import json
import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from sandbox.router import Response

SHORT_CIRCUIT_KINDS = frozenset(
    {
        "rate_limit",
        "rate_limit_no_reset",
        "server_error",
        "bad_gateway_html",
        "expired_token",
        "permission",
        "duplicate_post",
        "outside_window",  # Facebook: Messenger's 24-hour window (code 10 / 2018278)
    }
)
SHAPING_KINDS = frozenset({"duplicate_page", "out_of_order"})
POST_KINDS = frozenset(
    # no_content_type: the answer has no Content-Type header (facebook-sdk then fails with KeyError)
    {"malformed_json", "partial_errors", "after_write_error", "no_content_type", "extra_items"}
)
ALL_KINDS = SHORT_CIRCUIT_KINDS | SHAPING_KINDS | POST_KINDS | {"hang"}


class FaultSpecError(ValueError):
    """The control API was given a rule it cannot use."""


@dataclass
class FaultRule:
    id: int
    network: str
    method: str | None  # None matches any method
    path: str
    kind: str
    times: int | None  # None: never used up
    params: dict[str, Any] = field(default_factory=dict)
    probability: float = 1.0
    skip: int = 0  # let this many matching requests through first (e.g. fail page 2)
    hits: int = 0

    def __post_init__(self) -> None:
        self._regex = re.compile(self.path)

    def matches(self, network: str, method: str, path: str) -> bool:
        if network != self.network:
            return False
        if self.method is not None and self.method != method.upper():
            return False
        return self._regex.search(path) is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "network": self.network,
            "method": self.method,
            "path": self.path,
            "kind": self.kind,
            "times": self.times,
            "params": self.params,
            "probability": self.probability,
            "skip": self.skip,
            "hits": self.hits,
        }


class FaultBook:
    """The queue of fault rules (shares the state lock)."""

    def __init__(self, lock: threading.RLock, rng: random.Random | None = None) -> None:
        self._lock = lock
        self._rng = rng or random.Random(0)
        self._rules: list[FaultRule] = []
        self._next_id = 1

    def add(self, spec: dict[str, Any]) -> FaultRule:
        rule = _rule_from_spec(spec, self._next_id)
        with self._lock:
            self._next_id += 1
            self._rules.append(rule)
        return rule

    def take(self, network: str, method: str, path: str) -> FaultRule | None:
        """The first rule matching this request, with one use consumed; None if none fires."""
        with self._lock:
            for rule in self._rules:
                if not rule.matches(network, method, path):
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                    continue
                rule.hits += 1
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self._rules.remove(rule)
                return rule
            return None

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.to_dict() for rule in self._rules]

    def clear(self) -> int:
        with self._lock:
            count = len(self._rules)
            self._rules.clear()
            return count


def _rule_from_spec(spec: dict[str, Any], rule_id: int) -> FaultRule:
    if not isinstance(spec, dict):
        raise FaultSpecError("a fault rule must be a JSON object")
    kind = spec.get("kind")
    if kind not in ALL_KINDS:
        raise FaultSpecError(f"unknown fault kind {kind!r}; expected one of {sorted(ALL_KINDS)}")
    method = spec.get("method")
    method = None if method in (None, "", "*") else str(method).upper()
    path = str(spec.get("path") or ".*")
    try:
        re.compile(path)
    except re.error as exc:
        raise FaultSpecError(f"bad path regex {path!r}: {exc}") from exc
    times = spec.get("times", 1)
    # null or a negative number means "every matching request until cleared".
    if times is None or (isinstance(times, int) and times < 0):
        times = None
    elif not isinstance(times, int) or times == 0:
        raise FaultSpecError("times must be a positive integer, -1 or null")
    params = spec.get("params") or {}
    if not isinstance(params, dict):
        raise FaultSpecError("params must be an object")
    probability = float(spec.get("probability", 1.0))
    return FaultRule(
        id=rule_id,
        network=str(spec.get("network") or "x"),
        method=method,
        path=path,
        kind=kind,
        times=times,
        params=params,
        probability=probability,
        skip=max(0, int(spec.get("skip") or 0)),
    )


BAD_GATEWAY_HTML = """<!DOCTYPE html>
<html><head><title>502 Bad Gateway</title></head>
<body><center><h1>502 Bad Gateway</h1></center>
<hr><center>sandbox-edge</center></body></html>
"""


def bad_gateway_html() -> Response:
    # An upstream proxy page, not the API's JSON: clients must not assume JSON errors.
    return Response(502, BAD_GATEWAY_HTML, content_type="text/html; charset=utf-8")


def truncate_json(response: Response) -> Response:
    """The correct body cut in half, still labelled application/json (a dropped connection)."""
    raw = response.encoded()
    cut = raw[: max(1, len(raw) // 2)]
    try:
        json.loads(cut)
        cut = cut + b"{"  # make sure it never parses by accident (e.g. "{}" -> "{")
    except ValueError:
        pass
    return Response(response.status, cut, response.headers, response.content_type)


def without_content_type(response: Response) -> Response:
    """The same answer with no Content-Type header at all (the server sends none for "")."""
    return Response(response.status, response.encoded(), response.headers, content_type="")


def add_errors(response: Response, errors: list[dict[str, Any]]) -> Response:
    """Append partial errors to a 2xx JSON object body (X's "200 with errors")."""
    if not response.ok or not isinstance(response.body, dict):
        return response
    body = dict(response.body)
    body["errors"] = [*body.get("errors", []), *errors]
    return Response(response.status, body, response.headers, response.content_type)


def add_items(response: Response, params: dict[str, Any]) -> Response:
    """The page with ``params.items`` inserted into its ``data`` list (or the
    list ``params.key`` names, or the body itself when the page is a bare JSON
    list, as Mastodon's are)."""
    body = response.body
    if not response.ok or not isinstance(body, dict | list):
        return response
    extra = params.get("items") or []
    at = params.get("at") or []
    key = str(params.get("key") or "data")  # Bluesky lists are "notifications", "messages"...
    data = list(body if isinstance(body, list) else body.get(key) or [])
    for index, value in enumerate(extra):
        where = at[index] if index < len(at) and isinstance(at[index], int) else len(data)
        data.insert(max(0, min(where, len(data))), value)
    shaped: Any = data if isinstance(body, list) else {**body, key: data}
    return Response(response.status, shaped, response.headers, response.content_type)
