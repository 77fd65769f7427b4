"""The sandbox's Mastodon instance speaks Mastodon's wire format: paths, JSON
entities, Link paging, errors, rate-limit headers, Idempotency-Key, OAuth;
checked over HTTP with requests and with Mastodon.py itself."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from mastodon import Mastodon, MastodonRatelimitError, MastodonUnauthorizedError

from sandbox.control_client import Control
from sandbox.server import SandboxServer

TOKEN = "sbx-masto-1001"


@pytest.fixture
def masto(sandbox: SandboxServer, control: Control) -> dict[str, Any]:
    control.post(
        "/_sandbox/masto/accounts",
        {"id": "1001", "username": "riverside", "display_name": "Riverside Council"},
    )
    return {"base": f"{sandbox.url}/masto", "control": control}


def get(masto, path: str, token: str | None = TOKEN, **params) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(masto["base"] + path, headers=headers, params=params, timeout=5)


def inject(masto, **spec) -> list[dict]:
    return masto["control"].post("/_sandbox/masto/inject", {"account_id": "1001", **spec})["items"]


def test_notifications_page_newest_first_with_link_headers(masto):
    ids = [i["id"] for i in inject(masto, kind="mention", count=5)]
    first = get(masto, "/api/v1/notifications", limit=2, **{"types[]": "mention"})
    assert first.status_code == 200
    page = first.json()
    assert [n["status"]["id"] for n in page] == ids[::-1][:2]
    note = page[0]
    assert note["type"] == "mention" and note["account"]["acct"]
    assert note["status"]["content"].startswith("<p>")
    assert 'rel="next"' in first.headers["Link"] and 'rel="prev"' in first.headers["Link"]
    assert "types%5B%5D=mention" in first.headers["Link"]  # the filter is kept
    # min_id: the oldest ones just after it, still newest first.
    after = get(masto, "/api/v1/notifications", min_id=page[-1]["id"], limit=1).json()
    assert [n["status"]["id"] for n in after] == [ids[-1]]
    assert get(masto, "/api/v1/notifications", min_id=page[0]["id"]).json() == []
    assert "Link" not in get(masto, "/api/v1/notifications", min_id=page[0]["id"]).headers


def test_rate_limit_headers_carry_an_iso_reset(masto):
    response = get(masto, "/api/v1/accounts/verify_credentials")
    assert response.headers["X-RateLimit-Limit"] == "300"
    assert response.headers["X-RateLimit-Reset"].endswith("Z")
    masto["control"].post("/_sandbox/limits", {"masto_calls": 1})  # from the next call
    assert get(masto, "/api/v1/accounts/verify_credentials").status_code == 200
    refused = get(masto, "/api/v1/accounts/verify_credentials")
    assert refused.status_code == 429 and refused.json() == {"error": "Too many requests"}
    assert refused.headers["X-RateLimit-Remaining"] == "0"


def test_tokens_are_checked_as_mastodon_checks_them(masto):
    assert get(masto, "/api/v1/notifications", token=None).status_code == 401
    refused = get(masto, "/api/v1/notifications", token="sbx-masto-1001-expired")
    assert (refused.status_code, refused.json()) == (401, {"error": "The access token is invalid"})
    assert get(masto, "/api/v1/statuses/1").json() == {"error": "Record not found"}


def test_posting_honours_length_visibility_and_idempotency(masto):
    [mention] = inject(masto, kind="mention")
    headers = {"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": "k-1"}
    form = {"status": "@jo thanks", "in_reply_to_id": mention["id"], "visibility": "unlisted"}
    one = requests.post(masto["base"] + "/api/v1/statuses", data=form, headers=headers, timeout=5)
    two = requests.post(masto["base"] + "/api/v1/statuses", data=form, headers=headers, timeout=5)
    assert one.json()["id"] == two.json()["id"]  # the key answers the first post again
    assert one.json()["visibility"] == "unlisted"
    assert one.json()["in_reply_to_id"] == mention["id"]
    assert len(masto["control"].outbox(network="masto")) == 1
    masto["control"].post("/_sandbox/masto/instance", {"max_characters": 20})
    long = requests.post(
        masto["base"] + "/api/v1/statuses",
        data={"status": "x" * 21},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
    )
    assert long.status_code == 422
    assert long.json() == {"error": "Validation failed: Text character limit of 20 exceeded"}


def test_mastodon_py_pages_and_throws_on_rate_limits(masto):
    inject(masto, kind="mention", count=3)
    api = Mastodon(access_token=TOKEN, api_base_url=masto["base"], ratelimit_method="throw")
    page = api.notifications(types=["mention"], limit=2)
    assert len(page) == 2 and len(api.fetch_next(page)) == 1
    assert api.instance_v2().configuration.statuses.max_characters == 500
    masto["control"].post(
        "/_sandbox/faults", {"network": "masto", "path": "notifications", "kind": "rate_limit"}
    )
    with pytest.raises(MastodonRatelimitError):
        api.notifications()
    masto["control"].post(
        "/_sandbox/faults", {"network": "masto", "path": "notifications", "kind": "expired_token"}
    )
    with pytest.raises(MastodonUnauthorizedError):
        api.notifications()


def test_direct_statuses_make_conversations_and_stay_private(masto):
    [dm] = inject(masto, kind="dm", author={"id": "42", "username": "jo", "domain": "mas.to"})
    conversations = get(masto, "/api/v1/conversations/").json()
    assert [c["accounts"][0]["acct"] for c in conversations] == ["jo@mas.to"]
    assert conversations[0]["last_status"]["visibility"] == "direct"
    masto["control"].post("/_sandbox/masto/accounts", {"id": "1002", "username": "roads"})
    # Another account cannot see it.
    assert get(masto, f"/api/v1/statuses/{dm['id']}", token="sbx-masto-1002").status_code == 404


def test_the_oauth_code_flow(masto, sandbox):
    redirect = "http://testserver/callback/"
    app = requests.post(
        masto["base"] + "/api/v1/apps",
        data={"client_name": "SocialDesk", "redirect_uris": redirect, "scopes": "read write"},
        timeout=5,
    ).json()
    consent = requests.get(
        masto["base"] + "/oauth/authorize",
        params={
            "client_id": app["client_id"],
            "redirect_uri": redirect,
            "response_type": "code",
            "scope": "read write",
            "state": "s1",
        },
        allow_redirects=False,
        timeout=5,
    )
    assert consent.status_code == 302
    location = consent.headers["Location"]
    assert location.startswith(redirect) and "state=s1" in location
    code = location.split("code=")[1].split("&")[0]
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "redirect_uri": redirect,
    }
    token = requests.post(masto["base"] + "/oauth/token", data=exchange, timeout=5)
    assert token.json()["token_type"] == "Bearer"
    again = requests.post(masto["base"] + "/oauth/token", data=exchange, timeout=5)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")
    me = get(masto, "/api/v1/accounts/verify_credentials", token=token.json()["access_token"])
    assert me.json()["acct"] == "riverside"
