"""Mastodon faults while polling and sending, through Mastodon.py and the
sandbox instance: nothing lost, nothing doubled, clear outcomes."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from events.models import Event
from inbox import tasks
from inbox.models import (
    Channel,
    Conversation,
    DeliveryState,
    Message,
    Notification,
    QuarantinedPayload,
)
from inbox.services import outbound, polling
from tests.inbox.mastodon_support import (
    JO,
    masto_channel_fixture,  # noqa: F401 (fixture)
    masto_fault,
    masto_inject,
)
from tests.support.worker import wait_for

pytestmark = pytest.mark.django_db

NOTIFICATIONS = r"^/api/v1/notifications$"
STATUSES = r"^/api/v1/statuses$"


def poll(channel):
    return polling.channel_poll(channel_id=channel.pk)


def stored_once():
    stored = list(Message.objects.values_list("external_id", flat=True))
    assert len(stored) == len(set(stored)), "a message was stored twice"
    return set(stored)


def make_due(channel):
    Channel.objects.filter(pk=channel.pk).update(
        next_poll_at=None, rate_limited_until=None, poll_claimed_until=None
    )


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
def test_a_fault_mid_pagination_loses_and_doubles_nothing(sandbox, masto_channel, kind, params):
    expected = {i["id"] for i in masto_inject(sandbox, kind="mention")}
    poll(masto_channel)  # the first poll (newest page only) sets the cursor
    masto_channel.refresh_from_db()
    cursor = dict(masto_channel.poll_cursor)
    expected |= {i["id"] for i in masto_inject(sandbox, kind="mention", count=200)}
    masto_fault(sandbox, method="GET", path=NOTIFICATIONS, kind=kind, params=params, skip=1)

    poll(masto_channel)
    masto_channel.refresh_from_db()
    assert masto_channel.last_error, "the failure is shown on the channel"
    assert masto_channel.poll_cursor == cursor, "the cursor must not pass unread pages"
    partial = stored_once()
    assert partial <= expected and len(partial) == 81  # the first page of 80 is kept

    make_due(masto_channel)
    poll(masto_channel)
    assert stored_once() == expected
    masto_channel.refresh_from_db()
    assert masto_channel.last_error == "" and masto_channel.poll_failures == 0


def test_a_rate_limit_waits_until_the_reset_the_instance_gives(sandbox, masto_channel):
    masto_inject(sandbox, kind="mention")
    masto_fault(
        sandbox, method="GET", path=NOTIFICATIONS, kind="rate_limit", params={"reset_in": 720}
    )
    before = timezone.now()
    poll(masto_channel)
    masto_channel.refresh_from_db()
    assert "rate limit" in masto_channel.last_error
    assert (
        before + timedelta(minutes=11)
        < masto_channel.rate_limited_until
        < before + timedelta(minutes=13)
    )
    assert masto_channel.next_poll_at == masto_channel.rate_limited_until
    assert polling.channels_claim_due() == []


def test_a_rate_limit_without_a_reset_backs_off(sandbox, masto_channel):
    masto_fault(sandbox, method="GET", path=NOTIFICATIONS, kind="rate_limit_no_reset")
    poll(masto_channel)
    masto_channel.refresh_from_db()
    assert masto_channel.rate_limited_until > timezone.now() + timedelta(seconds=60)


def test_the_instances_own_limit_of_calls_is_honoured(sandbox, masto_channel):
    """Past its calls per window the sandbox instance answers 429 itself, with
    the ISO reset time in X-RateLimit-Reset, as Mastodon does."""
    sandbox.limits(masto_calls=1, window_seconds=600)
    masto_inject(sandbox, kind="mention")
    poll(masto_channel)
    masto_channel.refresh_from_db()
    assert masto_channel.rate_limited_until > timezone.now() + timedelta(minutes=9)
    assert sandbox.limits()["refused"]


def test_an_expired_token_marks_the_channel_and_stops_polling(sandbox, masto_channel, admin_user):
    masto_fault(sandbox, method="GET", path=NOTIFICATIONS, kind="expired_token")
    poll(masto_channel)
    masto_channel.refresh_from_db()
    assert masto_channel.needs_attention
    assert "reconnect the account" in masto_channel.last_error
    assert Event.objects.filter(type="channel.needs_attention", channel=masto_channel).count() == 1
    assert Notification.objects.filter(user=admin_user).count() == 1
    assert polling.channels_claim_due() == []


def test_a_revoked_token_is_refused_by_the_instance_itself(sandbox, masto_channel):
    credentials = masto_channel.get_credentials() | {"access_token": "revoked-token"}
    masto_channel.set_credentials(credentials)
    masto_channel.save()
    poll(masto_channel)
    masto_channel.refresh_from_db()
    assert masto_channel.needs_attention


def test_unreadable_notifications_are_quarantined_and_the_rest_stored(sandbox, masto_channel):
    expected = {i["id"] for i in masto_inject(sandbox, kind="mention", count=5)}
    broken = [
        None,
        {"id": "7001", "type": "mention", "created_at": "2026-01-01T00:00:00Z"},  # no status
        {
            "id": "7002",
            "type": "mention",
            "status": {"id": "7003", "content": "<p>hi</p>", "visibility": "public"},
        },  # a status with no account
        "not a notification",
    ]
    masto_fault(
        sandbox,
        method="GET",
        path=NOTIFICATIONS,
        kind="extra_items",
        params={"items": broken, "at": [0, 2, 4, 9]},
    )
    result = poll(masto_channel)
    assert stored_once() == expected
    assert result.stored == 5
    errors = sorted(q.error for q in QuarantinedPayload.objects.all())
    assert len(errors) == 4
    assert any("null status" in e for e in errors), errors
    assert any("null account" in e for e in errors), errors
    assert QuarantinedPayload.objects.filter(network="mastodon").count() == 4


def test_unreadable_direct_conversations_are_quarantined_and_the_rest_stored(
    sandbox, masto_channel
):
    expected = {i["id"] for i in masto_inject(sandbox, kind="dm", author=JO, count=3)}
    broken = [
        None,
        {"id": "c1", "unread": True, "accounts": []},  # no last status
        {
            "id": "c2",
            "accounts": [],
            "last_status": {"id": "9001", "visibility": "direct", "content": "<p>hi</p>"},
        },  # a direct status with no account
        ["not", "a", "conversation"],
    ]
    masto_fault(
        sandbox,
        method="GET",
        path=r"^/api/v1/conversations/$",  # Mastodon.py asks with the slash
        kind="extra_items",
        params={"items": broken, "at": [0, 1, 3, 5]},
    )
    poll(masto_channel)
    # Each direct status also comes as a mention notification: stored once all the same.
    assert stored_once() == expected
    quarantined = QuarantinedPayload.objects.filter(network="mastodon")
    assert quarantined.count() == 4, [q.error for q in quarantined]
    assert Conversation.objects.get().kind == "private"
    # The stream's cursor moved past the good ones: the next poll stores nothing again.
    make_due(masto_channel)
    assert poll(masto_channel).stored == 0


# --- sending ---------------------------------------------------------------------------


@pytest.fixture
def queued_reply(sandbox, masto_channel, officer, django_capture_on_commit_callbacks):
    masto_inject(sandbox, kind="mention", author=JO, text="@riverside when is bin day?")
    poll(masto_channel)
    with django_capture_on_commit_callbacks(execute=False):
        return outbound.reply_create(
            conversation=Conversation.objects.get(), actor=officer, text="Tuesdays on Elm Rd."
        )


@pytest.fixture
def queued_direct_reply(sandbox, masto_channel, officer, django_capture_on_commit_callbacks):
    masto_inject(sandbox, kind="dm", author=JO, text="@riverside when is bin day?")
    poll(masto_channel)
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


@pytest.mark.parametrize("where", ["reply", "direct_reply"])
@pytest.mark.parametrize("kind", ["after_write_error", "malformed_json", "hang"])
def test_unknown_outcome_is_reconciled_not_reposted(sandbox, request, where, kind):
    message = request.getfixturevalue(f"queued_{where}")
    params = {"seconds": 3.5} if kind == "hang" else {}
    masto_fault(sandbox, method="POST", path=STATUSES, kind=kind, params=params)
    states = deliver_until_done(message, settle=1.0 if kind == "hang" else 0.1)
    assert states[-1] == DeliveryState.SENT, states
    [post] = sandbox.outbox(network="masto", kind="status")
    message.refresh_from_db()
    assert message.external_id == post["result_id"]
    assert Event.objects.get(type="message.sent", message=message).data["reconciled"] is True


@pytest.mark.parametrize(
    ("kind", "params"),
    [("server_error", {}), ("bad_gateway_html", {}), ("rate_limit", {"reset_in": 0})],
)
def test_a_refused_attempt_is_retried_and_posts_once(sandbox, queued_reply, kind, params):
    masto_fault(sandbox, method="POST", path=STATUSES, kind=kind, params=params)
    states = deliver_until_done(queued_reply)
    assert states[0] == "retry" and states[-1] == DeliveryState.SENT
    assert len(sandbox.outbox(network="masto", kind="status")) == 1


def test_a_permanent_refusal_fails_with_the_instances_reason(sandbox, queued_reply):
    masto_fault(
        sandbox,
        method="POST",
        path=STATUSES,
        kind="permission",
        params={"detail": "Your account is limited"},
    )
    assert deliver_until_done(queued_reply) == [DeliveryState.FAILED]
    queued_reply.refresh_from_db()
    assert "Your account is limited" in queued_reply.last_error
    assert sandbox.outbox(network="masto") == []


def test_a_limit_lowered_after_queueing_fails_the_send_with_the_reason(sandbox, queued_reply):
    sandbox.post("/_sandbox/masto/instance", {"max_characters": 10})
    assert deliver_until_done(queued_reply) == [DeliveryState.FAILED]
    queued_reply.refresh_from_db()
    assert "of 10 characters" in queued_reply.last_error
    assert sandbox.outbox(network="masto") == []


def test_an_expired_token_on_send_fails_and_flags_the_channel(sandbox, masto_channel, queued_reply):
    masto_fault(sandbox, method="GET", path=r"^/api/v1/statuses/\d+$", kind="expired_token")
    assert deliver_until_done(queued_reply) == [DeliveryState.FAILED]
    masto_channel.refresh_from_db()
    assert masto_channel.needs_attention


@pytest.mark.parametrize(("kind", "visibility"), [("mention", "public"), ("dm", "direct")])
def test_worker_killed_mid_send_posts_exactly_once(
    sandbox, masto_channel, officer, celery_worker_process, kind, visibility
):
    [asked] = masto_inject(sandbox, kind=kind, author=JO, text="@riverside is the library open?")
    poll(masto_channel)
    # The request is in flight when the worker dies; the instance still posts it.
    masto_fault(sandbox, method="POST", path=STATUSES, kind="hang", params={"seconds": 1.5})
    message = outbound.reply_create(
        conversation=Conversation.objects.get(), actor=officer, text="Yes, until 7pm."
    )
    wait_for(lambda: not sandbox.get("/_sandbox/faults")["faults"], what="the send to start")
    celery_worker_process.kill()
    assert Message.objects.get(pk=message.pk).state == DeliveryState.SENDING

    celery_worker_process.start()
    time.sleep(settings.OUTBOUND_SEND_LEASE_SECONDS + 0.5)  # the dead sender's lease runs out
    tasks.sweep_outbound.delay()
    wait_for(
        lambda: Message.objects.get(pk=message.pk).state == DeliveryState.SENT,
        timeout=60,
        what="sent",
    )
    [post] = sandbox.outbox(network="masto", kind="status")
    assert post["text"] == "@jo@mas.to Yes, until 7pm."
    # In the right thread, as visible as what it answers (a direct message stays direct).
    assert (post["target"], post["meta"]["visibility"]) == (asked["id"], visibility)
    assert Message.objects.get(pk=message.pk).external_id == post["result_id"]
    assert Event.objects.get(type="message.sent", message=message).data["reconciled"] is True
