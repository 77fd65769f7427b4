"""The /fb network's reads through the real facebook-sdk client: Page, feed,
comments, Messenger, insights, paging, field selection, auth and usage headers."""

from __future__ import annotations

import json
from datetime import timedelta

import facebook
import pytest
import requests

from tests.sandbox.fb_support import (
    GRAPH,
    JO,
    PAGE,
    TOKEN,
    graph_fixture,  # noqa: F401 (fixture)
    inject,
    make_graph_fixture,  # noqa: F401 (fixture)
    page_fixture,  # noqa: F401 (fixture)
    post,
)


def test_the_constructor_rejects_a_current_version_so_it_is_set_afterwards():
    with pytest.raises(facebook.GraphAPIError):
        facebook.GraphAPI("t", version="21.0")


def test_page_info_returns_only_the_fields_asked_for(graph):
    assert graph.get_object(PAGE, fields="id,name,followers_count") == {
        "id": PAGE,
        "name": "Riverside Council",
        "followers_count": 20000,
    }
    assert graph.get_object(PAGE) == {"id": PAGE, "name": "Riverside Council"}
    assert graph.get_object("me", fields="id")["id"] == PAGE


def test_followers_drift_with_the_sandbox_clock(graph, control):
    before = graph.get_object(PAGE, fields="followers_count")["followers_count"]
    control.post("/_sandbox/clock", {"advance_seconds": 86400})
    assert graph.get_object(PAGE, fields="followers_count")["followers_count"] > before


def test_the_feed_has_engagement_summaries_and_no_shares_field_at_zero(graph, control):
    post_id = post(control)
    inject(control, kind="comment", post_id=post_id, count=3)
    fields = "id,message,created_time,permalink_url,shares,reactions.summary(total_count).limit(0),comments.summary(true).limit(0)"
    [item] = graph.get_connections(PAGE, "feed", fields=fields)["data"]
    assert item["id"] == post_id and item["id"].startswith(PAGE + "_")
    assert item["created_time"].endswith("+0000")
    assert item["comments"] == {
        "data": [],
        "summary": {"order": "ranked", "total_count": 3, "can_comment": True},
    }
    assert item["reactions"]["summary"]["total_count"] == 0  # a brand-new post
    assert "shares" not in item
    control.post("/_sandbox/clock", {"advance_seconds": 2 * 86400})
    [later] = graph.get_connections(PAGE, "feed", fields=fields)["data"]
    assert later["reactions"]["summary"]["total_count"] > 0
    assert later["shares"]["count"] >= 0


def test_paging_next_carries_the_token_so_get_all_connections_works(graph, control):
    post_id = post(control)
    made = inject(control, kind="comment", post_id=post_id, count=60)
    first = graph.get_connections(post_id, "comments", limit=25)
    assert "access_token=" in first["paging"]["next"] and first["paging"]["next"].startswith(
        GRAPH + "/v21.0/"
    )
    every = list(graph.get_all_connections(post_id, "comments", limit=25, fields="id"))
    assert [c["id"] for c in every] == [m["id"] for m in made]


def test_comments_stream_nests_replies_with_parent_and_orders_both_ways(graph, control):
    post_id = post(control)
    [top] = inject(control, kind="comment", post_id=post_id, author=JO, text="Which roads?")
    [reply] = inject(control, kind="reply", parent_id=top["id"], text="And how long?")
    [deeper] = inject(control, kind="reply", parent_id=reply["id"], text="Answer please")
    fields = "id,message,from{id,name},parent{id},is_hidden,can_hide,comment_count"
    top_level = graph.get_connections(post_id, "comments", fields=fields)["data"]
    assert [c["id"] for c in top_level] == [top["id"]] and top_level[0]["comment_count"] == 2
    stream = graph.get_connections(
        post_id,
        "comments",
        fields=fields,
        filter="stream",
        order="reverse_chronological",
        summary="true",
    )
    assert [c["id"] for c in stream["data"]] == [deeper["id"], reply["id"], top["id"]]
    assert stream["data"][0]["parent"] == {
        "id": top["id"]
    }  # two levels only: filed under the top comment
    assert stream["data"][2]["from"] == JO and stream["summary"]["total_count"] == 3
    replies = graph.get_connections(top["id"], "comments", fields="id")["data"]
    assert [r["id"] for r in replies] == [reply["id"], deeper["id"]]


def test_messenger_conversations_with_inline_messages_and_user_filter(graph, control):
    inject(control, kind="message", author=JO, text="When is bulky waste collection?")
    inject(control, kind="message", author={"id": "111", "name": "Sam"}, text="Hello")
    fields = "id,updated_time,participants,messages.limit(20){id,message,from,to,created_time}"
    data = graph.get_connections(PAGE, "conversations", platform="messenger", fields=fields)["data"]
    assert len(data) == 2 and all(c["id"].startswith("t_") for c in data)
    mine = graph.get_connections(PAGE, "conversations", user_id=JO["id"], fields=fields)["data"]
    [message] = mine[0]["messages"]["data"]
    assert (
        message["id"].startswith("m_") and message["message"] == "When is bulky waste collection?"
    )
    assert message["from"] == {**JO, "email": f"{JO['id']}@facebook.com"}
    assert message["to"]["data"][0]["id"] == PAGE
    assert {p["id"] for p in mine[0]["participants"]["data"]} == {JO["id"], PAGE}
    assert graph.get_connections(PAGE, "conversations", platform="instagram")["data"] == []
    thread = graph.get_connections(mine[0]["id"], "messages", fields="id,message")
    assert thread["data"][0]["id"] == message["id"]


def test_insights_serve_a_configured_metric_set_and_refuse_the_rest(graph, control):
    post_id = post(control)
    data = graph.get_connections(
        post_id, "insights", metric="post_impressions_unique,post_reactions_by_type_total"
    )["data"]
    assert [m["name"] for m in data] == ["post_impressions_unique", "post_reactions_by_type_total"]
    assert isinstance(data[1]["values"][0]["value"], dict)
    with pytest.raises(facebook.GraphAPIError) as refused:
        graph.get_connections(post_id, "insights", metric="post_engaged_users")  # removed in 2024
    assert refused.value.code == 100


def test_get_objects_reads_several_ids(graph, control):
    post_id = post(control)
    comments = inject(control, kind="comment", post_id=post_id, count=2)
    found = graph.get_objects([c["id"] for c in comments], fields="id,like_count,comment_count")
    assert set(found) == {c["id"] for c in comments}


def test_a_page_token_reads_only_its_own_page(graph, make_graph, control):
    control.post("/_sandbox/fb/pages", {"id": "200000000001", "name": "Other Council"})
    other_post = control.post("/_sandbox/fb/posts", {"page_id": "200000000001", "message": "Hi"})[
        "post"
    ]["id"]
    with pytest.raises(facebook.GraphAPIError) as refused:
        graph.get_object(other_post)
    assert (refused.value.code, refused.value.result["error"]["error_subcode"]) == (100, 33)


@pytest.mark.parametrize(
    ("token", "code", "subcode"),
    [(None, 104, None), ("nonsense", 190, None), ("sbx-page-104857600000-expired", 190, 463)],
)
def test_token_errors_use_graph_codes(page, make_graph, token, code, subcode):
    with pytest.raises(facebook.GraphAPIError) as refused:
        make_graph(token).get_object(PAGE)
    assert refused.value.code == code
    assert refused.value.result["error"].get("error_subcode") == subcode


def test_a_training_token_registers_its_page(make_graph, sandbox):
    assert make_graph("sbx-page-300000000003").get_object("300000000003")["id"] == "300000000003"


def test_every_answer_carries_the_business_use_case_usage_header(page, sandbox):
    response = requests.get(
        f"{sandbox.url}/fb/v21.0/{PAGE}", params={"access_token": TOKEN}, timeout=5
    )
    usage = json.loads(response.headers["X-Business-Use-Case-Usage"])
    [entry] = usage[PAGE]
    assert entry["type"] == "pages" and 0 <= entry["call_count"] <= 100
    assert entry["estimated_time_to_regain_access"] == 0


def test_a_page_that_really_loops_hits_code_32_with_a_regain_estimate(page, sandbox):
    from sandbox.ratelimit import DEFAULT_LIMITS

    limit = DEFAULT_LIMITS["fb_calls"]
    for _ in range(limit):  # the Page's whole 15-minute budget, spent in-process
        sandbox.state.ratelimits.hit("fb", PAGE, limit)
    response = requests.get(
        f"{sandbox.url}/fb/v21.0/{PAGE}", params={"access_token": TOKEN}, timeout=5
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == 32
    [entry] = json.loads(response.headers["X-Business-Use-Case-Usage"])[PAGE]
    assert entry["call_count"] == 100 and 1 <= entry["estimated_time_to_regain_access"] <= 15


def test_unknown_paths_and_nodes_are_graph_errors(graph, sandbox):
    with pytest.raises(facebook.GraphAPIError) as unknown:
        graph.get_object("999999999")
    assert unknown.value.code == 100
    with pytest.raises(facebook.GraphAPIError) as no_edge:
        graph.get_connections(PAGE, "followers")
    assert no_edge.value.code == 100


def test_the_council_scenario_seeds_pages_posts_comments_and_threads(control, sandbox, make_graph):
    created = control.post("/_sandbox/seed", {"scenario": "council"})["created"]
    assert created["fb_pages"] == 2 and created["fb_posts"] == 10  # 7 own, 2 visitors, 1 tag
    assert created["fb_comments"] >= 25 and created["fb_messages"] >= 8
    graph = make_graph("sbx-page-104857600000")
    assert len(graph.get_connections(PAGE, "conversations", fields="updated_time")["data"]) >= 5
    now = sandbox.state.now()
    # One thread's last message is 30 hours old: its reply window has closed (training).
    ages = [
        now - max(m.created_time for m in sandbox.state.fb.messages_in(c.id))
        for c in sandbox.state.fb.conversations_of(PAGE)
    ]
    assert any(age > timedelta(hours=24) for age in ages)
    assert any(age < timedelta(hours=24) for age in ages)
