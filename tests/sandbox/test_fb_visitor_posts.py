"""People's posts in the /fb network through facebook-sdk: visitor posts on the
Page (/feed, /visitor_posts), posts elsewhere that tag it (/tagged), what the
Page may do with each, and the webhook payloads Meta sends for them."""

from __future__ import annotations

import facebook
import pytest

from sandbox.fb_webhooks import post_payload
from tests.sandbox.fb_support import (
    JO,
    PAGE,
    graph_fixture,  # noqa: F401 (fixture)
    inject,
    make_graph_fixture,  # noqa: F401 (fixture)
    page_fixture,  # noqa: F401 (fixture)
    post,
)

FIELDS = "id,message,from{id,name},to,message_tags,status_type"


def ids(graph, edge: str) -> list[str]:
    return [p["id"] for p in graph.get_connections(PAGE, edge, fields="id")["data"]]


def test_each_edge_lists_its_own_posts(graph, control):
    own = post(control)
    [visit] = inject(control, kind="visitor_post", author=JO, text="Bins?")
    [tag] = inject(control, kind="tag", author=JO, text="Thanks Riverside Council")
    assert set(ids(graph, "feed")) == {own, visit["id"]}
    assert ids(graph, "posts") == [own]
    assert ids(graph, "visitor_posts") == [visit["id"]]
    assert ids(graph, "tagged") == [tag["id"]]
    assert not tag["id"].startswith(PAGE)  # on Jo's own timeline


def test_a_person_s_post_renders_its_author_page_and_tags(graph, control):
    [visit] = inject(control, kind="visitor_post", author=JO, text="Bins?")
    [tag] = inject(control, kind="tag", author=JO, text="Thanks Riverside Council!")
    found = graph.get_object(visit["id"], fields=FIELDS)
    assert found["from"] == {"id": JO["id"], "name": JO["name"]}
    assert found["to"]["data"][0]["id"] == PAGE and found["status_type"] == "wall_post"
    tagged = graph.get_object(tag["id"], fields=FIELDS)
    [mark] = tagged["message_tags"]
    assert (mark["id"], mark["type"]) == (PAGE, "page")
    assert tagged["message"][mark["offset"] : mark["offset"] + mark["length"]] == mark["name"]


def test_parent_is_refused_on_a_post_and_metadata_names_the_node(graph, control):
    [visit] = inject(control, kind="visitor_post", author=JO)
    with pytest.raises(facebook.GraphAPIError) as refused:
        graph.get_object(visit["id"], fields="id,parent{id}")
    assert refused.value.code == 100
    assert graph.get_object(visit["id"], fields="id", metadata=1)["metadata"]["type"] == "post"
    [comment] = inject(control, kind="comment", post_id=visit["id"], author=JO)
    assert graph.get_object(comment["id"], fields="id", metadata=1)["metadata"]["type"] == (
        "comment"
    )


def test_the_page_hides_visitor_posts_but_only_comments_on_tags(graph, control):
    [visit] = inject(control, kind="visitor_post", author=JO)
    [tag] = inject(control, kind="tag", author=JO)
    assert graph.request(f"v21.0/{visit['id']}", post_args={"is_hidden": "true"}) == {
        "success": True
    }
    assert graph.get_object(visit["id"], fields="is_hidden")["is_hidden"] is True
    for attempt in (
        lambda: graph.request(f"v21.0/{tag['id']}", post_args={"is_hidden": "true"}),
        lambda: graph.delete_object(tag["id"]),
    ):
        with pytest.raises(facebook.GraphAPIError) as refused:
            attempt()
        assert refused.value.code == 200
    created = graph.put_object(tag["id"], "comments", message="Thank you!")
    [entry] = control.outbox(network="fb", kind="comment")
    assert (entry["target"], entry["result_id"]) == (tag["id"], created["id"])


def test_webhook_payloads_are_a_feed_status_and_a_mention(sandbox, page, control):
    sandbox_state = sandbox.state
    [visit] = inject(control, kind="visitor_post", author=JO, text="Flooding")
    [tag] = inject(control, kind="tag", author=JO, text="Well done")
    feed = post_payload(sandbox_state, sandbox_state.fb.posts[visit["id"]])
    [entry] = feed["entry"]
    [change] = entry["changes"]
    assert (entry["id"], change["field"]) == (PAGE, "feed")
    assert {k: change["value"][k] for k in ("item", "verb", "post_id", "message")} == {
        "item": "status",
        "verb": "add",
        "post_id": visit["id"],
        "message": "Flooding",
    }
    mention = post_payload(sandbox_state, sandbox_state.fb.posts[tag["id"]])
    [entry] = mention["entry"]
    [change] = entry["changes"]
    assert (entry["id"], change["field"], change["value"]["sender_id"]) == (
        PAGE,
        "mention",
        JO["id"],
    )
