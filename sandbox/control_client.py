"""A thin JSON client for the sandbox's control API (/_sandbox/), used by the
app's tests and by anyone scripting a training session."""

from __future__ import annotations

from typing import Any

import requests


class Control:
    """Thin JSON client for /_sandbox/ (raises on HTTP errors unless told not to)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def call(
        self, method: str, path: str, body: Any = None, *, expect: int | None = None, **params: Any
    ) -> Any:
        response = self.session.request(
            method, self.base_url + path, json=body, params=params or None, timeout=10
        )
        if expect is not None:
            assert response.status_code == expect, response.text
        else:
            response.raise_for_status()
        return response.json()

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, **params)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("POST", path, body if body is not None else {}, **kw)

    def delete(self, path: str) -> Any:
        return self.call("DELETE", path)

    def inject(self, **spec: Any) -> list[dict[str, Any]]:
        return self.post("/_sandbox/x/inject", spec)["items"]

    def fault(self, **spec: Any) -> dict[str, Any]:
        return self.post("/_sandbox/faults", {"network": "x", **spec})["faults"][0]

    def outbox(self, **params: Any) -> list[dict[str, Any]]:
        return self.get("/_sandbox/outbox", **params)["items"]

    def limits(self, **changes: Any) -> dict[str, Any]:
        """Set rate limits (x_read, x_write, fb_calls, window_seconds) when given;
        the limits in force and the refusals counted so far either way."""
        if changes:
            return self.post("/_sandbox/limits", changes)
        return self.get("/_sandbox/limits")
