"""Shared pieces of the /fb sandbox tests: a Page and a real facebook-sdk client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import facebook
import pytest
import requests

from sandbox.control_client import Control
from sandbox.server import SandboxServer
from tests.sandbox.conftest import RewriteAdapter

PAGE = "104857600000"
TOKEN = "sbx-page-104857600000-test"
GRAPH = "https://graph.facebook.com"
JO = {"id": "6543210987654321", "name": "Jo Resident"}


@pytest.fixture(name="page")
def page_fixture(sandbox: SandboxServer, control: Control) -> dict[str, Any]:
    return control.post(
        "/_sandbox/fb/pages",
        {
            "id": PAGE,
            "name": "Riverside Council",
            "username": "RiversideCouncil",
            "followers_count": 20000,
            "access_token": TOKEN,
        },
    )["page"]


@pytest.fixture(name="make_graph")
def make_graph_fixture(sandbox: SandboxServer) -> Callable[..., facebook.GraphAPI]:
    def make(token: str | None = TOKEN) -> facebook.GraphAPI:
        session = requests.Session()
        session.mount(GRAPH, RewriteAdapter(GRAPH, sandbox.url + "/fb", 5))
        graph = facebook.GraphAPI(token, timeout=5, session=session)
        graph.version = "v21.0"  # the constructor rejects current versions
        return graph

    return make


@pytest.fixture(name="graph")
def graph_fixture(
    page: dict[str, Any], make_graph: Callable[..., facebook.GraphAPI]
) -> facebook.GraphAPI:
    return make_graph()


def inject(control: Control, **spec: Any) -> list[dict[str, Any]]:
    return control.post("/_sandbox/fb/inject", {"page_id": PAGE, **spec})["items"]


def post(control: Control, message: str = "Roadworks on Main St from Monday") -> str:
    return control.post("/_sandbox/fb/posts", {"page_id": PAGE, "message": message})["post"]["id"]
