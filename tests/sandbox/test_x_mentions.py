"""Mentions: field selection, since_id, pagination, time windows, validation."""

from __future__ import annotations

import pytest
import requests
import tweepy

ALL_TWEET_FIELDS = [
    "created_at",
    "author_id",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "public_metrics",
]


def test_without_fields_a_mention_has_only_id_text_and_edit_history(client, control):
    control.inject(
        kind="mention", account_id="999", text="@council_help my bin wasn't collected on Elm Rd"
    )
    page = client.get_users_mentions(999)
    [tweet] = page.data
    assert set(tweet.data) == {"id", "text", "edit_history_tweet_ids"}
    assert tweet.edit_history_tweet_ids == [tweet.id]
    assert page.includes == {}
    assert page.meta["result_count"] == 1


def test_requested_fields_and_author_expansion_are_present_and_nothing_more(client, control):
    control.inject(
        kind="mention",
        account_id="999",
        text="@council_help pothole on Mill Lane",
        author={"id": "111", "username": "jo_res", "name": "Jo Resident", "followers_count": 250},
    )
    page = client.get_users_mentions(
        999, tweet_fields=ALL_TWEET_FIELDS, expansions=["author_id"], user_fields=["public_metrics"]
    )
    [tweet] = page.data
    assert set(tweet.data) == {
        "id",
        "text",
        "edit_history_tweet_ids",
        "created_at",
        "author_id",
        "conversation_id",
        "public_metrics",
    }  # no in_reply_to_user_id / referenced_tweets: it is not a reply
    assert tweet.author_id == 111
    assert tweet.conversation_id == tweet.id
    assert tweet.created_at.tzinfo is not None
    assert set(tweet.public_metrics) == {
        "retweet_count",
        "reply_count",
        "like_count",
        "quote_count",
        "bookmark_count",
        "impression_count",
    }
    [user] = page.includes["users"]
    assert set(user.data) == {"id", "name", "username", "public_metrics"}
    assert user.public_metrics["followers_count"] == 250


def test_replies_carry_reply_fields_and_expand_the_referenced_tweet(client, control):
    [first] = control.inject(
        kind="mention", account_id="999", text="@council_help when is bin day?"
    )
    [follow] = control.inject(kind="mention", account_id="999", in_reply_to_tweet_id=first["id"])
    page = client.get_users_mentions(
        999, tweet_fields=ALL_TWEET_FIELDS, expansions=["author_id", "referenced_tweets.id"]
    )
    newest = page.data[0]
    assert newest.id == int(follow["id"])
    assert newest.conversation_id == int(first["id"])
    assert newest.referenced_tweets[0].type == "replied_to"
    assert newest.referenced_tweets[0].id == int(first["id"])
    assert [t.id for t in page.includes["tweets"]] == [int(first["id"])]


def test_mentions_are_newest_first_and_since_id_is_strictly_greater(client, control):
    items = control.inject(kind="mention", account_id="999", count=4)
    ids = [int(i["id"]) for i in items]
    assert ids == sorted(ids)
    page = client.get_users_mentions(999)
    assert [t.id for t in page.data] == ids[::-1]
    assert page.meta["newest_id"] == str(ids[-1]) and page.meta["oldest_id"] == str(ids[0])
    after = client.get_users_mentions(999, since_id=ids[1])
    assert [t.id for t in after.data] == [ids[3], ids[2]]
    assert client.get_users_mentions(999, since_id=ids[3]).data is None


def test_an_empty_page_is_just_meta_result_count_zero(sandbox):
    response = requests.get(
        f"{sandbox.url}/x/2/users/999/mentions",
        headers={"Authorization": "Bearer sbx-app"},
        timeout=5,
    )
    assert response.json() == {"meta": {"result_count": 0}}


def test_paginator_reaches_every_mention_exactly_once(client, council, control):
    everything = [t.id for t in client.get_users_mentions(999, max_results=100).data]
    assert len(everything) > 40
    paged = list(tweepy.Paginator(client.get_users_mentions, 999, max_results=7).flatten())
    assert [t.id for t in paged] == everything


def test_pagination_tokens_are_stable_for_the_same_query(client, council):
    first = client.get_users_mentions(999, max_results=5).meta["next_token"]
    assert client.get_users_mentions(999, max_results=5).meta["next_token"] == first
    second = client.get_users_mentions(999, max_results=5, pagination_token=first)
    assert second.meta["result_count"] == 5


def test_new_mentions_arriving_between_pages_do_not_shift_older_pages(client, council, control):
    page1 = client.get_users_mentions(999, max_results=5)
    control.inject(kind="mention", account_id="999", count=3)
    page2 = client.get_users_mentions(999, max_results=5, pagination_token=page1.meta["next_token"])
    assert max(t.id for t in page2.data) < min(t.id for t in page1.data)


def test_until_id_and_time_window_filter_mentions(client, control):
    control.post("/_sandbox/clock", {"now": "2026-11-20T09:00:00Z", "frozen": True})
    early = control.inject(kind="mention", account_id="999", count=2)
    control.post("/_sandbox/clock", {"advance_seconds": 3600})
    late = control.inject(kind="mention", account_id="999", count=2)
    window = client.get_users_mentions(
        999, start_time="2026-11-20T09:30:00Z", end_time="2026-11-20T10:00:00Z"
    )
    assert sorted(t.id for t in window.data) == sorted(int(i["id"]) for i in late)
    before = client.get_users_mentions(999, until_id=late[0]["id"])
    assert sorted(t.id for t in before.data) == sorted(int(i["id"]) for i in early)


def test_replies_to_the_accounts_own_tweets_count_as_mentions(client, control):
    own = client.create_tweet(text="Bins run a day late this week.").data["id"]
    control.inject(
        kind="reply", account_id="999", in_reply_to_tweet_id=own, text="Thanks for the heads up"
    )
    [mention] = client.get_users_mentions(999, tweet_fields=["in_reply_to_user_id"]).data
    assert mention.text == "Thanks for the heads up"
    assert mention.in_reply_to_user_id == 999


@pytest.mark.parametrize("value", [3, 101])
def test_max_results_outside_5_to_100_is_bad_request(client, value):
    with pytest.raises(tweepy.BadRequest, match="max_results"):
        client.get_users_mentions(999, max_results=value)


def test_unknown_fields_are_rejected_like_x_does(client):
    with pytest.raises(tweepy.BadRequest, match=r"tweet\.fields"):
        client.get_users_mentions(999, tweet_fields=["not_a_field"])


def test_a_garbled_pagination_token_is_bad_request(client):
    with pytest.raises(tweepy.BadRequest):
        client.get_users_mentions(999, pagination_token="!!nonsense!!")
