"""Who is acting, from where: the request's client address, available to the
event log without passing the request through every service.

``client_ip`` is the one answer to "which address is this request from":
django-axes (lockouts), DRF (its throttles, through ``NUM_PROXIES``), the
session list and the audit log all use it, so a lockout, a rate limit and the
audit entry name the same address. It lives with the event log, at the
bottom, so ``accounts`` and every app above can use it and ``event_record``
can note the address without importing anything above it.
"""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar

from django.conf import settings

_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def current_ip() -> str | None:
    """The address of the request being served, or None for system work."""
    return _client_ip.get()


def _forwarded_client(request, proxies: int) -> str | None:
    # Each trusted proxy appends the address it was reached from, so the client
    # is the ``proxies``-th entry from the right; anything left of it was
    # written by the client and proves nothing.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return None
    candidate = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The client's address. X-Forwarded-For is read only when
    ``TRUSTED_PROXY_COUNT`` says how many proxies of ours stand in front."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = _forwarded_client(request, proxies)
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _client_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)
