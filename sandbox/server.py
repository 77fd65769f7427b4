"""HTTP plumbing: a threaded stdlib server around SandboxApp.

Threaded because a "hang" fault must not block other requests. Open
keep-alive connections are tracked so stop() can close them and return
promptly instead of waiting for idle clients.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox import fb_webhooks
from sandbox.app import DEFAULT_WEBHOOK_SECRET, SandboxApp
from sandbox.router import Request, Response
from sandbox.state import SandboxState
from sandbox.trickle import Trickle
from sandbox.webhooks import fire, payload_for_event

log = logging.getLogger("sandbox")
IDLE_TIMEOUT = 60  # seconds a keep-alive connection may sit idle
POLL_INTERVAL = 0.1  # how often serve_forever checks for shutdown (stop() latency)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: SandboxApp, log_requests: bool) -> None:
        self.app = app
        self.log_requests = log_requests
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):  # already closed by the peer
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"  # keep-alive, like the real APIs (requests pools connections)
    # The status line and headers go out in one write and the body in a second:
    # with Nagle's algorithm the body then waits for the client's delayed ACK,
    # about 40 ms on every answer (the real APIs answer in one go).
    disable_nagle_algorithm = True
    server_version = "SocialDeskSandbox/0.1"
    timeout = IDLE_TIMEOUT

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            base_url=f"http://{self.headers.get('Host') or self._bound_address()}",
            client=self.client_address[0],
        )
        try:
            response = self.server.app.dispatch(request)
        except Exception:  # a sandbox bug must show as a 500, not a dropped connection
            log.exception("sandbox error on %s %s", self.command, self.path)
            response = Response(
                500, {"title": "Sandbox Error", "status": 500, "detail": "unexpected sandbox error"}
            )
        if response is None:
            self.close_connection = True
            return
        self._write(response)

    def _bound_address(self) -> str:
        host, port = self.server.server_address[:2]
        if isinstance(host, bytes):  # only for AF_UNIX, which this server never binds
            host = host.decode()
        return f"{host}:{port}"

    def _write(self, response: Response) -> None:
        payload = response.encoded()
        try:
            self.send_response(response.status)
            if response.content_type:  # "" means no Content-Type (a fault)
                self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = (
                True  # the client gave up (e.g. its timeout fired during a hang)
            )

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log_requests:
            sys.stderr.write(f"[sandbox] {self.address_string()} {format % args}\n")


class SandboxServer:
    """Run the sandbox in a background thread (tests) or in the foreground (CLI).

    >>> srv = SandboxServer(port=0).start(); srv.url  # doctest: +SKIP
    'http://127.0.0.1:54321'
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8088,
        *,
        scenario: str | None = None,
        trickle: float = 0.0,
        webhook_url: str | None = None,
        webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
        seed: int | None = None,
        log_requests: bool = False,
        allow_remote_control: bool = False,
        fb_webhook_url: str | None = None,
        fb_app_secret: str = fb_webhooks.DEFAULT_APP_SECRET,
        id_offset: int = 0,
        draw_any_picture: bool = False,
    ) -> None:
        self.state = SandboxState(seed=seed, id_offset=id_offset)
        self.state.draw_any_picture = draw_any_picture
        if scenario and scenario != "none":
            self.state.seed(scenario)
        self.app = SandboxApp(
            self.state,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            allow_remote_control=allow_remote_control,
            fb_webhook_url=fb_webhook_url,
            fb_app_secret=fb_app_secret,
        )
        self._httpd = _HTTPServer((host, port), self.app, log_requests)
        self._thread: threading.Thread | None = None
        self.trickle = (
            Trickle(self.state, trickle, on_item=self._announce, seed=seed) if trickle > 0 else None
        )

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        """Serve from a daemon thread; returns self."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name="sandbox-http",
            daemon=True,
        )
        self._thread.start()
        if self.trickle is not None:
            self.trickle.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until stop() is called from elsewhere (or Ctrl-C)."""
        if self.trickle is not None:
            self.trickle.start()
        try:
            self._httpd.serve_forever(poll_interval=POLL_INTERVAL)
        finally:
            self._close()

    def stop(self) -> None:
        self.app.stopping.set()
        if self.trickle is not None:
            self.trickle.stop()
        self._httpd.shutdown()
        self._close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _close(self) -> None:
        self.app.stopping.set()
        self._httpd.close_connections()
        self._httpd.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _announce(self, item: dict[str, Any]) -> None:
        """Trickle callback: log the item and, if configured, deliver it by webhook."""
        author = item.get("author") or {}
        who = author.get("username") or author.get("name") or author.get("handle") or "?"
        log.info("trickle: %s %s from %s: %s", item["kind"], item["id"], who, item["text"][:80])
        if item.get("network") == "bsky":
            return  # Bluesky has no webhooks: the app polls its notifications
        if item.get("network") == "fb":
            if self.app.fb_webhook_url:
                payload = fb_webhooks.payload_for_event(self.state, item["id"])
                result = fb_webhooks.fire(
                    self.app.fb_webhook_url, payload, secret=self.app.fb_app_secret
                )
                log.info("trickle: Facebook webhook answered %s", result[0].get("status"))
            return
        if item.get("network") == "masto":
            return  # Mastodon has no webhooks: the app polls the instance
        if self.app.webhook_url:
            payload = payload_for_event(self.state, item["id"], item["account_id"])
            result = fire(self.app.webhook_url, payload, secret=self.app.webhook_secret)
            log.info("trickle: webhook answered %s", result[0].get("status"))
