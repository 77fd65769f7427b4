"""What exactly-once sending needs from the sandbox: an account's own posts and
a thread's messages paged back far past 100, write limits a test can lower
(429 with the reset time, then writes again once the window resets), and the
outbox as the record of what was posted."""

from __future__ import annotations

from datetime import UTC, datetime

import facebook
import pytest
import tweepy

from tests.sandbox.fb_support import (
    JO,
    PAGE,
    graph_fixture,  # noqa: F401 (fixture)
    inject,
    make_graph_fixture,  # noqa: F401 (fixture)
    page_fixture,  # noqa: F401 (fixture)
    post,
)


def own_posts(sandbox, count: int) -> list[str]:
    return [
        sandbox.state.x.add_tweet(author_id="999", text=f"Update {n}", origin="api").id
        for n in range(count)
    ]


def test_the_timeline_pages_back_past_100_posts_with_pagination_tokens(client, sandbox):
    made = own_posts(sandbox, 250)
    seen, token, pages = [], None, 0
    while True:
        page = client.get_users_tweets(999, max_results=100, pagination_token=token)
        pages += 1
        seen += [str(t.id) for t in page.data]
        token = page.meta.get("next_token")
        if not token:
            break
    assert pages == 3
    assert seen == made[::-1]  # newest first, each post once


def test_until_id_reads_the_timeline_below_a_post(client, sandbox):
    made = own_posts(sandbox, 150)
    below = client.get_users_tweets(999, max_results=100, until_id=made[120])
    assert [str(t.id) for t in below.data] == made[:120][::-1][:100]


def test_a_lowered_write_limit_answers_429_with_the_reset_and_counts_the_refusal(
    client, control, sandbox
):
    control.post("/_sandbox/clock", {"now": "2026-03-02T09:00:00Z", "frozen": True})
    control.limits(x_write=2, window_seconds=30)
    client.create_tweet(text="First")
    client.create_tweet(text="Second")
    with pytest.raises(tweepy.TooManyRequests) as refused:
        client.create_tweet(text="Third")
    assert refused.value.reset_time == int(datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC).timestamp())
    assert refused.value.response.headers["x-rate-limit-remaining"] == "0"
    assert [e["text"] for e in control.outbox(kind="tweet")] == ["First", "Second"]
    assert control.limits()["refused"] == {"create_tweet": 1}

    control.post("/_sandbox/clock", {"advance_seconds": 30})
    client.create_tweet(text="Third")  # a new window
    assert len(control.outbox(kind="tweet")) == 3


def test_the_write_limit_leaves_reads_alone_and_reset_restores_the_defaults(client, control):
    control.limits(x_write=1)
    client.create_tweet(text="Only one")
    with pytest.raises(tweepy.TooManyRequests):
        client.create_tweet(text="One too many")
    assert client.get_users_tweets(999).data[0].text == "Only one"
    control.post("/_sandbox/reset")
    assert control.limits() == {
        "x_read": 900,
        "x_write": 300,
        "fb_calls": 4800,
        "bsky_calls": 3000,
        "masto_calls": 300,
        "window_seconds": 900,
        "refused": {},
    }


@pytest.mark.parametrize(
    "change", [{"x_write": 0}, {"x_write": "5"}, {"tweets": 5}, {"window_seconds": -1}]
)
def test_a_bad_limit_is_refused(control, change):
    assert "error" in control.call("POST", "/_sandbox/limits", change, expect=400)


def test_a_page_over_its_lowered_call_limit_gets_code_32(graph, control):
    control.limits(fb_calls=3, window_seconds=60)
    for _ in range(3):
        graph.get_object(PAGE, fields="id")
    with pytest.raises(facebook.GraphAPIError) as refused:
        graph.get_object(PAGE, fields="id")
    assert refused.value.code == 32
    assert control.limits()["refused"] == {"fb": 1}


def test_a_comments_replies_page_back_newest_first_with_cursors(graph, control):
    [comment] = inject(control, kind="comment", post_id=post(control), author=JO)
    made = [
        graph.put_object(comment["id"], "comments", message=f"Reply {n}")["id"] for n in range(130)
    ]
    seen, args = [], {"order": "reverse_chronological", "limit": 100, "fields": "id"}
    while True:
        page = graph.get_connections(comment["id"], "comments", **args)
        seen += [c["id"] for c in page["data"]]
        after = page.get("paging", {}).get("cursors", {}).get("after")
        if not page.get("paging", {}).get("next"):
            break
        args["after"] = after
    assert seen == made[::-1]
    assert len(control.outbox(network="fb", kind="comment")) == 130


def test_a_messenger_threads_messages_page_back_newest_first(graph, control):
    inject(control, kind="message", author=JO, text="Is the tip open on Sunday?")
    [thread] = graph.get_connections(PAGE, "conversations", user_id=JO["id"], fields="id")["data"]
    made = [
        graph.put_object(
            PAGE,
            "messages",
            recipient=f'{{"id": "{JO["id"]}"}}',
            message=f'{{"text": "Answer {n}"}}',
            messaging_type="RESPONSE",
        )["message_id"]
        for n in range(120)
    ]
    first = graph.get_connections(thread["id"], "messages", limit=100, fields="id")
    second = graph.get_connections(
        thread["id"], "messages", limit=100, fields="id", after=first["paging"]["cursors"]["after"]
    )
    ids = [m["id"] for m in first["data"] + second["data"]]
    assert ids[:120] == made[::-1] and len(ids) == 121  # and the person's message, oldest
