"""Every item fails alone: property tests at the mapper level, for breadth.

Each network mapper and webhook parser gets generated pages or bodies that mix
well-formed items with malformed ones (tests/inbox/properties.py); the batch
goes through ingest on the test database (SQLite, or Postgres with
DATABASE_URL). Every well-formed item must be stored exactly once, every
malformed one quarantined with a readable reason, and nothing may raise out of
the batch. The same properties over HTTP, through the sandbox and the real
clients, are in test_ingest_properties_sandbox.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.models import Contact, Message
from inbox.networks import facebook_mapping, reading, x_activity
from inbox.networks.base import StreamResult
from inbox.networks.x import Includes, XClient, _mapped
from inbox.services.ingest import messages_ingest
from tests.factories import ChannelFactory
from tests.inbox import properties as p

pytestmark = pytest.mark.django_db


@pytest.fixture
def x_chan(team_a):
    return ChannelFactory(network="x", external_account_id=p.ACCOUNT_ID, covered_by=[team_a])


@pytest.fixture
def fb_chan(team_a):
    return ChannelFactory(network="facebook", external_account_id=p.PAGE_ID, covered_by=[team_a])


def _profiles_fit_their_columns(good_users: dict[str, dict[str, Any]]) -> None:
    """Over-long names and handles are cut to the column and the contact says so."""
    for contact in Contact.objects.filter(external_id__in=list(good_users)):
        user = good_users[contact.external_id]
        assert len(contact.display_name) <= 200 and len(contact.handle) <= 120
        long = len(user["name"]) > 200 or len(user["username"]) > 120
        assert contact.profile_truncated == long, contact.external_id
        assert user["name"].replace("\x00", "\ufffd").startswith(contact.display_name)


def _texts_altered_only_where_unstorable(good: list[dict[str, Any]], key: str) -> None:
    by_id = {str(g["id"]): g[key] for g in good}
    for ext_id, text, altered in Message.objects.values_list("external_id", "text", "altered"):
        assert altered == ("\x00" in by_id[ext_id])
        assert text == by_id[ext_id].replace("\x00", "\ufffd")


class _Pages:
    """Stands in for the HTTP pages of a stream: the mapper and the cursor
    code under test are XClient's own."""

    def __init__(self, pages: list[tuple[list[Any], dict[str, dict]]]):
        self.pages = pages

    def __call__(self, since_id: Any):
        return iter(self.pages)


@st.composite
def tweet_pages(draw):
    elements, good_ids, n_bad, good = draw(
        p.mixed(
            p.x_tweet,
            lambda t: p.broken(t, p.TWEET_BAD, p.TWEET_REQUIRED),
            ids=p.TWEET_IDS,
        )
    )
    authors = {g["author_id"] for g in good}
    users = {a: draw(p.x_profile(a)) for a in authors}
    split = draw(st.integers(0, len(elements)))
    includes = Includes(users=users)
    return (
        [(elements[:split], includes), (elements[split:], includes)],
        good_ids,
        n_bad,
        good,
        users,
    )


@given(case=tweet_pages())
def test_x_mentions_store_each_readable_tweet_once_and_quarantine_the_rest(x_chan, case):
    pages, good_ids, n_bad, good, users = case
    with p.undone():
        mapper = x_activity._Mapper(p.ACCOUNT_ID)
        stream: StreamResult = XClient._stream(
            mapper, "mentions", None, _Pages(pages), mapper._map_tweet
        )
        messages_ingest(channel=x_chan, items=stream.items, unparseable=stream.unparseable)

        p.assert_each_stored_once_and_the_rest_quarantined(x_chan, good_ids, n_bad)
        # The cursor is the newest tweet that was read, whatever the others claim to be.
        newest = max((int(i) for i in good_ids), default=0)
        assert stream.cursor == (str(newest) if newest else None)
        _profiles_fit_their_columns(users)
        _texts_altered_only_where_unstorable(good, "text")


@given(
    case=p.mixed(p.x_dm, lambda d: p.broken(d, p.DM_BAD, p.DM_REQUIRED), ids=p.TWEET_IDS),
    profile_ids=st.sets(p.AUTHOR_IDS, max_size=4),
)
def test_x_dms_store_each_readable_event_once_and_quarantine_the_rest(x_chan, case, profile_ids):
    elements, good_ids, n_bad, good = case
    with p.undone():
        mapper = x_activity._Mapper(p.ACCOUNT_ID)
        users = {u: {"id": u, "username": f"u{u}", "name": "N"} for u in profile_ids}
        items, bad = _mapped(elements, Includes(users=users), mapper._map_dm)
        messages_ingest(channel=x_chan, items=items, unparseable=bad)

        p.assert_each_stored_once_and_the_rest_quarantined(x_chan, good_ids, n_bad)
        _texts_altered_only_where_unstorable(good, "text")


@given(
    case=p.mixed(
        p.fb_comment, lambda c: p.broken(c, p.COMMENT_BAD, p.COMMENT_REQUIRED), ids=p.GRAPH_IDS
    )
)
def test_facebook_comments_store_each_readable_comment_once_and_quarantine_the_rest(fb_chan, case):
    elements, good_ids, n_bad, good = case
    with p.undone():
        items, bad = [], []
        for raw in elements:
            reading.read_into(
                items,
                bad,
                raw,
                lambda r: facebook_mapping.map_comment(r, post_id="1_2", page_id=p.PAGE_ID),
                "comment",
            )
        messages_ingest(channel=fb_chan, items=items, unparseable=bad)

        p.assert_each_stored_once_and_the_rest_quarantined(fb_chan, good_ids, n_bad)
        _texts_altered_only_where_unstorable(good, "message")
        assert all(len(c.display_name) <= 200 for c in Contact.objects.all())


@given(
    case=p.mixed(
        lambda mid: p.fb_message(mid, "1000000000000001"),
        lambda m: p.broken(m, p.MESSAGE_BAD, p.MESSAGE_REQUIRED),
        ids=p.MESSAGE_IDS,
    )
)
def test_messenger_messages_store_each_readable_one_once_and_quarantine_the_rest(fb_chan, case):
    elements, good_ids, n_bad, good = case
    with p.undone():
        items, bad = [], []
        for raw in elements:
            reading.read_into(
                items,
                bad,
                raw,
                lambda r: facebook_mapping.map_message(
                    r, psid="1000000000000001", page_id=p.PAGE_ID
                ),
                "Messenger message",
            )
        messages_ingest(channel=fb_chan, items=items, unparseable=bad)

        p.assert_each_stored_once_and_the_rest_quarantined(fb_chan, good_ids, n_bad)
        _texts_altered_only_where_unstorable(good, "message")
