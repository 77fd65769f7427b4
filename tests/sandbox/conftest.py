"""Fixtures for the sandbox network tests: a live server and real tweepy clients.

These tests need no Django (run them with `-p no:django`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import tweepy

from sandbox.control_client import Control
from sandbox.server import SandboxServer

X_HOSTS = ("https://api.twitter.com", "https://api.x.com")


class RewriteAdapter(requests.adapters.HTTPAdapter):
    """What the app mounts on tweepy's session: real X host -> sandbox, plus a default timeout."""

    def __init__(self, real: str, sandbox: str, timeout: float = 10) -> None:
        super().__init__()
        self.real, self.sbx, self.t = real, sandbox, timeout

    def send(self, request: requests.PreparedRequest, **kw: Any) -> requests.Response:
        if request.url.startswith(self.real):
            request.url = self.sbx + request.url[len(self.real) :]
        kw["timeout"] = kw.get("timeout") or self.t
        return super().send(request, **kw)


def point_at_sandbox(session: requests.Session, sandbox_url: str, timeout: float = 10) -> None:
    for real in X_HOSTS:
        session.mount(real, RewriteAdapter(real, sandbox_url + "/x", timeout))


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    server = SandboxServer(port=0, seed=7).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> SandboxServer:
    """The shared server, emptied before each test (accounts, items, outbox, faults, clock)."""
    sandbox_server.state.reset()
    sandbox_server.state.x.add_user(
        id="999",
        username="council_help",
        name="Riverside Council",
        followers_count=18_400,
        is_org=True,
    )
    return sandbox_server


@pytest.fixture
def control(sandbox: SandboxServer) -> Control:
    return Control(sandbox.url)


@pytest.fixture
def council(control: Control) -> dict[str, Any]:
    """The seeded 'council' scenario on top of the fresh state."""
    return control.post("/_sandbox/seed", {"scenario": "council"})


@pytest.fixture
def make_client(sandbox: SandboxServer) -> Callable[..., tweepy.Client]:
    def make(
        access_token: str | None = "999-sbx",
        *,
        bearer_token: str | None = "sbx-app-bearer",
        timeout: float = 10,
        **kw: Any,
    ) -> tweepy.Client:
        client = tweepy.Client(
            bearer_token=bearer_token,
            consumer_key="sandbox-consumer-key" if access_token else None,
            consumer_secret="sandbox-consumer-secret" if access_token else None,
            access_token=access_token,
            access_token_secret="sandbox-token-secret" if access_token else None,
            **kw,
        )
        point_at_sandbox(client.session, sandbox.url, timeout)
        return client

    return make


@pytest.fixture
def client(make_client: Callable[..., tweepy.Client]) -> tweepy.Client:
    """A real tweepy client for @council_help (id 999): OAuth 1.0a user context for
    writes and DMs, an app-only bearer for plain reads (tweepy's defaults)."""
    return make_client()
