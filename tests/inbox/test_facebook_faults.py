"""Graph API faults while polling and sending: 0 lost, 0 duplicated, clear outcomes."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Event
from inbox.models import Channel, Conversation, DeliveryState, Message, Notification
from inbox.services import outbound, polling
from tests.inbox.facebook_support import (
    JO,
    fb_channel_fixture,  # noqa: F401 (fixture)
    fb_fault,
    fb_inject,
)

pytestmark = pytest.mark.django_db

COMMENTS = r"^/v21\.0/\d+_\d+/comments$"
MESSAGES = r"^/v21\.0/\d+/messages$"
TOTAL = 250  # three pages of 100 comments


def poll(channel):
    return polling.channel_poll(channel_id=channel.pk)


def stored_once():
    stored = list(Message.objects.values_list("external_id", flat=True))
    assert len(stored) == len(set(stored)), "a message was stored twice"
    return set(stored)


def injected_comments(sandbox, channel, count=TOTAL):
    items = fb_inject(sandbox, kind="comment", post_id=channel.sandbox_post_id, count=count)
    return {item["id"] for item in items}


def make_due(channel):
    Channel.objects.filter(pk=channel.pk).update(next_poll_at=None, rate_limited_until=None)


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("rate_limit", {"code": 32, "regain_minutes": 3}),
        ("rate_limit", {"code": 4}),
        ("rate_limit", {"code": 17}),
        ("rate_limit", {"code": 80001}),
        ("rate_limit_no_reset", {}),  # code 613
        ("server_error", {"code": 2}),
        ("server_error", {"code": 1, "status": 503}),
        ("bad_gateway_html", {}),
        ("malformed_json", {}),
        ("no_content_type", {}),
        ("hang", {"seconds": 5}),  # past the 3 s client timeout
    ],
)
def test_a_fault_mid_pagination_loses_and_doubles_nothing(sandbox, fb_channel, kind, params):
    ago = (timezone.now() - timedelta(minutes=1)).isoformat()
    first = fb_inject(sandbox, kind="comment", post_id=fb_channel.sandbox_post_id, created_at=ago)
    poll(fb_channel)  # the first poll (newest page only) sets the cursor
    fb_channel.refresh_from_db()
    cursor = dict(fb_channel.poll_cursor)
    assert cursor.get("comments_since_id")
    expected = {first[0]["id"]} | injected_comments(sandbox, fb_channel)
    fb_fault(sandbox, method="GET", path=COMMENTS, kind=kind, params=params, skip=1)  # page 2

    poll(fb_channel)
    fb_channel.refresh_from_db()
    assert fb_channel.last_error, "the failure is shown on the channel"
    assert fb_channel.poll_cursor == cursor, "cursor must not pass unread pages"
    partial = stored_once()
    assert partial <= expected and len(partial) == 101  # page 1 kept

    make_due(fb_channel)
    poll(fb_channel)
    assert stored_once() == expected
    fb_channel.refresh_from_db()
    assert fb_channel.last_error == "" and fb_channel.poll_failures == 0


def test_a_rate_limit_waits_for_the_time_the_usage_header_gives(sandbox, fb_channel):
    fb_inject(sandbox, kind="comment")
    fb_fault(
        sandbox,
        method="GET",
        path=COMMENTS,
        kind="rate_limit",
        params={"code": 32, "regain_minutes": 12},
    )
    before = timezone.now()
    poll(fb_channel)
    fb_channel.refresh_from_db()
    assert "rate limit" in fb_channel.last_error
    assert (
        before + timedelta(minutes=11)
        < fb_channel.rate_limited_until
        < before + timedelta(minutes=13)
    )
    assert fb_channel.next_poll_at == fb_channel.rate_limited_until
    assert polling.channels_claim_due() == []


def test_a_rate_limit_without_a_regain_time_backs_off(sandbox, fb_channel):
    fb_fault(sandbox, method="GET", path=r"/feed$", kind="rate_limit_no_reset")
    poll(fb_channel)
    fb_channel.refresh_from_db()
    assert "613" in fb_channel.last_error
    assert fb_channel.rate_limited_until > timezone.now() + timedelta(seconds=60)


def test_an_expired_token_marks_the_channel_and_stops_polling(sandbox, fb_channel, admin_user):
    fb_fault(sandbox, method="GET", path=r"/feed$", kind="expired_token")
    poll(fb_channel)
    fb_channel.refresh_from_db()
    assert fb_channel.needs_attention
    assert "reconnect the Page" in fb_channel.last_error
    assert Event.objects.filter(type="channel.needs_attention", channel=fb_channel).count() == 1
    assert Notification.objects.filter(user=admin_user).count() == 1
    assert polling.channels_claim_due() == []


@pytest.mark.parametrize("kind", ["duplicate_page", "out_of_order"])
def test_overlapping_and_shuffled_pages_store_each_message_once(sandbox, fb_channel, kind):
    expected = injected_comments(sandbox, fb_channel)
    poll(fb_channel)
    sandbox.post("/_sandbox/clock", {"advance_seconds": 5})
    more = injected_comments(sandbox, fb_channel, 150)
    fb_fault(sandbox, method="GET", path=COMMENTS, kind=kind, times=3)
    poll(fb_channel)
    assert stored_once() == expected | more


def test_a_messenger_fault_keeps_the_comments_and_retries_the_messages(sandbox, fb_channel):
    comments = injected_comments(sandbox, fb_channel, 5)
    messages = {m["id"] for m in fb_inject(sandbox, kind="message", author=JO, count=3)}
    fb_fault(sandbox, method="GET", path=r"/conversations$", kind="server_error")
    poll(fb_channel)
    assert stored_once() == comments
    fb_channel.refresh_from_db()
    assert fb_channel.poll_cursor.get("comments_since_id")
    assert not fb_channel.poll_cursor.get("messenger_since_id")
    make_due(fb_channel)
    poll(fb_channel)
    assert stored_once() == comments | messages


def test_an_unreadable_comment_is_quarantined_and_the_rest_stored(sandbox, fb_channel, monkeypatch):
    from inbox.models import QuarantinedPayload
    from inbox.networks import facebook as fb_module

    expected = injected_comments(sandbox, fb_channel, 5)
    victim = sorted(expected)[2]
    real = fb_module.map_comment

    def flaky(raw, **kw):
        if raw["id"] == victim:
            raw = {k: v for k, v in raw.items() if k != "created_time"}
        return real(raw, **kw)

    monkeypatch.setattr(fb_module, "map_comment", flaky)
    poll(fb_channel)
    assert stored_once() == expected - {victim}
    quarantined = QuarantinedPayload.objects.get()
    assert quarantined.payload["id"] == victim and "created_time" in quarantined.error


# --- sending ---------------------------------------------------------------------------


@pytest.fixture
def queued_comment_reply(sandbox, fb_channel, officer, django_capture_on_commit_callbacks):
    fb_inject(sandbox, kind="comment", author=JO, text="When is the bin day?")
    polling.channel_poll(channel_id=fb_channel.pk)
    with django_capture_on_commit_callbacks(execute=False):
        return outbound.reply_create(
            conversation=Conversation.objects.get(), actor=officer, text="Tuesdays on Elm Rd."
        )


@pytest.fixture
def queued_messenger_reply(sandbox, fb_channel, officer, django_capture_on_commit_callbacks):
    fb_inject(sandbox, kind="message", author=JO, text="When is the bin day?")
    polling.channel_poll(channel_id=fb_channel.pk)
    with django_capture_on_commit_callbacks(execute=False):
        return outbound.reply_create(
            conversation=Conversation.objects.get(), actor=officer, text="Tuesdays on Elm Rd."
        )


def deliver_until_done(message, attempts=6, settle=0.1):
    """What the task's retries do, without Celery, but sooner: the next attempt
    comes after ``settle`` seconds (long enough for a hung request to land)
    rather than at the task's retry time, which is brought forward to then
    (a claim waits for ``not_before``)."""
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


WRITE_PATHS = {"comment": (COMMENTS, "comment"), "messenger": (MESSAGES, "message")}


@pytest.mark.parametrize("where", ["comment", "messenger"])
@pytest.mark.parametrize("kind", ["after_write_error", "malformed_json", "no_content_type", "hang"])
def test_unknown_outcome_is_reconciled_not_reposted(sandbox, request, where, kind):
    message = request.getfixturevalue(f"queued_{where}_reply")
    path, outbox_kind = WRITE_PATHS[where]
    # The client times out at 3 s; the hung request still lands at 3.5 s.
    params = {"seconds": 3.5} if kind == "hang" else {}
    fb_fault(sandbox, method="POST", path=path, kind=kind, params=params)
    # The client gives up at 3 s; the hung request lands at 3.5 s, before the retry.
    states = deliver_until_done(message, settle=1.0 if kind == "hang" else 0.1)
    assert states[-1] == DeliveryState.SENT, states
    [post] = sandbox.outbox(network="fb", kind=outbox_kind)
    message.refresh_from_db()
    assert message.external_id == post["result_id"]
    assert Event.objects.get(type="message.sent", message=message).data["reconciled"] is True


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("server_error", {"code": 2}),
        ("bad_gateway_html", {}),
        ("rate_limit", {"code": 32, "regain_minutes": 0}),
        ("rate_limit", {"code": 613}),
    ],
)
def test_a_refused_attempt_is_retried_and_posts_once(sandbox, queued_comment_reply, kind, params):
    fb_fault(sandbox, method="POST", path=COMMENTS, kind=kind, params=params)
    states = deliver_until_done(queued_comment_reply)
    assert states[0] == "retry" and states[-1] == DeliveryState.SENT
    assert len(sandbox.outbox(network="fb", kind="comment")) == 1


@pytest.mark.parametrize("code", [368, 200, 100])
def test_a_permanent_refusal_fails_with_a_reason_and_is_never_retried(
    sandbox, queued_comment_reply, code
):
    fb_fault(sandbox, method="POST", path=COMMENTS, kind="permission", params={"code": code})
    assert deliver_until_done(queued_comment_reply) == [DeliveryState.FAILED]
    queued_comment_reply.refresh_from_db()
    assert f"(#{code})" in queued_comment_reply.last_error
    assert Event.objects.filter(type="message.failed", message=queued_comment_reply).count() == 1
    assert (
        outbound.message_deliver(message_id=queued_comment_reply.pk).state == DeliveryState.FAILED
    )
    assert sandbox.outbox(network="fb") == []


def test_the_window_fault_fails_the_send_with_the_explanation(sandbox, queued_messenger_reply):
    fb_fault(sandbox, method="POST", path=MESSAGES, kind="outside_window")
    assert deliver_until_done(queued_messenger_reply) == [DeliveryState.FAILED]
    queued_messenger_reply.refresh_from_db()
    assert queued_messenger_reply.last_error.startswith(
        "Messenger only allows replies within 24 hours of the person's last message"
    )
    assert sandbox.outbox(network="fb") == []


def test_an_expired_token_on_send_fails_and_flags_the_channel(
    sandbox, fb_channel, queued_comment_reply
):
    fb_fault(sandbox, method="POST", path=COMMENTS, kind="expired_token")
    assert deliver_until_done(queued_comment_reply) == [DeliveryState.FAILED]
    fb_channel.refresh_from_db()
    assert fb_channel.needs_attention
