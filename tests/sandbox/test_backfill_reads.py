"""The read filters a history import relies on, as the real APIs have them:
X keeps DM events for 30 days; Graph's feed takes ``since``/``until``."""

from __future__ import annotations

from datetime import datetime, timedelta

import facebook
import pytest

from tests.sandbox.fb_support import (  # noqa: F401 (fixtures)
    PAGE,
    graph_fixture,
    make_graph_fixture,
    page_fixture,
)

DM_FIELDS = ["created_at", "sender_id", "dm_conversation_id"]


def _ago(control, **delta) -> datetime:
    now = datetime.fromisoformat(control.get("/_sandbox/clock")["now"].replace("Z", "+00:00"))
    return now - timedelta(**delta)


def test_dm_events_older_than_30_days_are_not_served(client, control):
    old = control.inject(
        kind="dm", account_id="999", created_at=_ago(control, days=31).isoformat(), text="old"
    )[0]
    kept = control.inject(
        kind="dm", account_id="999", created_at=_ago(control, days=29).isoformat(), text="kept"
    )[0]
    served = client.get_direct_message_events(dm_event_fields=DM_FIELDS, user_auth=True).data
    ids = {str(e.id) for e in served}
    assert kept["id"] in ids and old["id"] not in ids
    # The same window applies per conversation.
    convo = client.get_direct_message_events(
        dm_conversation_id=kept["dm_conversation_id"], dm_event_fields=DM_FIELDS, user_auth=True
    ).data
    assert [str(e.id) for e in convo] == [kept["id"]]


def test_the_feed_filters_on_since_and_until_inclusive_in_whole_seconds(graph, control):
    times = [_ago(control, days=d).replace(microsecond=0) for d in (9, 5, 2)]
    ids = [
        control.post(
            "/_sandbox/fb/posts",
            {"page_id": PAGE, "message": f"post {n}", "created_at": at.isoformat()},
        )["post"]["id"]
        for n, at in enumerate(times)
    ]
    since = int(times[1].timestamp())
    got = graph.get_connections(PAGE, "feed", since=since, fields="id,created_time")
    assert [p["id"] for p in got["data"]] == [ids[2], ids[1]]  # newest first, since inclusive
    until = int(times[2].timestamp())
    got = graph.get_connections(PAGE, "feed", since=since, until=until - 1, fields="id")
    assert [p["id"] for p in got["data"]] == [ids[1]]
    got = graph.get_connections(PAGE, "feed", until=times[1].strftime("%Y-%m-%dT%H:%M:%S+0000"))
    assert [p["id"] for p in got["data"]] == [ids[1], ids[0]]


def test_the_feed_keeps_its_time_filter_across_pages(graph, control):
    start = _ago(control, days=3)
    for n in range(5):
        control.post(
            "/_sandbox/fb/posts",
            {
                "page_id": PAGE,
                "message": f"post {n}",
                "created_at": (start + timedelta(hours=n)).isoformat(),
            },
        )
    control.post(
        "/_sandbox/fb/posts",
        {"page_id": PAGE, "message": "too old", "created_at": _ago(control, days=10).isoformat()},
    )
    seen = list(
        graph.get_all_connections(PAGE, "feed", since=int(start.timestamp()), limit=2, fields="id")
    )
    assert len(seen) == 5


def test_a_bad_since_is_graphs_invalid_parameter(graph):
    with pytest.raises(facebook.GraphAPIError) as info:
        graph.get_connections(PAGE, "feed", since="yesterday-ish")
    assert info.value.code == 100
