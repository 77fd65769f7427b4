"""Every item fails alone, over HTTP: the sandbox serves pages of real
injected items with generated malformed elements mixed in (its
``extra_items`` fault), the real tweepy and facebook-sdk clients fetch them,
and polling stores the batch. Every injected item is stored once, every
malformed element is quarantined, the cursor moves only as far as the items
that were read, and the poll ends without an error."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.models import Channel, Contact
from inbox.services import polling
from tests.inbox import properties as p
from tests.inbox.facebook_support import (
    PAGE_ID,
    PAGE_TOKEN,
    fb_channel_fixture,  # noqa: F401 (fixture)
    fb_fault,
    fb_inject,
)

pytestmark = pytest.mark.django_db

MENTIONS = r"/2/users/999/mentions"
DMS = r"/2/dm_events"
COMMENTS = r"^/v21\.0/\d+_\d+/comments$"
CONVERSATIONS = r"^/v21\.0/\d+/conversations$"

AUTHORS = st.lists(
    st.fixed_dictionaries({"id": p.AUTHOR_IDS, "username": p.HANDLE.filter(bool), "name": p.NAME}),
    min_size=1,
    max_size=3,
    unique_by=lambda a: a["id"],
)


def _reset_x(sandbox) -> None:
    sandbox.post("/_sandbox/reset")
    sandbox.post(
        "/_sandbox/x/accounts", {"id": "999", "username": "council_help", "name": "Riverside"}
    )


def _reset_fb(sandbox) -> str:
    sandbox.post("/_sandbox/reset")
    sandbox.post(
        "/_sandbox/fb/pages",
        {"id": PAGE_ID, "name": "Riverside Council", "access_token": PAGE_TOKEN},
    )
    return sandbox.post("/_sandbox/fb/posts", {"page_id": PAGE_ID, "message": "Roadworks"})["post"][
        "id"
    ]


def _poll_cleanly(channel: Channel) -> Channel:
    polling.channel_poll(channel_id=channel.pk)
    channel.refresh_from_db()
    assert channel.poll_failures == 0 and channel.last_error == "", channel.last_error
    return channel


def _sendable(value) -> bool:
    """The control API speaks strict JSON (no NaN or Infinity)."""
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        return False
    return True


@st.composite
def malformed_elements(draw, good_of, bad, required, ids):
    broken = ids.flatmap(good_of).flatmap(lambda g: p.broken(g, bad, required))
    items = draw(st.lists(broken.filter(_sendable), min_size=1, max_size=5))
    at = draw(st.lists(st.integers(0, 8), min_size=len(items), max_size=len(items)))
    return items, at


@given(
    authors=AUTHORS,
    count=st.integers(0, 5),
    bad=malformed_elements(p.x_tweet, p.TWEET_BAD, p.TWEET_REQUIRED, p.TWEET_IDS),
)
def test_polled_mention_pages_store_each_tweet_once_and_quarantine_the_rest(
    sandbox, x_channel, authors, count, bad
):
    with p.undone():
        _reset_x(sandbox)
        good = [
            t["id"]
            for i in range(count)
            for t in sandbox.inject(
                kind="mention", account_id="999", author=authors[i % len(authors)]
            )
        ]
        items, at = bad
        sandbox.fault(
            method="GET", path=MENTIONS, kind="extra_items", params={"items": items, "at": at}
        )

        channel = _poll_cleanly(x_channel)

        p.assert_each_stored_once_and_the_rest_quarantined(channel, good, len(items))
        newest = max(good, key=int) if good else None
        assert channel.poll_cursor.get("mentions_since_id") == newest
        for contact in Contact.objects.filter(network="x"):
            assert len(contact.display_name) <= 200 and len(contact.handle) <= 120


@given(
    authors=AUTHORS,
    count=st.integers(0, 4),
    bad=malformed_elements(p.x_dm, p.DM_BAD, p.DM_REQUIRED, p.TWEET_IDS),
)
def test_polled_dm_pages_store_each_event_once_and_quarantine_the_rest(
    sandbox, x_channel, authors, count, bad
):
    with p.undone():
        _reset_x(sandbox)
        good = [
            d["id"]
            for i in range(count)
            for d in sandbox.inject(kind="dm", account_id="999", author=authors[i % len(authors)])
        ]
        items, at = bad
        sandbox.fault(method="GET", path=DMS, kind="extra_items", params={"items": items, "at": at})

        channel = _poll_cleanly(x_channel)

        p.assert_each_stored_once_and_the_rest_quarantined(channel, good, len(items))
        if good:
            assert channel.poll_cursor.get("dms_since_id") == max(good, key=int)


@given(
    count=st.integers(0, 5),
    bad=malformed_elements(p.fb_comment, p.COMMENT_BAD, p.COMMENT_REQUIRED, p.GRAPH_IDS),
)
def test_polled_comment_pages_store_each_comment_once_and_quarantine_the_rest(
    sandbox, fb_channel, count, bad
):
    with p.undone():
        post_id = _reset_fb(sandbox)
        good = (
            [c["id"] for c in fb_inject(sandbox, kind="comment", post_id=post_id, count=count)]
            if count
            else []
        )
        items, at = bad
        fb_fault(
            sandbox,
            method="GET",
            path=COMMENTS,
            kind="extra_items",
            params={"items": items, "at": at},
        )

        channel = _poll_cleanly(fb_channel)

        p.assert_each_stored_once_and_the_rest_quarantined(channel, good, len(items))


THREAD_BAD = {
    ("id",): p.BAD_PLAIN_ID,
    ("updated_time",): p.BAD_FB_TIME,
    ("participants",): st.one_of(st.none(), st.integers(), st.just({"data": []})),
}
THREAD_REQUIRED = {("id",), ("updated_time",), ("participants",)}


@st.composite
def messenger_thread(draw, thread_id: str):
    return {
        "id": thread_id,
        "updated_time": p.fb_time(draw(p.MOMENT)),
        "participants": {"data": [{"id": draw(p.PSIDS), "name": "Jo"}, {"id": PAGE_ID}]},
        "messages": {"data": []},
    }


@given(
    count=st.integers(0, 4),
    bad=malformed_elements(messenger_thread, THREAD_BAD, THREAD_REQUIRED, p.MESSAGE_IDS),
)
def test_polled_messenger_threads_store_each_message_once_and_quarantine_the_rest(
    sandbox, fb_channel, count, bad
):
    with p.undone():
        _reset_fb(sandbox)
        good = [m["id"] for m in fb_inject(sandbox, kind="message", count=count)] if count else []
        items, at = bad
        fb_fault(
            sandbox,
            method="GET",
            path=CONVERSATIONS,
            kind="extra_items",
            params={"items": items, "at": at},
        )

        channel = _poll_cleanly(fb_channel)

        p.assert_each_stored_once_and_the_rest_quarantined(channel, good, len(items))
