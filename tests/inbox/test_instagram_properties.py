"""Every Instagram comment fails alone: generated pages of comments mixing
well-formed and malformed ones go through the mapper and ingest; each readable
comment is stored once and every other one quarantined with its reason."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.networks import instagram_mapping, reading
from inbox.services.ingest import messages_ingest
from tests.factories import ChannelFactory
from tests.inbox import properties as p

pytestmark = pytest.mark.django_db

MEDIA_ID = "17900000000000001"

IG_COMMENT_BAD = {
    ("id",): p.BAD_PLAIN_ID,
    ("from",): p.NOT_AN_OBJECT,
    ("from", "id"): p.BAD_PLAIN_ID,
    ("from", "username"): p.BAD_OPTIONAL_TEXT,
    ("timestamp",): p.BAD_FB_TIME,
    ("text",): p.BAD_OPTIONAL_TEXT,
}
IG_COMMENT_REQUIRED = {("id",), ("from",), ("from", "id"), ("timestamp",)}
IG_IDS = st.integers(10**16, 10**17 - 1).map(str)


@st.composite
def ig_comment(draw, comment_id: str) -> dict[str, Any]:
    return {
        "id": comment_id,
        "text": draw(p.TEXT),
        "from": {"id": draw(p.PSIDS), "username": draw(p.NAME)},
        "timestamp": p.fb_time(draw(p.MOMENT)),
        "like_count": draw(st.integers(0, 9)),
    }


@pytest.fixture
def ig_chan(team_a):
    return ChannelFactory(network="instagram", external_account_id=p.PAGE_ID, covered_by=[team_a])


@given(
    case=p.mixed(ig_comment, lambda c: p.broken(c, IG_COMMENT_BAD, IG_COMMENT_REQUIRED), ids=IG_IDS)
)
def test_instagram_comments_store_each_readable_one_once_and_quarantine_the_rest(ig_chan, case):
    elements, good_ids, n_bad, _good = case
    with p.undone():
        items, bad = [], []
        for raw in elements:
            reading.read_into(
                items,
                bad,
                raw,
                lambda r: instagram_mapping.map_comment(r, media_id=MEDIA_ID, account_id=p.PAGE_ID),
                "Instagram comment",
            )
        messages_ingest(channel=ig_chan, items=items, unparseable=bad)

        p.assert_each_stored_once_and_the_rest_quarantined(ig_chan, good_ids, n_bad)
