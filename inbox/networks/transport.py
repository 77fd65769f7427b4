"""HTTP plumbing shared by the network clients.

Neither tweepy nor facebook-sdk sets a request timeout, and tweepy hard-codes
its host. One adapter fixes both: it applies a default timeout to every
request and, only when ``SOCIAL_SANDBOX_URL`` is set, rewrites the real API
host to the sandbox network. Production code paths are otherwise identical.
"""

from __future__ import annotations

from collections.abc import Mapping

import requests
from django.conf import settings
from requests import PreparedRequest, Response


class NetworkAdapter(requests.adapters.HTTPAdapter):
    def __init__(self, *, real_base: str, target_base: str | None, timeout: float):
        super().__init__(max_retries=0)
        self.real_base = real_base
        self.target_base = target_base
        self.timeout = timeout

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        url = request.url or ""
        if self.target_base and url.startswith(self.real_base):
            request.url = self.target_base + url[len(self.real_base) :]
        return super().send(
            request,
            stream=stream,
            timeout=timeout or self.timeout,
            verify=verify,
            cert=cert,
            proxies=proxies,
        )


def mount(session: requests.Session, *, real_bases: list[str], sandbox_prefix: str) -> None:
    """Mount the adapter for each real API host on ``session``."""
    sandbox = settings.SOCIAL_SANDBOX_URL.rstrip("/")
    target = f"{sandbox}{sandbox_prefix}" if sandbox else None
    for base in real_bases:
        session.mount(
            base,
            NetworkAdapter(
                real_base=base, target_base=target, timeout=settings.NETWORK_HTTP_TIMEOUT
            ),
        )


def browser_url(url: str, *, real_bases: list[str], sandbox_prefix: str) -> str:
    """A network page a person's browser visits (an OAuth consent page): moved
    to the sandbox when ``SOCIAL_SANDBOX_URL`` is set, unchanged otherwise."""
    sandbox = settings.SOCIAL_SANDBOX_URL.rstrip("/")
    if sandbox:
        for base in real_bases:
            if url.startswith(base):
                return f"{sandbox}{sandbox_prefix}{url[len(base) :]}"
    return url
