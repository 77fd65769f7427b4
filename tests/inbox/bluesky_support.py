"""Shared Bluesky fixtures for the inbox tests (imported by the test modules):
a sandbox account with one post of its own, connected as a channel covered by
team A through the real sign-in (createSession with an app password)."""

from __future__ import annotations

import pytest

HANDLE = "riversidecouncil.bsky.social"
APP_PASSWORD = "sbx-app-abcd-efgh-ijkl"
JO = {"handle": "jo-resident.bsky.social", "display_name": "Jo Resident"}
SAM = {"handle": "sam-patel.bsky.social", "display_name": "Sam Patel"}


def bsky_inject(sandbox, **spec) -> list[dict]:
    return sandbox.post("/_sandbox/bsky/inject", {"account": HANDLE, **spec})["items"]


def bsky_fault(sandbox, **spec) -> dict:
    return sandbox.post("/_sandbox/faults", {"network": "bsky", **spec})["faults"][0]


def xrpc(nsid: str) -> str:
    """A fault path for one XRPC method."""
    return "^/xrpc/" + nsid.replace(".", r"\.") + "$"


@pytest.fixture(name="bsky_channel")
def bsky_channel_fixture(sandbox, team_a):
    """Riverside Council's Bluesky account on the sandbox, with one post of its own."""
    from inbox.networks.bluesky import sign_in
    from tests.factories import ChannelFactory

    account = sandbox.post(
        "/_sandbox/bsky/accounts",
        {
            "handle": HANDLE,
            "display_name": "Riverside Council",
            "followers_count": 3400,
            "app_password": APP_PASSWORD,
        },
    )["account"]
    post = sandbox.post(
        "/_sandbox/bsky/posts", {"account": HANDLE, "text": "Roadworks on Main St from Monday"}
    )["post"]
    credentials, profile = sign_in(identifier=HANDLE, app_password=APP_PASSWORD)
    channel = ChannelFactory(
        network="bluesky",
        name="Riverside Council (Bluesky)",
        handle=f"@{profile['handle']}",
        external_account_id=account["did"],
        is_sandbox=True,
        covered_by=[team_a],
    )
    channel.set_credentials(credentials)
    channel.save()
    channel.sandbox_post = post
    return channel
