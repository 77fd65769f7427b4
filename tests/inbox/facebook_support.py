"""Shared Facebook fixtures for the inbox tests (imported by the test modules):
a sandbox Page with one post, connected as a channel covered by team A."""

from __future__ import annotations

import pytest

PAGE_ID = "104857600000"
PAGE_TOKEN = "sbx-page-104857600000-riverside"
SANDBOX_FB_CREDENTIALS = {"page_access_token": PAGE_TOKEN, "app_secret": "sandbox-app-secret"}
JO = {"id": "6543210987654321", "name": "Jo Resident"}
SAM = {"id": "6543210987650000", "name": "Sam Patel"}


def messenger_delivery(n: int, *, mid_prefix: str = "m_") -> dict:
    """A webhook delivery of one Messenger message from sender number ``n``
    (the shape Graph posts)."""
    return {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": n,
                "messaging": [
                    {
                        "sender": {"id": str(5000000000000000 + n)},
                        "recipient": {"id": PAGE_ID},
                        "timestamp": 1_790_000_000_000 + n,
                        "message": {"mid": f"{mid_prefix}{n}", "text": f"hello {n}"},
                    }
                ],
            }
        ],
    }


def fb_inject(sandbox, **spec) -> list[dict]:
    return sandbox.post("/_sandbox/fb/inject", {"page_id": PAGE_ID, **spec})["items"]


def fb_fault(sandbox, **spec) -> dict:
    return sandbox.post("/_sandbox/faults", {"network": "fb", **spec})["faults"][0]


@pytest.fixture(name="fb_channel")
def fb_channel_fixture(sandbox, team_a):
    """Riverside Council's Facebook Page on the sandbox, with one post to comment on."""
    from tests.factories import ChannelFactory

    sandbox.post(
        "/_sandbox/fb/pages",
        {
            "id": PAGE_ID,
            "name": "Riverside Council",
            "username": "RiversideCouncil",
            "followers_count": 21300,
            "access_token": PAGE_TOKEN,
        },
    )
    post = sandbox.post(
        "/_sandbox/fb/posts", {"page_id": PAGE_ID, "message": "Roadworks on Main St from Monday"}
    )["post"]
    channel = ChannelFactory(
        network="facebook",
        name="Riverside Council (Facebook)",
        handle="RiversideCouncil",
        external_account_id=PAGE_ID,
        is_sandbox=True,
        covered_by=[team_a],
    )
    channel.set_credentials(SANDBOX_FB_CREDENTIALS)
    channel.save()
    channel.sandbox_post_id = post["id"]
    return channel
