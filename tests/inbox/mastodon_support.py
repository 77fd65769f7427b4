"""Shared Mastodon fixtures for the inbox tests (imported by the test modules):
the council's account on the sandbox instance, connected as a channel of team A."""

from __future__ import annotations

import pytest

ACCOUNT_ID = "1001"
TOKEN = "sbx-masto-1001-riverside"
INSTANCE = "https://social.sandbox.example"
SANDBOX_MASTO_CREDENTIALS = {"instance": INSTANCE, "access_token": TOKEN}
JO = {"id": "5550001", "username": "jo", "domain": "mas.to", "display_name": "Jo Resident"}
SAM = {"id": "5550002", "username": "sam", "domain": "", "display_name": "Sam Patel"}


def masto_inject(sandbox, **spec) -> list[dict]:
    return sandbox.post("/_sandbox/masto/inject", {"account_id": ACCOUNT_ID, **spec})["items"]


def masto_fault(sandbox, **spec) -> dict:
    return sandbox.post("/_sandbox/faults", {"network": "masto", **spec})["faults"][0]


@pytest.fixture(name="masto_channel")
def masto_channel_fixture(sandbox, team_a):
    """@riverside on the sandbox's Mastodon instance, covered by team A."""
    from tests.factories import ChannelFactory

    sandbox.post(
        "/_sandbox/masto/accounts",
        {
            "id": ACCOUNT_ID,
            "username": "riverside",
            "display_name": "Riverside Council",
            "followers_count": 1800,
            "access_token": TOKEN,
        },
    )
    channel = ChannelFactory(
        network="mastodon",
        name="Riverside Council (Mastodon)",
        handle="@riverside@social.sandbox.example",
        external_account_id=f"{ACCOUNT_ID}@social.sandbox.example",
        is_sandbox=True,
        covered_by=[team_a],
    )
    channel.set_credentials(SANDBOX_MASTO_CREDENTIALS)
    channel.save()
    return channel
