"""Who is acting, from where: the request's client address, available to the
event log without passing the request through every service."""

from __future__ import annotations

from contextvars import ContextVar

from django.conf import settings

_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def client_ip(request) -> str:
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        # Behind our reverse proxy: it appends the real client address last.
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def current_ip() -> str | None:
    return _client_ip.get()


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _client_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)
