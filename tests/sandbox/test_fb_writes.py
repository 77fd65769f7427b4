"""The /fb network's writes through facebook-sdk: comment replies, hide, delete,
likes, Messenger sends with the 24-hour window, private replies, subscriptions."""

from __future__ import annotations

import json
from typing import Any

import facebook
import pytest

from tests.sandbox.fb_support import (
    JO,
    PAGE,
    graph_fixture,  # noqa: F401 (fixture)
    inject,
    make_graph_fixture,  # noqa: F401 (fixture)
    page_fixture,  # noqa: F401 (fixture)
    post,
)


def send(graph, recipient: dict[str, str], text: str, **extra: Any) -> dict[str, Any]:
    return graph.put_object(
        PAGE,
        "messages",
        recipient=json.dumps(recipient),
        message=json.dumps({"text": text}),
        **({"messaging_type": "RESPONSE"} | extra),
    )


def test_a_reply_to_a_comment_is_filed_under_it_and_recorded_once(graph, control):
    post_id = post(control)
    [comment] = inject(control, kind="comment", post_id=post_id, author=JO)
    created = graph.put_object(comment["id"], "comments", message="Thanks Jo, passed on.")
    [entry] = control.outbox(network="fb", kind="comment")
    assert (entry["target"], entry["text"], entry["result_id"]) == (
        comment["id"],
        "Thanks Jo, passed on.",
        created["id"],
    )
    assert entry["meta"] == {"post_id": post_id, "parent_id": comment["id"]}
    replies = graph.get_connections(comment["id"], "comments", fields="id,from{id}")["data"]
    assert replies == [{"id": created["id"], "from": {"id": PAGE}}]


def test_a_reply_to_a_reply_goes_under_the_top_level_comment(graph, control):
    [top] = inject(control, kind="comment", author=JO)
    [reply] = inject(control, kind="reply", parent_id=top["id"])
    created = graph.put_object(reply["id"], "comments", message="On it")
    assert graph.get_object(created["id"], fields="parent{id}")["parent"] == {"id": top["id"]}


def test_an_empty_comment_is_refused(graph, control):
    [comment] = inject(control, kind="comment")
    with pytest.raises(facebook.GraphAPIError) as refused:
        graph.put_object(comment["id"], "comments", message="  ")
    assert refused.value.code == 100
    assert control.outbox(network="fb") == []


def test_hide_unhide_and_delete_a_comment(graph, control):
    [comment] = inject(control, kind="comment", author=JO)
    hide = graph.request(f"v21.0/{comment['id']}", post_args={"is_hidden": "true"})
    assert hide == {"success": True}
    graph.request(f"v21.0/{comment['id']}", post_args={"is_hidden": "true"})  # again: no new record
    assert graph.get_object(comment["id"], fields="is_hidden,can_hide") == {
        "id": comment["id"],
        "is_hidden": True,
        "can_hide": True,
    }
    graph.request(f"v21.0/{comment['id']}", post_args={"is_hidden": "false"})
    assert graph.delete_object(comment["id"]) == {"success": True}
    assert [e["kind"] for e in control.outbox(network="fb")] == ["hide", "unhide", "delete"]
    with pytest.raises(facebook.GraphAPIError):
        graph.get_object(comment["id"])


def test_the_page_cannot_hide_its_own_comment(graph, control):
    [comment] = inject(control, kind="comment")
    own = graph.put_object(comment["id"], "comments", message="Our answer")
    with pytest.raises(facebook.GraphAPIError) as refused:
        graph.request(f"v21.0/{own['id']}", post_args={"is_hidden": "true"})
    assert refused.value.code == 100


def test_like_a_comment(graph, control):
    [comment] = inject(control, kind="comment")
    assert graph.put_object(comment["id"], "likes") == {"success": True}
    assert graph.get_object(comment["id"], fields="like_count")["like_count"] == 1
    assert [e["kind"] for e in control.outbox(network="fb")] == ["like"]


def test_a_messenger_reply_within_the_window(graph, control):
    inject(control, kind="message", author=JO, text="Hello?")
    sent = send(graph, {"id": JO["id"]}, "Hi Jo, how can we help?")
    assert sent["recipient_id"] == JO["id"] and sent["message_id"].startswith("m_")
    [entry] = control.outbox(network="fb", kind="message")
    assert (entry["target"], entry["meta"]["messaging_type"]) == (JO["id"], "RESPONSE")


def test_the_window_closes_24_hours_after_the_persons_last_message(graph, control):
    inject(control, kind="message", author=JO, text="Hello?")
    control.post("/_sandbox/clock", {"advance_seconds": 24 * 3600 + 60})
    with pytest.raises(facebook.GraphAPIError) as refused:
        send(graph, {"id": JO["id"]}, "Sorry for the wait")
    error = refused.value.result["error"]
    assert (error["code"], error["error_subcode"]) == (10, 2018278)
    assert "outside of allowed window" in error["message"]
    # A human agent may still answer for 7 days with the HUMAN_AGENT tag.
    send(
        graph,
        {"id": JO["id"]},
        "Sorry for the wait",
        messaging_type="MESSAGE_TAG",
        tag="HUMAN_AGENT",
    )
    # A new message from the person opens the window again.
    inject(control, kind="message", author=JO, text="Anyone?")
    send(graph, {"id": JO["id"]}, "Yes, here")
    assert len(control.outbox(network="fb", kind="message")) == 2


def test_messenger_send_rules(graph, control):
    inject(control, kind="message", author=JO)
    with pytest.raises(facebook.GraphAPIError) as no_type:
        graph.put_object(
            PAGE,
            "messages",
            recipient=json.dumps({"id": JO["id"]}),
            message=json.dumps({"text": "x"}),
        )
    assert no_type.value.code == 100
    with pytest.raises(facebook.GraphAPIError) as stranger:
        send(graph, {"id": "12345"}, "Hello")
    assert stranger.value.result["error"]["error_subcode"] == 2018001
    with pytest.raises(facebook.GraphAPIError) as too_long:
        send(graph, {"id": JO["id"]}, "x" * 2001)
    assert too_long.value.code == 100
    assert control.outbox(network="fb") == []


def test_a_private_reply_to_a_comment_once_only(graph, control):
    [comment] = inject(control, kind="comment", author=JO)
    sent = send(graph, {"comment_id": comment["id"]}, "Could you send us your address?")
    assert sent["recipient_id"] == JO["id"]
    with pytest.raises(facebook.GraphAPIError) as again:
        send(graph, {"comment_id": comment["id"]}, "Again")
    assert again.value.code == 10900
    [entry] = control.outbox(network="fb", kind="private_reply")
    assert entry["target"] == comment["id"]
    thread = graph.get_connections(
        PAGE, "conversations", user_id=JO["id"], fields="messages{id,message}"
    )["data"]
    assert thread[0]["messages"]["data"][0]["message"] == "Could you send us your address?"


def test_a_private_reply_after_seven_days_is_outside_the_window(graph, control):
    [comment] = inject(control, kind="comment", author=JO)
    control.post("/_sandbox/clock", {"advance_seconds": 8 * 86400})
    with pytest.raises(facebook.GraphAPIError) as refused:
        send(graph, {"comment_id": comment["id"]}, "Late")
    assert refused.value.code == 10


def test_subscribing_the_app_to_page_webhooks(graph, control):
    assert graph.put_object(PAGE, "subscribed_apps", subscribed_fields="feed,messages") == {
        "success": True
    }
    [app] = graph.get_connections(PAGE, "subscribed_apps")["data"]
    assert app["subscribed_fields"] == ["feed", "messages"]


def test_the_sandbox_oauth_flow_gives_page_tokens(make_graph, sandbox, control, page):
    import requests

    dialog = requests.get(
        f"{sandbox.url}/fb/v21.0/dialog/oauth",
        params={"client_id": "1", "redirect_uri": "http://app.test/cb", "state": "s1"},
        allow_redirects=False,
        timeout=5,
    )
    assert dialog.status_code == 302
    location = dialog.headers["Location"]
    assert location.startswith("http://app.test/cb?code=sbx-code-") and location.endswith(
        "&state=s1"
    )
    code = location.split("code=")[1].split("&")[0]
    graph = make_graph(None)
    user = graph.get_access_token_from_code(code, "http://app.test/cb", "1", "secret")[
        "access_token"
    ]
    graph.access_token = user
    long_lived = graph.extend_access_token("1", "secret")["access_token"]
    graph.access_token = long_lived
    pages = graph.get_connections("me", "accounts")["data"]
    assert [(p["id"], p["access_token"]) for p in pages] == [(PAGE, page["access_token"])]
