"""The sandbox application: routes each request to a network or the control API.

Networks are pluggable: each is an object with a `name`, a URL `prefix` and
the three methods of `Network` below. The fault rules are applied here, the
same way for every network; only the error bodies are network-specific.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from sandbox import __version__
from sandbox.bsky_api import BskyNetwork
from sandbox.faults import (
    POST_KINDS,
    SHORT_CIRCUIT_KINDS,
    add_errors,
    add_items,
    truncate_json,
    without_content_type,
)
from sandbox.fb_api import FbNetwork
from sandbox.fb_webhooks import DEFAULT_APP_SECRET
from sandbox.masto_api import MastoNetwork
from sandbox.media import CdnNetwork
from sandbox.oidc_api import OidcNetwork
from sandbox.router import Request, Response
from sandbox.state import SandboxState
from sandbox.x_api import XNetwork

DEFAULT_WEBHOOK_SECRET = "sandbox-consumer-secret"


class Network(Protocol):
    name: str
    prefix: str

    def handle(self, req: Request) -> Response: ...

    def fault_response(
        self, kind: str, params: dict[str, Any], req: Request
    ) -> Response | None: ...

    def partial_errors(self, params: dict[str, Any], req: Request) -> list[dict[str, Any]]: ...


class SandboxApp:
    def __init__(
        self,
        state: SandboxState,
        *,
        webhook_url: str | None = None,
        webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
        allow_remote_control: bool = False,
        fb_webhook_url: str | None = None,
        fb_app_secret: str = DEFAULT_APP_SECRET,
    ) -> None:
        from sandbox.control import ControlApi  # control imports app types; avoid a cycle

        self.state = state
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        state.x.consumer_secret = webhook_secret  # X's CRC on webhook registration
        self.allow_remote_control = allow_remote_control
        # Facebook webhooks go to their own endpoint, signed with the app secret.
        self.fb_webhook_url = fb_webhook_url
        self.fb_app_secret = fb_app_secret
        # Set on shutdown: wakes "hang" faults so the server stops promptly.
        self.stopping = threading.Event()
        self.networks: list[Network] = [
            XNetwork(state),
            FbNetwork(state),
            MastoNetwork(state),
            OidcNetwork(state.oidc),
            CdnNetwork(state),
            BskyNetwork(state),
        ]
        self.control = ControlApi(self)

    def network(self, name: str) -> Network | None:
        return next((n for n in self.networks if n.name == name), None)

    def dispatch(self, req: Request) -> Response | None:
        """Answer one request; None means "close the connection without answering"."""
        path = req.path
        if path == "/_sandbox" or path.startswith("/_sandbox/"):
            return self.control.handle(req)
        for net in self.networks:
            if path == net.prefix or path.startswith(net.prefix + "/"):
                req.path = path[len(net.prefix) :] or "/"
                return self._network_request(net, req)
        if path == "/":
            return Response(200, self.index())
        return Response(
            404,
            {"error": f"no network serves {path}", "networks": [n.prefix for n in self.networks]},
        )

    def index(self) -> dict[str, Any]:
        return {
            "sandbox": "SocialDesk sandbox network",
            "version": __version__,
            "networks": {n.name: n.prefix for n in self.networks},
            "control": "/_sandbox/",
        }

    def _network_request(self, net: Network, req: Request) -> Response | None:
        rule = self.state.faults.take(net.name, req.method, req.path)
        req.fault = rule
        if rule is not None:
            if rule.kind == "hang":
                # Sleep without holding any lock; the threaded server keeps serving others.
                if self.stopping.wait(float(rule.params.get("seconds", 30))):
                    return None
            elif rule.kind in SHORT_CIRCUIT_KINDS:
                answer = net.fault_response(rule.kind, rule.params, req)
                if answer is not None:
                    return answer
        response = net.handle(req)
        if rule is not None and rule.kind in POST_KINDS:
            response = self._spoil(net, rule.kind, rule.params, req, response)
        return response

    def _spoil(
        self, net: Network, kind: str, params: dict[str, Any], req: Request, response: Response
    ) -> Response:
        if not response.ok:
            return response  # the request failed on its own; nothing to spoil
        if kind == "malformed_json":
            return truncate_json(response)
        if kind == "partial_errors":
            return add_errors(response, net.partial_errors(params, req))
        if kind == "no_content_type":
            return without_content_type(response)
        if kind == "extra_items":
            return add_items(response, params)
        # after_write_error: the handler already performed (and recorded) the write.
        failed = net.fault_response("server_error", params, req)
        return failed if failed is not None else Response(500, {"error": "after_write_error"})
