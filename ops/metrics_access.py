"""Who may read /metrics: the holder of METRICS_TOKEN as a bearer token."""

from __future__ import annotations

import hmac

from django.conf import settings


def metrics_request_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        # Unset: refused in production (the figures show traffic and backlog
        # to anyone); open elsewhere so a developer's Prometheus just works.
        return not settings.PRODUCTION
    header = request.headers.get("Authorization", "")
    scheme, _, offered = header.partition(" ")
    if scheme.lower() != "bearer" or not offered:
        return False
    # Constant time: a byte-by-byte compare would leak the token's prefix.
    return hmac.compare_digest(offered.strip().encode(), token.encode())
