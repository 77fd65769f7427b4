"""The sandbox's Bluesky speaks XRPC as the atproto SDK expects it: sessions,
Bluesky's error bodies and rate-limit headers, the chat proxy header, and the
PDS's record checks (reply refs, facets by byte offsets, 300 graphemes)."""

from __future__ import annotations

import pytest
import requests
from atproto import Client, models
from atproto_client import exceptions as sdk
from atproto_client.request import Request

HANDLE = "council.bsky.social"
PASSWORD = "sbx-app-aaaa-bbbb"


@pytest.fixture
def account(control):
    return control.post(
        "/_sandbox/bsky/accounts",
        {"handle": HANDLE, "display_name": "Riverside Council", "app_password": PASSWORD},
    )["account"]


@pytest.fixture
def client(sandbox, account) -> Client:
    client = Client(base_url=sandbox.url + "/bsky", request=Request(timeout=5))
    client.login(HANDLE, PASSWORD, fetch_bsky_profile=False)
    return client


def xrpc(sandbox, nsid: str, **kw) -> requests.Response:
    return requests.get(f"{sandbox.url}/bsky/xrpc/{nsid}", timeout=5, **kw)


def test_a_wrong_app_password_is_refused_with_bluesky_s_error(sandbox, account):
    client = Client(base_url=sandbox.url + "/bsky")
    with pytest.raises(sdk.UnauthorizedError) as caught:
        client.login(HANDLE, "nope", fetch_bsky_profile=False)
    assert caught.value.response.content.error == "AuthenticationRequired"


def test_the_session_has_no_did_doc_so_the_client_stays_on_the_sandbox(sandbox, client):
    assert client._base_url == sandbox.url + "/bsky/xrpc"
    assert client._session.access_jwt_payload.exp  # a JWT the SDK can read


def test_calls_without_a_token_or_with_an_expired_one_say_so(sandbox, client, control):
    assert xrpc(sandbox, "app.bsky.notification.listNotifications").json() == {
        "error": "AuthMissing",
        "message": "Authentication Required",
    }
    control.post("/_sandbox/clock", {"advance_seconds": 3 * 3600})
    with pytest.raises(sdk.BadRequestError) as caught:
        client.app.bsky.notification.list_notifications()
    assert caught.value.response.content.error == "ExpiredToken"
    client._refresh_and_set_session()  # the refresh token still works
    assert client.app.bsky.notification.list_notifications().notifications == []


def test_chat_needs_the_proxy_header(sandbox, client):
    with pytest.raises(sdk.BadRequestError, match="atproto-proxy"):
        client.chat.bsky.convo.list_convos()
    assert client.with_bsky_chat_proxy().chat.bsky.convo.list_convos().convos == []


def test_a_rate_limit_carries_the_reset_the_sdk_reads(sandbox, client, control):
    control.post(
        "/_sandbox/faults",
        {
            "network": "bsky",
            "path": "listNotifications",
            "kind": "rate_limit",
            "params": {"reset_in": 120},
        },
    )
    with pytest.raises(sdk.RateLimitExceededError) as caught:
        client.app.bsky.notification.list_notifications()
    now = control.get("/_sandbox/clock")["epoch"]
    assert caught.value.reset_at.timestamp() == pytest.approx(now + 120, abs=2)
    assert caught.value.response.content.error == "RateLimitExceeded"


def test_a_reply_needs_real_root_and_parent_refs(sandbox, client, control, account):
    post = control.post("/_sandbox/bsky/posts", {"account": HANDLE, "text": "Hello"})["post"]
    good = models.ComAtprotoRepoStrongRef.Main(uri=post["uri"], cid=post["cid"])
    bad = models.ComAtprotoRepoStrongRef.Main(uri=post["uri"], cid="bafyreiwrong")
    with pytest.raises(sdk.BadRequestError, match="parent"):
        client.send_post(
            "Hi",
            profile_identify=account["did"],
            reply_to=models.AppBskyFeedPost.ReplyRef(root=good, parent=bad),
        )
    client.send_post(
        "Hi",
        profile_identify=account["did"],
        reply_to=models.AppBskyFeedPost.ReplyRef(root=good, parent=good),
    )
    [sent] = control.get("/_sandbox/outbox", network="bsky", kind="post")["items"]
    assert sent["meta"]["root"] == sent["meta"]["parent"] == post["uri"]


def test_posts_are_limited_to_300_graphemes_not_characters(sandbox, client, account):
    accented = "e\u0301"  # two code points, one grapheme
    client.send_post(accented * 300, profile_identify=account["did"])
    with pytest.raises(sdk.BadRequestError, match="300 graphemes"):
        client.send_post(accented * 301, profile_identify=account["did"])


def test_facets_outside_the_text_s_bytes_are_refused(sandbox, client, account):
    facet = models.AppBskyRichtextFacet.Main(
        features=[models.AppBskyRichtextFacet.Link(uri="https://example.org")],
        index=models.AppBskyRichtextFacet.ByteSlice(byte_start=0, byte_end=99),
    )
    with pytest.raises(sdk.BadRequestError, match="byteStart/byteEnd"):
        client.send_post("Café", profile_identify=account["did"], facets=[facet])


def test_injected_traffic_reaches_notifications_and_chat(sandbox, client, control):
    control.post("/_sandbox/bsky/posts", {"account": HANDLE})
    for kind in ("mention", "reply", "quote", "dm"):
        control.post("/_sandbox/bsky/inject", {"account": HANDLE, "kind": kind})
    reasons = [n.reason for n in client.app.bsky.notification.list_notifications().notifications]
    assert sorted(reasons) == ["mention", "quote", "reply"]
    chat = client.with_bsky_chat_proxy()
    [convo] = chat.chat.bsky.convo.list_convos().convos
    assert convo.last_message.text
    mention = next(
        n
        for n in client.app.bsky.notification.list_notifications().notifications
        if n.reason == "mention"
    )
    [facet] = mention.record.facets
    text = mention.record.text.encode()
    assert text[facet.index.byte_start : facet.index.byte_end] == f"@{HANDLE}".encode()


def test_the_author_feed_pages_newest_first_with_counts(sandbox, client, control, account):
    uris = [
        control.post("/_sandbox/bsky/posts", {"account": HANDLE, "text": f"Post {n}"})["post"][
            "uri"
        ]
        for n in range(5)
    ]
    first = client.get_author_feed(actor=account["did"], limit=3)
    assert [item.post.uri for item in first.feed] == uris[::-1][:3]
    assert first.cursor
    rest = client.get_author_feed(actor=account["did"], limit=3, cursor=first.cursor)
    assert [item.post.uri for item in rest.feed] == uris[::-1][3:] and rest.cursor is None
    assert first.feed[0].post.like_count == 0 and first.feed[0].post.reply_count == 0
