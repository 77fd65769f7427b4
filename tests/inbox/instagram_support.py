"""Shared Instagram fixtures for the inbox tests (imported by the test modules):
a sandbox Instagram professional account linked to a Page, with one post of
ours, connected as a channel covered by team A."""

from __future__ import annotations

import pytest

IG_ACCOUNT = "17841400000000001"
IG_PAGE = "104857600009"
IG_PAGE_TOKEN = "sbx-page-104857600009-riverside-ig"
SANDBOX_IG_CREDENTIALS = {"page_access_token": IG_PAGE_TOKEN, "app_secret": "sandbox-app-secret"}
JO = {"id": "17841455500000001", "username": "jo.resident"}
SAM = {"id": "17841455500000002", "username": "sam_patel"}


def ig_inject(sandbox, **spec) -> list[dict]:
    return sandbox.post("/_sandbox/ig/inject", {"account_id": IG_ACCOUNT, **spec})["items"]


def ig_fault(sandbox, **spec) -> dict:
    # Instagram's Graph calls share the Facebook network's host and fault rules.
    return sandbox.post("/_sandbox/faults", {"network": "fb", **spec})["faults"][0]


@pytest.fixture(name="ig_channel")
def ig_channel_fixture(sandbox, team_a):
    """@riversidecouncil on Instagram, linked to a Page, with one post to comment on."""
    from tests.factories import ChannelFactory

    sandbox.post(
        "/_sandbox/fb/pages",
        {"id": IG_PAGE, "name": "Riverside Council", "access_token": IG_PAGE_TOKEN},
    )
    sandbox.post(
        "/_sandbox/ig/accounts",
        {
            "id": IG_ACCOUNT,
            "page_id": IG_PAGE,
            "username": "riversidecouncil",
            "name": "Riverside Council",
            "followers_count": 8400,
        },
    )
    media = sandbox.post(
        "/_sandbox/ig/media",
        {"account_id": IG_ACCOUNT, "caption": "Our new recycling centre opens Monday"},
    )["media"]
    channel = ChannelFactory(
        network="instagram",
        name="Riverside Council (Instagram)",
        handle="riversidecouncil",
        external_account_id=IG_ACCOUNT,
        is_sandbox=True,
        covered_by=[team_a],
    )
    channel.set_credentials(SANDBOX_IG_CREDENTIALS)
    channel.save()
    channel.sandbox_media_id = media["id"]
    return channel
