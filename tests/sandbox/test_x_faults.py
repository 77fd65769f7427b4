"""Every fault kind, observed through the real tweepy client."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
import requests
import tweepy

from sandbox.server import SandboxServer
from tests.sandbox.conftest import point_at_sandbox

MENTIONS = r"/2/users/\d+/mentions"


def test_rate_limit_raises_too_many_requests_with_the_reset_time(client, control):
    control.post("/_sandbox/clock", {"now": "2026-11-22T22:00:00Z", "frozen": True})
    control.fault(method="GET", path=MENTIONS, kind="rate_limit", params={"reset_in": 120})
    with pytest.raises(tweepy.TooManyRequests) as info:
        client.get_users_mentions(999)
    assert info.value.reset_time == int(datetime(2026, 11, 22, 22, 2, tzinfo=UTC).timestamp())
    assert info.value.response.headers["x-rate-limit-remaining"] == "0"
    assert info.value.response.json()["status"] == 429
    client.get_users_mentions(999)  # times=1: the next call is fine


def test_rate_limit_without_reset_header(client, control):
    control.fault(path=MENTIONS, kind="rate_limit_no_reset")
    with pytest.raises(tweepy.TooManyRequests) as info:
        client.get_users_mentions(999)
    assert info.value.reset_time is None
    assert "x-rate-limit-reset" not in info.value.response.headers


def test_server_error_is_a_twitter_server_error(client, control):
    control.fault(path=MENTIONS, kind="server_error")
    with pytest.raises(tweepy.TwitterServerError) as info:
        client.get_users_mentions(999)
    assert info.value.response.status_code == 500


def test_an_html_502_is_a_twitter_server_error_with_an_html_body(client, control):
    control.fault(path=MENTIONS, kind="bad_gateway_html")
    with pytest.raises(tweepy.TwitterServerError) as info:
        client.get_users_mentions(999)
    assert info.value.response.status_code == 502
    assert info.value.response.headers["content-type"].startswith("text/html")


def test_malformed_json_escapes_as_a_json_decode_error(client, control):
    control.inject(kind="mention", account_id="999", count=3)
    control.fault(path=MENTIONS, kind="malformed_json")
    with pytest.raises(requests.JSONDecodeError) as info:
        client.get_users_mentions(999)
    assert isinstance(info.value, ValueError)  # what a generic handler would catch
    client.get_users_mentions(999)


def test_expired_token_and_permission_faults(client, control):
    control.fault(path=r"/2/users/me", kind="expired_token")
    with pytest.raises(tweepy.Unauthorized):
        client.get_me()
    control.fault(
        method="POST", path=r"/2/tweets$", kind="permission", params={"detail": "Reply not allowed"}
    )
    with pytest.raises(tweepy.Forbidden, match="Reply not allowed"):
        client.create_tweet(text="hello")
    assert control.outbox() == []


def test_duplicate_post_fault_does_not_write(client, control):
    control.fault(method="POST", path=r"/2/tweets$", kind="duplicate_post")
    with pytest.raises(tweepy.Forbidden, match="duplicate content"):
        client.create_tweet(text="a fresh text")
    assert control.outbox() == []
    client.create_tweet(text="a fresh text")  # the rule was used up; this one is real


def test_hang_times_out_on_the_client_without_blocking_other_requests(make_client, control):
    slow = make_client(timeout=0.5)
    fast = make_client()
    control.fault(path=MENTIONS, kind="hang", params={"seconds": 1.5})
    errors: list[BaseException] = []

    def call() -> None:
        try:
            slow.get_users_mentions(999)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=call)
    started = time.monotonic()
    thread.start()
    time.sleep(0.1)
    assert fast.get_me().data.id == 999  # served while the other request hangs
    assert time.monotonic() - started < 0.5
    thread.join(5)
    assert isinstance(errors[0], requests.Timeout)


def test_a_hanging_request_ends_promptly_when_the_server_stops():
    server = SandboxServer(port=0).start()
    server.state.faults.add(
        {"network": "x", "path": "/2/users/me", "kind": "hang", "params": {"seconds": 30}}
    )
    session = requests.Session()
    point_at_sandbox(session, server.url, timeout=20)
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(
                session.get(
                    "https://api.twitter.com/2/users/me", headers={"Authorization": "Bearer sbx-x"}
                )
            )
        except requests.RequestException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    server.stop()
    thread.join(5)
    assert time.monotonic() - started < 3
    assert isinstance(outcome[0], requests.ConnectionError)


def test_duplicate_page_repeats_a_page_so_the_client_sees_overlap(client, council, control):
    everything = [t.id for t in client.get_users_mentions(999, max_results=100).data]
    control.fault(path=MENTIONS, kind="duplicate_page")
    paged = [
        t.id for t in tweepy.Paginator(client.get_users_mentions, 999, max_results=10).flatten()
    ]
    assert len(paged) == len(everything) + 10
    assert paged[:10] == paged[10:20]
    assert list(dict.fromkeys(paged)) == everything


def test_out_of_order_shuffles_and_leaks_an_item_older_than_since_id(client, control):
    items = control.inject(kind="mention", account_id="999", count=8)
    since = items[2]["id"]
    control.fault(path=MENTIONS, kind="out_of_order")
    ids = [t.id for t in client.get_users_mentions(999, since_id=since).data]
    assert ids != sorted(ids, reverse=True)
    assert int(since) in ids  # the newest item at or below since_id sneaks in
    assert {int(i["id"]) for i in items[3:]} <= set(ids)


def test_partial_errors_adds_an_errors_array_to_a_200(client, control):
    control.inject(kind="mention", account_id="999")
    control.fault(path=MENTIONS, kind="partial_errors", params={"resource_id": "1234"})
    response = client.get_users_mentions(999)
    assert len(response.data) == 1
    assert response.errors[0]["resource_id"] == "1234"


def test_after_write_error_performs_the_write_then_answers_500(client, control):
    [mention] = control.inject(kind="mention", account_id="999")
    control.fault(method="POST", path=r"/2/tweets$", kind="after_write_error")
    with pytest.raises(tweepy.TwitterServerError):
        client.create_tweet(text="We'll look into it.", in_reply_to_tweet_id=mention["id"])
    [entry] = control.outbox(kind="tweet")
    # A blind retry is refused as duplicate; reconciling via the timeline finds the reply.
    with pytest.raises(tweepy.Forbidden):
        client.create_tweet(text="We'll look into it.", in_reply_to_tweet_id=mention["id"])
    timeline = client.get_users_tweets(999, tweet_fields=["referenced_tweets"])
    assert [t.id for t in timeline.data] == [int(entry["result_id"])]
    assert len(control.outbox(kind="tweet")) == 1


def test_rules_are_listed_used_up_in_order_and_cleared(client, control):
    control.fault(path=MENTIONS, kind="server_error", times=2)
    control.fault(path=MENTIONS, kind="rate_limit")
    assert [f["kind"] for f in control.get("/_sandbox/faults")["faults"]] == [
        "server_error",
        "rate_limit",
    ]
    for expected in (tweepy.TwitterServerError, tweepy.TwitterServerError, tweepy.TooManyRequests):
        with pytest.raises(expected):
            client.get_users_mentions(999)
    client.get_users_mentions(999)
    control.fault(path=".*", kind="server_error", times=-1)
    assert control.delete("/_sandbox/faults")["cleared"] == 1
    client.get_me()


def test_faults_match_method_and_path(client, control):
    control.fault(method="POST", path=r"/2/tweets$", kind="server_error")
    client.get_users_mentions(999)  # GET mentions: not matched
    client.get_me()
    with pytest.raises(tweepy.TwitterServerError):
        client.create_tweet(text="hello")


def test_a_bad_fault_rule_is_400(control):
    control.call("POST", "/_sandbox/faults", {"kind": "nope"}, expect=400)
    control.call("POST", "/_sandbox/faults", {"kind": "server_error", "path": "("}, expect=400)
