"""Account Activity webhooks: signatures (with the spec's test vectors), delivery, CRC."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from sandbox.webhooks import crc_response_token, sign

SECRET = "sandbox-consumer-secret"


def test_signature_matches_the_reference_vectors():
    assert (
        crc_response_token(SECRET, "challenge123")
        == "sha256=zjC4u6nAeuAgPWDgQGRHByjr/91QsyTLFvHN/s6Cl5Y="
    )
    body = b'{"for_user_id":"999","tweet_create_events":[]}'
    assert sign(SECRET, body) == "sha256=ojR23tpzPBWNy5k93dxWQqtRvkrC0Zfr2CSSwzXQLW8="


class _Receiver(BaseHTTPRequestHandler):
    """A stand-in for the app's webhook view: checks the signature like the app must."""

    received: list[dict[str, Any]]

    def do_GET(self) -> None:
        token = parse_qs(urlsplit(self.path).query)["crc_token"][0]
        self._answer(200, {"response_token": crc_response_token(SECRET, token)})

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        given = self.headers.get("x-twitter-webhooks-signature", "")
        expected = (
            "sha256="
            + base64.b64encode(hmac.new(SECRET.encode(), raw, hashlib.sha256).digest()).decode()
        )
        ok = hmac.compare_digest(given, expected)
        self.server.received.append({"ok": ok, "body": json.loads(raw), "signature": given})
        self._answer(200 if ok else 403, {"ok": ok})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/webhooks/x"


@pytest.mark.parametrize(("mode", "status"), [("valid", 200), ("invalid", 403), ("missing", 403)])
def test_fire_signs_as_asked_and_reports_the_apps_status(control, receiver, mode, status):
    [mention] = control.inject(
        kind="mention", account_id="999", author={"id": "777", "username": "jo_res"}
    )
    result = control.post(
        "/_sandbox/webhooks/fire",
        {
            "network": "x",
            "url": _url(receiver),
            "for_event": mention["id"],
            "signature": mode,
            "consumer_secret": SECRET,
        },
    )
    assert result["status"] == status
    [got] = receiver.received
    event = got["body"]["tweet_create_events"][0]
    assert got["body"]["for_user_id"] == "999"
    assert event["id_str"] == mention["id"] and event["user"]["screen_name"] == "jo_res"
    assert event["entities"]["user_mentions"][0]["id_str"] == "999"
    assert (got["signature"] == "") == (mode == "missing")


def test_fire_a_dm_event_uses_the_v1_message_create_shape(control, receiver):
    [dm] = control.inject(kind="dm", account_id="999", author={"id": "5551"}, text="Hello council")
    result = control.post(
        "/_sandbox/webhooks/fire",
        {"url": _url(receiver), "for_event": dm["id"], "consumer_secret": SECRET},
    )
    assert result["status"] == 200
    body = receiver.received[0]["body"]
    [event] = body["direct_message_events"]
    assert event["type"] == "message_create"
    assert event["message_create"]["sender_id"] == "5551"
    assert event["message_create"]["target"]["recipient_id"] == "999"
    assert event["message_create"]["message_data"]["text"] == "Hello council"
    assert set(body["users"]) == {"999", "5551"}


def test_fire_a_raw_payload_twice_to_simulate_redelivery(control, receiver):
    payload = {"for_user_id": "999", "tweet_create_events": []}
    result = control.post(
        "/_sandbox/webhooks/fire",
        {"url": _url(receiver), "payload": payload, "consumer_secret": SECRET, "repeat": 2},
    )
    assert [d["status"] for d in result["deliveries"]] == [200, 200]
    assert receiver.received[0]["body"] == receiver.received[1]["body"] == payload


def test_crc_check_validates_the_apps_response_token(control, receiver):
    result = control.post(
        "/_sandbox/webhooks/crc",
        {"url": _url(receiver), "consumer_secret": SECRET, "crc_token": "challenge123"},
    )
    assert result["valid"] is True
    assert result["response_token"] == "sha256=zjC4u6nAeuAgPWDgQGRHByjr/91QsyTLFvHN/s6Cl5Y="
    wrong = control.post(
        "/_sandbox/webhooks/crc", {"url": _url(receiver), "consumer_secret": "other"}
    )
    assert wrong["valid"] is False


def test_inject_can_fire_the_webhook_too(control, receiver):
    [item] = control.post(
        "/_sandbox/x/inject",
        {
            "kind": "mention",
            "account_id": "999",
            "fire_webhook": True,
            "webhook_url": _url(receiver),
            "consumer_secret": SECRET,
        },
        expect=201,
    )["items"]
    assert item["webhook"][0]["status"] == 200
    assert receiver.received[0]["body"]["tweet_create_events"][0]["id_str"] == item["id"]


def test_fire_without_a_url_is_400(control):
    control.call("POST", "/_sandbox/webhooks/fire", {"payload": {}}, expect=400)
