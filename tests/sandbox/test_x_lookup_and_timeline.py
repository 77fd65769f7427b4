"""Tweet lookup (single and batch), the account's own timeline, deleted tweets."""

from __future__ import annotations


def test_get_tweet_applies_the_same_field_rules(client, control):
    [item] = control.inject(kind="mention", account_id="999", text="@council_help library hours?")
    bare = client.get_tweet(item["id"])
    assert set(bare.data.data) == {"id", "text", "edit_history_tweet_ids"}
    full = client.get_tweet(
        item["id"], tweet_fields=["created_at", "author_id"], expansions=["author_id"]
    )
    assert full.data.author_id == int(item["author_id"])
    assert full.includes["users"][0].id == int(item["author_id"])


def test_get_tweet_of_an_unknown_id_is_200_with_a_not_found_error(client):
    response = client.get_tweet("1999999999999999999")
    assert response.data is None
    assert response.errors[0]["title"] == "Not Found Error"
    assert response.errors[0]["resource_id"] == "1999999999999999999"


def test_get_tweets_returns_found_items_and_partial_errors(client, control):
    items = control.inject(kind="mention", account_id="999", count=2)
    response = client.get_tweets([items[0]["id"], "1000000000000000042", items[1]["id"]])
    assert [t.id for t in response.data] == [int(items[0]["id"]), int(items[1]["id"])]
    assert [e["resource_id"] for e in response.errors] == ["1000000000000000042"]
    assert response.errors[0]["detail"]


def test_the_timeline_lists_the_accounts_own_tweets_newest_first(client, control):
    [mention] = control.inject(kind="mention", account_id="999")
    reply = client.create_tweet(text="We're on it", in_reply_to_tweet_id=mention["id"]).data["id"]
    post = client.create_tweet(text="Library opens late on Monday").data["id"]
    timeline = client.get_users_tweets(999, tweet_fields=["referenced_tweets"])
    assert [t.id for t in timeline.data] == [int(post), int(reply)]
    assert timeline.data[1].referenced_tweets[0].id == int(mention["id"])
    no_replies = client.get_users_tweets(999, exclude=["replies"])
    assert [t.id for t in no_replies.data] == [int(post)]


def test_deleted_tweets_disappear_from_lookup_and_timeline(client):
    tweet_id = client.create_tweet(text="Posted by mistake").data["id"]
    assert client.delete_tweet(tweet_id).data == {"deleted": True}
    assert client.get_tweet(tweet_id).data is None
    assert client.get_users_tweets(999).data is None


def test_private_metrics_are_only_for_the_author(client, control):
    own = client.create_tweet(text="Road closed on Ferry Lane").data["id"]
    [mention] = control.inject(kind="mention", account_id="999")
    mine = client.get_tweet(own, tweet_fields=["non_public_metrics"], user_auth=True)
    assert "impression_count" in mine.data.non_public_metrics
    theirs = client.get_tweet(mention["id"], tweet_fields=["non_public_metrics"], user_auth=True)
    assert theirs.data.non_public_metrics is None
    assert theirs.errors[0]["title"] == "Field Authorization Error"
