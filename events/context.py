"""Who is acting, from where, for the event log: the request's client address,
set once per request (``audit.context.RequestContextMiddleware``) and read by
``event_record`` without passing the request through every service.

It lives here, at the bottom, so recording an event needs nothing from the
apps above; how the address is worked out from a request stays in ``audit``.
"""

from __future__ import annotations

from contextvars import ContextVar, Token

_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def current_ip() -> str | None:
    return _client_ip.get()


def current_ip_set(ip: str | None) -> Token:
    return _client_ip.set(ip)


def current_ip_reset(token: Token) -> None:
    _client_ip.reset(token)
