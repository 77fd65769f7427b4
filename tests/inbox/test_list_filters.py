"""The list's query string: what is kept, what is dropped (never refused)."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from inbox.forms import inbox_filters
from inbox.selectors import InboxFilters


def parse(query: str):
    return inbox_filters(QueryDict(query))


def test_an_empty_query_is_everything_i_may_see_newest_first_page_one():
    assert parse("") == (InboxFilters(), 1)


def test_every_filter_is_read():
    filters, page = parse(
        "view=mine&channel=7&network=facebook&status=pending&priority=2&label=3"
        "&assignee=9&kind=private&needs_reply=on&sort=due&page=4"
    )
    assert filters == InboxFilters(
        view="mine",
        channel_id=7,
        network="facebook",
        status="pending",
        priority=2,
        label_id=3,
        assignee_id=9,
        kind="private",
        needs_reply=True,
        sort="due",
    )
    assert page == 4


@pytest.mark.parametrize(
    "query",
    [
        "view=everything",
        "channel=0",
        "channel=-3",
        "channel=abc",
        "channel=1;DROP",
        "network=myspace",
        "status=deleted",
        "priority=9",
        "priority=high",
        "label=",
        "kind=<script>",
        "needs_reply=false",
        "needs_reply=0",
        "sort=random",
        "page=0",
        "page=10001",
        "page=two",
    ],
)
def test_an_unknown_or_malformed_value_is_dropped(query):
    assert parse(query) == (InboxFilters(), 1)


def test_numbers_may_carry_spaces_and_checkbox_words_read_as_django_reads_them():
    filters, page = parse("channel=%2012%20&needs_reply=true&page=%203")
    assert filters.channel_id == 12 and filters.needs_reply and page == 3
