"""The /_sandbox/ control API: reset, seed, accounts, inject, clock, state, metrics over time."""

from __future__ import annotations

from datetime import UTC, datetime


def test_reset_empties_everything_and_can_seed(control, client):
    client.create_tweet(text="before reset")
    control.fault(path=".*", kind="server_error", times=5)
    result = control.post("/_sandbox/reset")
    assert result["state"]["x"]["accounts"] == 0
    assert result["state"]["outbox"] == 0 and result["state"]["faults"] == 0
    seeded = control.post("/_sandbox/reset", {"scenario": "council"})
    assert seeded["state"]["x"]["accounts"] == 2
    assert seeded["created"]["mentions"] >= 40


def test_accounts_can_be_registered_and_listed(control, make_client):
    created = control.post(
        "/_sandbox/x/accounts",
        {
            "id": "997",
            "username": "riverside_roads",
            "name": "Riverside Highways",
            "followers_count": 6150,
        },
        expect=201,
    )
    assert created["account"]["username"] == "riverside_roads"
    listed = {a["id"]: a for a in control.get("/_sandbox/x/accounts")["accounts"]}
    assert set(listed) == {"999", "997"}
    assert make_client("997-sbx").get_me().data.name == "Riverside Highways"
    control.call("POST", "/_sandbox/x/accounts", {"username": "no_id"}, expect=400)


def test_inject_mention_with_given_author_and_text(control, client):
    [item] = control.inject(
        kind="mention",
        account_id="999",
        text="@council_help is the tip open?",
        author={
            "id": "31337",
            "username": "jo_res",
            "name": "Jo Resident",
            "followers_count": 12000,
            "verified": True,
        },
    )
    assert item["kind"] == "mention" and item["author_id"] == "31337"
    assert (
        item["id"]
        and item["conversation_id"] == item["id"]
        and item["created_at"].endswith(".000Z")
    )
    user = client.get_user(id=31337, user_fields=["verified", "public_metrics"]).data
    assert user.verified is True and user.public_metrics["followers_count"] == 12000


def test_inject_generates_realistic_text_and_citizens_when_not_given(control):
    items = control.inject(kind="mention", account_id="999", count=5)
    assert len(items) == 5
    for item in items:
        assert "@council_help" in item["text"]
        assert item["author"]["username"] and item["category"]
    dms = control.inject(kind="dm", account_id="999", count=3)
    assert all(d["dm_conversation_id"].count("-") == 1 and d["text"] for d in dms)


def test_inject_reply_defaults_to_the_accounts_newest_tweet(control, client):
    own = client.create_tweet(text="Roadworks on Mill Lane from Monday").data["id"]
    [reply] = control.inject(kind="reply", account_id="999")
    assert reply["in_reply_to_tweet_id"] == own
    assert reply["in_reply_to_user_id"] == "999"


def test_inject_rejects_bad_requests(control):
    control.call("POST", "/_sandbox/x/inject", {"kind": "carrier_pigeon"}, expect=400)
    control.call("POST", "/_sandbox/x/inject", {"kind": "reply", "account_id": "999"}, expect=400)
    control.call(
        "POST", "/_sandbox/x/inject", {"kind": "mention", "in_reply_to_tweet_id": "1"}, expect=400
    )


def test_clock_can_be_set_frozen_advanced_and_drives_created_at(control, client):
    clock = control.post("/_sandbox/clock", {"now": "2026-11-22T22:00:00Z", "frozen": True})
    assert clock == {**clock, "now": "2026-11-22T22:00:00.000Z", "frozen": True}
    [item] = control.inject(kind="mention", account_id="999")
    assert item["created_at"] == "2026-11-22T22:00:00.000Z"
    control.post("/_sandbox/clock", {"advance_seconds": 3600})
    tweet_id = client.create_tweet(text="Late-night update").data["id"]
    created = client.get_tweet(tweet_id, tweet_fields=["created_at"]).data.created_at
    assert created == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
    unfrozen = control.post("/_sandbox/clock", {"frozen": False})
    assert unfrozen["frozen"] is False and unfrozen["now"].startswith("2026-11-22T23:00")
    assert control.post("/_sandbox/clock", {"reset": True})["offset_seconds"] == 0


def test_inject_accepts_a_created_at(control):
    [item] = control.inject(kind="mention", account_id="999", created_at="2026-01-05T08:30:00Z")
    assert item["created_at"] == "2026-01-05T08:30:00.000Z"


def test_own_tweet_engagement_grows_as_the_clock_moves(control, client):
    control.post("/_sandbox/clock", {"now": "2026-11-22T09:00:00Z", "frozen": True})
    tweet_id = client.create_tweet(text="Our new recycling guide is out").data["id"]
    fresh = client.get_tweet(tweet_id, tweet_fields=["public_metrics"]).data.public_metrics
    assert fresh["impression_count"] == 0
    control.post("/_sandbox/clock", {"advance_seconds": 24 * 3600})
    later = client.get_tweet(tweet_id, tweet_fields=["public_metrics"]).data.public_metrics
    assert later["impression_count"] > 500
    assert later["like_count"] >= fresh["like_count"]
    control.inject(kind="reply", account_id="999", in_reply_to_tweet_id=tweet_id)
    assert (
        client.get_tweet(tweet_id, tweet_fields=["public_metrics"]).data.public_metrics[
            "reply_count"
        ]
        == 1
    )


def test_followers_drift_over_days_and_are_deterministic(control, client):
    control.post("/_sandbox/clock", {"now": "2026-11-22T09:00:00Z", "frozen": True})
    control.post("/_sandbox/reset", {"keep_clock": True, "scenario": "council"})
    day0 = client.get_me(user_fields=["public_metrics"]).data.public_metrics["followers_count"]
    control.post("/_sandbox/clock", {"advance_seconds": 7 * 86400})
    day7 = client.get_me(user_fields=["public_metrics"]).data.public_metrics["followers_count"]
    assert 18_400 - 50 < day0 < 18_400 + 50
    assert day7 > day0 + 300
    assert (
        client.get_me(user_fields=["public_metrics"]).data.public_metrics["followers_count"] == day7
    )


def test_state_summary_counts(control, council):
    summary = control.get("/_sandbox/state")
    assert summary["x"]["accounts"] == 2
    assert summary["x"]["dm_conversations"] == 10
    assert summary["scenarios"] == ["council"]


def test_the_control_index_lists_endpoints_and_scenarios(control):
    index = control.get("/_sandbox/")
    assert "POST /_sandbox/x/inject" in index["endpoints"]
    assert {"council", "crisis", "none"} <= set(index["scenarios"])


def test_avatars_are_served_for_profile_image_urls(client, control, sandbox):
    me = client.get_me(user_fields=["profile_image_url"]).data
    assert me.profile_image_url.startswith(sandbox.url)
    svg = control.session.get(me.profile_image_url, timeout=5)
    assert svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content
