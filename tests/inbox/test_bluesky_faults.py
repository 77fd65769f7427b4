"""Bluesky faults while polling and sending: 0 lost, 0 duplicated, clear outcomes."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from events.models import Event
from inbox.models import Channel, Conversation, DeliveryState, Message
from inbox.services import outbound, polling
from tests.inbox.bluesky_support import (
    JO,
    bsky_channel_fixture,  # noqa: F401 (fixture)
    bsky_fault,
    bsky_inject,
    xrpc,
)

pytestmark = pytest.mark.django_db

NOTIFICATIONS = xrpc("app.bsky.notification.listNotifications")
CREATE_RECORD = xrpc("com.atproto.repo.createRecord")
SEND_MESSAGE = xrpc("chat.bsky.convo.sendMessage")


def poll(channel):
    return polling.channel_poll(channel_id=channel.pk)


def stored_once():
    stored = list(Message.objects.filter(direction="in").values_list("external_id", flat=True))
    assert len(stored) == len(set(stored)), "a message was stored twice"
    return set(stored)


def make_due(channel):
    Channel.objects.filter(pk=channel.pk).update(next_poll_at=None, rate_limited_until=None)


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("rate_limit", {"reset_in": 30}),
        ("rate_limit_no_reset", {}),
        ("server_error", {}),
        ("server_error", {"status": 503}),
        ("bad_gateway_html", {}),
        ("malformed_json", {}),
        ("hang", {"seconds": 5}),  # past the 3 s client timeout
    ],
)
def test_a_fault_mid_pagination_loses_and_doubles_nothing(sandbox, bsky_channel, kind, params):
    first = bsky_inject(sandbox, kind="mention")
    poll(bsky_channel)  # the first poll (newest page only) sets the cursor
    bsky_channel.refresh_from_db()
    cursor = dict(bsky_channel.poll_cursor)
    expected = {first[0]["uri"]} | {
        i["uri"] for i in bsky_inject(sandbox, kind="mention", count=250)
    }
    bsky_fault(sandbox, method="GET", path=NOTIFICATIONS, kind=kind, params=params, skip=1)

    poll(bsky_channel)
    bsky_channel.refresh_from_db()
    assert bsky_channel.last_error, "the failure is shown on the channel"
    assert bsky_channel.poll_cursor["notifications_since_id"] == cursor["notifications_since_id"]
    assert stored_once() <= expected and len(stored_once()) == 101  # page 1 kept

    make_due(bsky_channel)
    poll(bsky_channel)
    assert stored_once() == expected
    bsky_channel.refresh_from_db()
    assert bsky_channel.last_error == "" and bsky_channel.poll_failures == 0


def test_shuffled_pages_store_each_notification_once(sandbox, bsky_channel):
    bsky_inject(sandbox, kind="mention")
    poll(bsky_channel)
    more = {i["uri"] for i in bsky_inject(sandbox, kind="mention", count=230)}
    bsky_fault(sandbox, method="GET", path=NOTIFICATIONS, kind="out_of_order", times=3)
    poll(bsky_channel)
    assert more <= stored_once() and len(stored_once()) == 231


def test_an_expired_token_is_refreshed_and_the_poll_goes_on(sandbox, bsky_channel):
    bsky_inject(sandbox, kind="mention", count=3)
    bsky_fault(sandbox, method="GET", path=NOTIFICATIONS, kind="expired_token")
    assert poll(bsky_channel).stored == 3
    bsky_channel.refresh_from_db()
    assert not bsky_channel.needs_attention and bsky_channel.last_error == ""


def test_a_session_refused_for_good_needs_attention(sandbox, bsky_channel):
    # Every call and the refresh say the token expired, and the app password is gone.
    bsky_fault(sandbox, path=r"^/xrpc/", method="GET", kind="expired_token", times=-1)
    sandbox.post("/_sandbox/bsky/revoke", {"account": bsky_channel.handle.lstrip("@")})
    poll(bsky_channel)
    bsky_channel.refresh_from_db()
    assert bsky_channel.needs_attention and "reconnect" in bsky_channel.last_error


# --- sending ---------------------------------------------------------------------------


@pytest.fixture
def queued_reply(sandbox, bsky_channel, officer, django_capture_on_commit_callbacks):
    bsky_inject(sandbox, kind="mention", author=JO, text="When is the bin day?")
    polling.channel_poll(channel_id=bsky_channel.pk)
    with django_capture_on_commit_callbacks(execute=False):
        return outbound.reply_create(
            conversation=Conversation.objects.get(), actor=officer, text="Tuesdays on Elm Rd."
        )


@pytest.fixture
def queued_chat_reply(sandbox, bsky_channel, officer, django_capture_on_commit_callbacks):
    bsky_inject(sandbox, kind="dm", author=JO, text="When is the bin day?")
    polling.channel_poll(channel_id=bsky_channel.pk)
    with django_capture_on_commit_callbacks(execute=False):
        return outbound.reply_create(
            conversation=Conversation.objects.get(), actor=officer, text="Tuesdays on Elm Rd."
        )


def deliver_until_done(message, attempts=6, settle=0.1):
    """The task's retries without Celery, sooner (see test_facebook_faults)."""
    states = []
    for _ in range(attempts):
        result = outbound.message_deliver(message_id=message.pk)
        states.append(result.state)
        if result.state in (DeliveryState.SENT, DeliveryState.FAILED):
            break
        if result.retry_at:
            time.sleep(min(settle, max(0, (result.retry_at - timezone.now()).total_seconds())))
            Message.objects.filter(pk=message.pk, not_before__gt=timezone.now()).update(
                not_before=timezone.now()
            )
    return states


WRITES = {"post": (CREATE_RECORD, "post"), "chat": (SEND_MESSAGE, "chat_message")}


@pytest.mark.parametrize("where", ["post", "chat"])
@pytest.mark.parametrize("kind", ["after_write_error", "malformed_json", "hang"])
def test_unknown_outcome_is_reconciled_not_reposted(sandbox, request, where, kind):
    message = request.getfixturevalue("queued_reply" if where == "post" else "queued_chat_reply")
    path, outbox_kind = WRITES[where]
    # The client gives up at 3 s; the hung request lands at 3.5 s, before the retry.
    params = {"seconds": 3.5} if kind == "hang" else {}
    bsky_fault(sandbox, method="POST", path=path, kind=kind, params=params)
    states = deliver_until_done(message, settle=1.0 if kind == "hang" else 0.1)
    assert states[-1] == DeliveryState.SENT, states
    [post] = sandbox.outbox(network="bsky", kind=outbox_kind)
    message.refresh_from_db()
    assert message.external_id == post["result_id"]
    assert Event.objects.get(type="message.sent", message=message).data["reconciled"] is True


@pytest.mark.parametrize(
    ("kind", "params"),
    [("server_error", {}), ("bad_gateway_html", {}), ("rate_limit", {"reset_in": 0})],
)
def test_a_refused_attempt_is_retried_and_posts_once(sandbox, queued_reply, kind, params):
    bsky_fault(sandbox, method="POST", path=CREATE_RECORD, kind=kind, params=params)
    states = deliver_until_done(queued_reply)
    assert states[0] == "retry" and states[-1] == DeliveryState.SENT
    assert len(sandbox.outbox(network="bsky", kind="post")) == 1


def test_a_refusal_fails_with_bluesky_s_reason_and_is_never_retried(sandbox, queued_reply):
    bsky_fault(
        sandbox,
        method="POST",
        path=CREATE_RECORD,
        kind="permission",
        params={"message": "Reply is not allowed by the thread's author"},
    )
    assert deliver_until_done(queued_reply) == [DeliveryState.FAILED]
    queued_reply.refresh_from_db()
    assert "Reply is not allowed" in queued_reply.last_error
    assert sandbox.outbox(network="bsky") == []


def test_an_expired_token_on_send_is_refreshed_and_posts_once(sandbox, queued_reply):
    bsky_fault(sandbox, method="POST", path=CREATE_RECORD, kind="expired_token")
    assert deliver_until_done(queued_reply) == [DeliveryState.SENT]
    assert len(sandbox.outbox(network="bsky", kind="post")) == 1
