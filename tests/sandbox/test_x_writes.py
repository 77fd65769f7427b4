"""Writes the app makes: replies, duplicates, likes, hides, mutes, deletes, all in the outbox."""

from __future__ import annotations

import pytest
import tweepy


def test_a_reply_is_201_and_recorded_once_with_its_target_and_account(client, control):
    [mention] = control.inject(kind="mention", account_id="999")
    created = client.create_tweet(
        text="Sorry to hear that, we'll send a crew.", in_reply_to_tweet_id=mention["id"]
    )
    assert set(created.data) == {"id", "text", "edit_history_tweet_ids"}
    [entry] = control.outbox(network="x", kind="tweet")
    assert entry["account_id"] == "999"
    assert entry["target"] == mention["id"]
    assert entry["text"] == "Sorry to hear that, we'll send a crew."
    assert entry["result_id"] == created.data["id"]
    assert entry["seq"] == 1
    posted = client.get_tweet(
        created.data["id"], tweet_fields=["conversation_id", "in_reply_to_user_id"]
    )
    assert posted.data.conversation_id == int(mention["conversation_id"])
    assert posted.data.in_reply_to_user_id == int(mention["author_id"])


def test_posting_the_same_text_twice_is_forbidden_as_duplicate_content(client, control):
    client.create_tweet(text="Thanks, passed to the team.")
    with pytest.raises(tweepy.Forbidden, match="duplicate content"):
        client.create_tweet(text="Thanks, passed to the team.")
    assert len(control.outbox(kind="tweet")) == 1


def test_the_same_text_is_allowed_again_after_a_day(client, control):
    client.create_tweet(text="Gritters out tonight.")
    control.post("/_sandbox/clock", {"advance_seconds": 25 * 3600})
    client.create_tweet(text="Gritters out tonight.")
    assert len(control.outbox(kind="tweet")) == 2


def test_text_over_280_weighted_characters_is_bad_request(client, control):
    with pytest.raises(tweepy.BadRequest, match="too long"):
        client.create_tweet(text="x" * 281)
    client.create_tweet(text="y" * 280)
    with pytest.raises(tweepy.BadRequest):
        client.create_tweet(text="界" * 141)  # CJK characters weigh 2
    assert len(control.outbox(kind="tweet")) == 1


def test_replying_to_an_unknown_tweet_is_forbidden(client):
    with pytest.raises(tweepy.Forbidden, match="deleted or not visible"):
        client.create_tweet(text="hello", in_reply_to_tweet_id="1000000000000000001")


def test_like_and_unlike_are_recorded_and_count_in_metrics(client, control):
    [mention] = control.inject(kind="mention", account_id="999")
    assert client.like(mention["id"]).data == {"liked": True}
    assert client.unlike(mention["id"]).data == {"liked": False}
    kinds = [(e["kind"], e["target"], e["account_id"]) for e in control.outbox()]
    assert kinds == [("like", mention["id"], "999"), ("unlike", mention["id"], "999")]


def test_hiding_a_reply_in_the_accounts_own_conversation(client, control):
    own = client.create_tweet(text="Consultation on parking is open.").data["id"]
    [reply] = control.inject(
        kind="reply", account_id="999", in_reply_to_tweet_id=own, category="detractor"
    )
    assert client.hide_reply(reply["id"]).data == {"hidden": True}
    assert client.unhide_reply(reply["id"]).data == {"hidden": False}
    assert [e["kind"] for e in control.outbox()] == ["tweet", "hide", "unhide"]
    assert control.outbox(kind="hide")[0]["target"] == reply["id"]


def test_hiding_a_mention_outside_the_accounts_conversations_is_forbidden(client, control):
    [mention] = control.inject(kind="mention", account_id="999")
    with pytest.raises(tweepy.Forbidden, match="conversations you started"):
        client.hide_reply(mention["id"])
    assert control.outbox(kind="hide") == []


def test_mute_and_unmute_are_recorded(client, control):
    [mention] = control.inject(kind="mention", account_id="999", category="detractor")
    assert client.mute(mention["author_id"]).data == {"muting": True}
    assert client.unmute(mention["author_id"]).data == {"muting": False}
    assert [(e["kind"], e["target"]) for e in control.outbox()] == [
        ("mute", mention["author_id"]),
        ("unmute", mention["author_id"]),
    ]


def test_deleting_someone_elses_tweet_is_forbidden(client, control):
    [mention] = control.inject(kind="mention", account_id="999")
    with pytest.raises(tweepy.Forbidden):
        client.delete_tweet(mention["id"])
    own = client.create_tweet(text="typo").data["id"]
    client.delete_tweet(own)
    assert [(e["kind"], e["target"]) for e in control.outbox(kind="delete")] == [("delete", own)]


def test_writes_need_user_context(make_client, control):
    app_only = make_client(None, bearer_token="sbx-app")
    with pytest.raises(tweepy.Forbidden):
        app_only.create_tweet(text="hello", user_auth=False)
    assert control.outbox() == []


def test_outbox_filters_and_clear(client, control):
    client.create_tweet(text="one")
    [mention] = control.inject(kind="mention", account_id="999")
    client.like(mention["id"])
    assert [e["kind"] for e in control.outbox(kind="like")] == ["like"]
    assert len(control.outbox(network="x")) == 2
    assert control.outbox(since_seq=1)[0]["kind"] == "like"
    assert control.post("/_sandbox/outbox/clear")["cleared"] == 2
    client.create_tweet(text="two")
    assert control.outbox()[0]["seq"] == 3  # numbering continues after a clear
