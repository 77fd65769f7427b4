"""/fb faults as facebook-sdk sees them, Meta webhook signatures and deliveries,
and Facebook traffic from the control API and the trickle."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import facebook
import pytest
import requests

from sandbox.fb_webhooks import sign
from sandbox.trickle import Trickle
from tests.sandbox.fb_support import (
    JO,
    PAGE,
    graph_fixture,  # noqa: F401 (fixture)
    inject,
    make_graph_fixture,  # noqa: F401 (fixture)
    page_fixture,  # noqa: F401 (fixture)
    post,
)

SECRET = "sandbox-app-secret"


def fault(control, **spec: Any) -> dict[str, Any]:
    return control.post("/_sandbox/faults", {"network": "fb", **spec})["faults"][0]


def usage_of(response: requests.Response) -> dict[str, Any]:
    return json.loads(response.headers["X-Business-Use-Case-Usage"])[PAGE][0]


# --- faults ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "status"), [(4, 403), (17, 400), (32, 400), (80001, 400)])
def test_rate_limit_faults_carry_the_code_and_a_regain_estimate(
    graph, control, sandbox, code, status
):
    fault(
        control,
        path=rf"^/v21\.0/{PAGE}$",
        kind="rate_limit",
        params={"code": code, "regain_minutes": 7},
    )
    response = requests.get(
        f"{sandbox.url}/fb/v21.0/{PAGE}", params={"access_token": graph.access_token}, timeout=5
    )
    assert response.status_code == status
    assert (
        response.json()["error"]["code"] == code
        and response.json()["error"]["is_transient"] is True
    )
    assert usage_of(response)["call_count"] == 100
    assert usage_of(response)["estimated_time_to_regain_access"] == 7


def test_rate_limit_without_reset_is_613_with_no_regain_estimate(graph, control, sandbox):
    fault(control, kind="rate_limit_no_reset")
    response = requests.get(
        f"{sandbox.url}/fb/v21.0/{PAGE}", params={"access_token": graph.access_token}, timeout=5
    )
    assert response.json()["error"]["code"] == 613
    assert "estimated_time_to_regain_access" not in usage_of(response)


def test_what_facebook_sdk_raises_for_each_broken_answer(graph, control):
    fault(control, kind="bad_gateway_html")
    with pytest.raises(facebook.GraphAPIError, match="Maintype was not text"):
        graph.get_object(PAGE)
    fault(control, kind="no_content_type")
    with pytest.raises(KeyError):
        graph.get_object(PAGE)
    fault(control, kind="malformed_json")
    with pytest.raises(requests.JSONDecodeError):
        graph.get_object(PAGE)
    fault(control, kind="server_error", params={"code": 1})
    with pytest.raises(facebook.GraphAPIError) as transient:
        graph.get_object(PAGE)
    assert transient.value.code == 1
    assert graph.get_object(PAGE)["id"] == PAGE  # rules used up


@pytest.mark.parametrize(("code", "subcode"), [(10, None), (200, None), (368, None), (100, None)])
def test_permission_faults_render_graph_refusals(graph, control, code, subcode):
    fault(control, kind="permission", params={"code": code})
    with pytest.raises(facebook.GraphAPIError) as refused:
        graph.get_object(PAGE)
    assert refused.value.code == code and f"(#{code})" in refused.value.message


def test_expired_token_and_outside_window_faults(graph, control):
    fault(control, kind="expired_token")
    with pytest.raises(facebook.GraphAPIError) as expired:
        graph.get_object(PAGE)
    assert (expired.value.code, expired.value.result["error"]["error_subcode"]) == (190, 463)
    fault(control, method="POST", path="/messages$", kind="outside_window")
    inject(control, kind="message", author=JO)
    with pytest.raises(facebook.GraphAPIError) as window:
        graph.put_object(
            PAGE,
            "messages",
            recipient=json.dumps({"id": JO["id"]}),
            messaging_type="RESPONSE",
            message=json.dumps({"text": "hi"}),
        )
    assert window.value.result["error"]["error_subcode"] == 2018278
    assert control.outbox(network="fb") == []


def test_after_write_error_performs_the_write_then_fails(graph, control):
    [comment] = inject(control, kind="comment")
    fault(control, method="POST", path="/comments$", kind="after_write_error")
    with pytest.raises(facebook.GraphAPIError) as failed:
        graph.put_object(comment["id"], "comments", message="Did it post?")
    assert failed.value.code == 2
    assert len(control.outbox(network="fb", kind="comment")) == 1


def test_duplicate_and_shuffled_comment_pages(graph, control):
    post_id = post(control)
    made = [c["id"] for c in inject(control, kind="comment", post_id=post_id, count=30)]
    fault(control, path=rf"{post_id}/comments$", kind="duplicate_page", times=1)
    seen = [c["id"] for c in graph.get_all_connections(post_id, "comments", limit=10, fields="id")]
    assert len(seen) > len(made) and set(seen) == set(made)
    fault(control, path=rf"{post_id}/comments$", kind="out_of_order", times=1)
    page = [
        c["id"] for c in graph.get_connections(post_id, "comments", limit=10, fields="id")["data"]
    ]
    assert sorted(page) == sorted(made[:10]) and page != made[:10]


def test_x_faults_do_not_touch_the_facebook_network(graph, control):
    control.post("/_sandbox/faults", {"network": "x", "kind": "server_error"})
    assert graph.get_object(PAGE)["id"] == PAGE


# --- webhooks ---------------------------------------------------------------------------------


def test_the_meta_signature_matches_the_reference_vector():
    expected = "sha256=8d55f6f9eab7c06d94b3142a053d586100c7fba65ad79bc0241c7bd9147a18d6"
    assert sign(SECRET, b'{"object":"page","entry":[]}') == expected


class _MetaReceiver(BaseHTTPRequestHandler):
    """A stand-in for the app's Facebook webhook: checks signatures like the app must."""

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        ok = query.get("hub.verify_token") == ["sandbox-verify-token"]
        body = query["hub.challenge"][0].encode() if ok else b"no"
        self._answer(200 if ok else 403, body)

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        given = self.headers.get("X-Hub-Signature-256", "")
        expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(given, expected)
        self.server.received.append({"ok": ok, "body": json.loads(raw)})
        self._answer(200 if ok else 403, b"ok" if ok else b"no")

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _MetaReceiver)
    server.received = []
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/webhooks/facebook/"


@pytest.mark.parametrize(("mode", "status"), [("valid", 200), ("invalid", 403), ("missing", 403)])
def test_fire_signs_valid_invalid_or_not_at_all(control, page, receiver, mode, status):
    [comment] = inject(control, kind="comment", author=JO, text="Hello")
    answer = control.post(
        "/_sandbox/webhooks/fire",
        {"network": "fb", "for_event": comment["id"], "url": _url(receiver), "signature": mode},
    )
    assert answer["status"] == status
    value = receiver.received[0]["body"]["entry"][0]["changes"][0]["value"]
    assert value["comment_id"] == comment["id"] and value["verb"] == "add"
    assert value["parent_id"] == comment["post_id"] and value["from"] == JO
    assert isinstance(value["created_time"], int)


def test_inject_can_fire_messenger_webhooks_and_echoes_are_marked(control, page, receiver, graph):
    [item] = control.post(
        "/_sandbox/fb/inject",
        {
            "page_id": PAGE,
            "kind": "message",
            "author": JO,
            "text": "Hi",
            "fire_webhook": True,
            "webhook_url": _url(receiver),
        },
    )["items"]
    assert item["webhook"][0]["status"] == 200
    event = receiver.received[0]["body"]["entry"][0]["messaging"][0]
    assert event["sender"] == {"id": JO["id"]} and event["recipient"] == {"id": PAGE}
    assert event["message"] == {"mid": item["id"], "text": "Hi"}
    sent = graph.put_object(
        PAGE,
        "messages",
        recipient=json.dumps({"id": JO["id"]}),
        messaging_type="RESPONSE",
        message=json.dumps({"text": "Hello Jo"}),
    )
    control.post(
        "/_sandbox/webhooks/fire",
        {"network": "fb", "for_event": sent["message_id"], "url": _url(receiver)},
    )
    echo = receiver.received[1]["body"]["entry"][0]["messaging"][0]["message"]
    assert echo["is_echo"] is True and echo["mid"] == sent["message_id"]


def test_repeat_redelivers_the_same_bytes(control, page, receiver):
    [comment] = inject(control, kind="comment")
    control.post(
        "/_sandbox/webhooks/fire",
        {"network": "fb", "for_event": comment["id"], "url": _url(receiver), "repeat": 3},
    )
    assert len(receiver.received) == 3
    assert receiver.received[0]["body"] == receiver.received[2]["body"]


def test_the_verify_check_reports_whether_the_app_echoed_the_challenge(control, receiver):
    good = control.post("/_sandbox/webhooks/verify", {"url": _url(receiver), "challenge": "42"})
    assert (good["valid"], good["status"], good["body"]) == (True, 200, "42")
    bad = control.post(
        "/_sandbox/webhooks/verify", {"url": _url(receiver), "verify_token": "other"}
    )
    assert (bad["valid"], bad["status"]) == (False, 403)


def test_unknown_events_and_networks_are_control_errors(control, page):
    control.call(
        "POST",
        "/_sandbox/webhooks/fire",
        {"network": "fb", "for_event": "nope", "url": "http://127.0.0.1:9/"},
        expect=400,
    )
    control.call(
        "POST", "/_sandbox/webhooks/fire", {"network": "mastodon", "payload": {}}, expect=400
    )
    control.call("POST", "/_sandbox/fb/inject", {"page_id": PAGE, "kind": "poke"}, expect=400)
    control.call(
        "POST",
        "/_sandbox/fb/inject",
        {"page_id": PAGE, "kind": "comment", "post_id": "1_2"},
        expect=400,
    )


def test_the_control_api_lists_pages_and_the_state_summary(control, page):
    inject(control, kind="comment", count=2)
    inject(control, kind="message")
    assert control.get("/_sandbox/fb/pages")["pages"][0]["id"] == PAGE
    summary = control.get("/_sandbox/state")["fb"]
    assert (summary["pages"], summary["comments"], summary["messages"]) == (1, 2, 1)


def test_the_trickle_brings_facebook_traffic_to_a_page(sandbox, page):
    sandbox.state.x.users.clear()  # only the Page: every item must be Facebook's
    trickle = Trickle(sandbox.state, 60, seed=3)
    items = [trickle.inject_one() for _ in range(30)]
    assert {i["network"] for i in items} == {"fb"}
    assert {i["kind"] for i in items} >= {"comment", "message"}
