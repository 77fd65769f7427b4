"""Django's own development server (``make demo``'s runserver and the tests'
live server), answering without Nagle's wait.

It writes a response's headers and its body in two writes on a kept-alive
connection; with Nagle's algorithm on (the socket default) the body then
waits for the client's delayed ACK, about 40 ms on every answer: every page,
asset and poll of the demo, and every request of the browser tests. gunicorn,
which production runs, turns the algorithm off itself.
"""

from __future__ import annotations

import socket
from typing import Any

from django.core.servers.basehttp import ThreadedWSGIServer, WSGIServer


class _NoDelay:
    def get_request(self) -> tuple[Any, Any]:
        conn, address = super().get_request()  # type: ignore[misc]
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, address


class NoDelayWSGIServer(_NoDelay, WSGIServer):
    """For runserver, which adds its own threading."""


class NoDelayThreadedWSGIServer(_NoDelay, ThreadedWSGIServer):
    """For the tests' live server."""
