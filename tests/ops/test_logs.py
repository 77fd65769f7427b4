"""Structured logs: JSON lines with the request id, and nothing private in them."""

from __future__ import annotations

import io
import json
import logging
import uuid

import pytest
import structlog
from celery import signals
from django.urls import reverse
from kombu import Connection
from kombu.simple import SimpleQueue

from inbox.models import Conversation, Message
from inbox.services import outbound, polling
from ops.logs import logging_config
from ops.tasks import worker_heartbeat
from socialdesk.celery import app

PASSWORD = "correct horse battery staple"
INBOUND_TEXT = "My flat 42b Quince Lane has damp and mould again"
REPLY_TEXT = "Sorry to hear it, a surveyor will call on Thursday"
SECRETS = [
    "999-sandbox-token",
    "sandbox-token-secret",
    "sandbox-consumer-secret",
    PASSWORD,
    "Quince Lane",
    "surveyor will call",
]


@pytest.fixture
def json_logs():
    """The production formatter on a buffer, every logger at DEBUG."""
    config = logging_config(json_lines=True, level="DEBUG")
    formatter = structlog.stdlib.ProcessorFormatter(
        **{k: v for k, v in config["formatters"]["structured"].items() if k != "()"}
    )
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(old_level)


def _lines(buffer) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


@pytest.mark.django_db
def test_sign_in_ingest_and_reply_leave_no_text_token_or_password_in_logs(
    client, officer, x_channel, sandbox, json_logs, django_capture_on_commit_callbacks
):
    # A wrong password first (logged as a failure), then the right one.
    client.post(reverse("login"), {"username": officer.username, "password": PASSWORD + "x"})
    response = client.post(reverse("login"), {"username": officer.username, "password": PASSWORD})
    assert response.status_code == 302
    sandbox.inject(kind="mention", account_id="999", text=f"@council_help {INBOUND_TEXT}")
    polling.channel_poll(channel_id=x_channel.pk)
    conversation = Conversation.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("inbox:reply", args=[conversation.pk]),
            {"text": REPLY_TEXT, "idempotency_key": uuid.uuid4().hex, "seen_outbound_id": "0"},
            HTTP_HX_REQUEST="true",
        )
    assert response.status_code == 200
    reply = Message.objects.get(direction="out")
    outbound.message_deliver(message_id=reply.pk)
    assert sandbox.outbox(kind="tweet")  # the reply really went out

    lines = _lines(json_logs)  # every line is one JSON object
    assert lines, "the flow logged nothing: the capture is not working"
    text = json_logs.getvalue()
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked into the logs"


def test_the_request_id_is_echoed_and_carried_on_log_lines(client, db, json_logs):
    rid = "proxy-req-0123456789"
    response = client.get("/health/ready", HTTP_X_REQUEST_ID=rid)  # no heartbeat: logs errors
    assert response["X-Request-ID"] == rid
    lines = [line for line in _lines(json_logs) if line.get("request_id") == rid]
    assert lines
    assert all(line["timestamp"] and line["level"] for line in lines)


@pytest.mark.parametrize("offered", ["", "short", "evil\nforged line", "x" * 65, "a b c d e f g h"])
def test_a_malformed_request_id_is_replaced(client, db, offered):
    response = client.get("/health/live", HTTP_X_REQUEST_ID=offered)
    assert response["X-Request-ID"] != offered
    assert len(response["X-Request-ID"]) == 32


def test_a_task_enqueued_in_a_request_carries_its_id_to_the_worker(db):
    rid = "req-carried-into-task-01"
    queue = f"ops-test-{uuid.uuid4().hex[:8]}"
    tokens = structlog.contextvars.bind_contextvars(request_id=rid)
    try:
        worker_heartbeat.apply_async(queue=queue)
    finally:
        structlog.contextvars.reset_contextvars(**tokens)
    # Read the message back off the real broker: the header travelled with it.
    with Connection(
        app.conf.broker_url, transport_options=app.conf.broker_transport_options
    ) as conn:
        simple = SimpleQueue(conn, queue)
        message = simple.get(timeout=5)
        message.ack()
        simple.close()
    assert message.headers["request_id"] == rid

    seen = {}

    def look(**_kwargs):
        seen.update(structlog.contextvars.get_contextvars())

    signals.task_prerun.connect(look, weak=False)
    try:
        worker_heartbeat.apply(headers=message.headers)
    finally:
        signals.task_prerun.disconnect(look)
    assert seen["request_id"] == rid
    assert seen["task"] == "ops.tasks.worker_heartbeat"
    assert structlog.contextvars.get_contextvars() == {}


def test_keys_that_name_a_secret_are_blanked(json_logs):
    structlog.get_logger("socialdesk.test").warning(
        "reply failed", password="hunter2-hunter2", token="tok-123456", text="Dear council", n=3
    )
    [line] = [line for line in _lines(json_logs) if line["event"] == "reply failed"]
    assert line["password"] == line["token"] == line["text"] == "[redacted]"
    assert line["n"] == 3
