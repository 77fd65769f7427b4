"""The X connector end to end: the real tweepy client over HTTP to the sandbox."""

from __future__ import annotations

import pytest

from events.models import Event
from inbox.models import Contact, Conversation, DeliveryState, Message
from inbox.services import outbound, polling


def poll(channel):
    return polling.channel_poll(channel_id=channel.pk)


@pytest.mark.django_db
def test_mentions_and_dms_become_threaded_conversations_with_contacts(sandbox, x_channel):
    jo = {"id": "111", "username": "jo_res", "name": "Jo Resident", "followers_count": 321}
    [first] = sandbox.inject(
        kind="mention", account_id="999", author=jo, text="@council_help bins missed on Elm Rd"
    )
    sandbox.inject(
        kind="reply",
        account_id="999",
        author=jo,
        in_reply_to_tweet_id=first["id"],
        text="@council_help still not collected",
    )
    sandbox.inject(kind="dm", account_id="999", author=jo, text="My address is 4 Elm Rd")
    sandbox.inject(kind="dm", account_id="999", author=jo, text="Any update?")

    result = poll(x_channel)

    assert result.stored == 4
    public = Conversation.objects.get(kind="public")
    private = Conversation.objects.get(kind="private")
    assert public.messages.count() == 2 and private.messages.count() == 2
    assert public.contact == private.contact
    contact = Contact.objects.get()
    assert (contact.handle, contact.display_name, contact.followers_count) == (
        "jo_res",
        "Jo Resident",
        321,
    )
    assert public.last_message_preview == "@council_help still not collected"
    assert Event.objects.filter(type="message.received").count() == 4


@pytest.mark.django_db
def test_polling_again_stores_nothing_new_and_advances_the_cursor(sandbox, x_channel):
    sandbox.inject(kind="mention", account_id="999", count=3)
    assert poll(x_channel).stored == 3
    x_channel.refresh_from_db()
    assert x_channel.poll_cursor["mentions_since_id"]
    assert poll(x_channel).stored == 0
    sandbox.inject(kind="mention", account_id="999", count=2)
    assert poll(x_channel).stored == 2
    assert Message.objects.count() == 5


@pytest.mark.django_db
def test_polling_follows_pages_to_the_end(sandbox, x_channel):
    sandbox.inject(kind="mention", account_id="999")
    sandbox.inject(kind="dm", account_id="999")
    poll(x_channel)  # the first poll sets the cursors
    sandbox.inject(kind="mention", account_id="999", count=230)
    sandbox.inject(kind="dm", account_id="999", count=150)
    assert poll(x_channel).stored == 380
    assert Message.objects.count() == 382


@pytest.mark.django_db
def test_the_first_poll_reads_only_the_newest_page_and_sets_the_cursor(sandbox, x_channel):
    mentions = sandbox.inject(kind="mention", account_id="999", count=230)
    dms = sandbox.inject(kind="dm", account_id="999", count=150)
    newest_mentions = set(sorted((m["id"] for m in mentions), key=int)[-100:])
    newest_dms = set(sorted((d["id"] for d in dms), key=int)[-100:])

    assert poll(x_channel).stored == 200, "one page of each, older ones left to the import"
    assert set(Message.objects.values_list("external_id", flat=True)) == (
        newest_mentions | newest_dms
    )
    x_channel.refresh_from_db()
    assert x_channel.poll_cursor == {
        "mentions_since_id": max(newest_mentions, key=int),
        "dms_since_id": max(newest_dms, key=int),
    }
    # Nothing newer than the cursor is ever skipped: the next poll reads it all.
    later = sandbox.inject(kind="mention", account_id="999", count=120)
    later_dms = sandbox.inject(kind="dm", account_id="999", count=3)
    assert poll(x_channel).stored == 123
    stored = set(Message.objects.values_list("external_id", flat=True))
    assert {m["id"] for m in later + later_dms} <= stored


@pytest.mark.django_db
def test_a_reply_reaches_x_exactly_once_in_the_right_thread_from_the_right_account(
    sandbox, x_channel, officer, django_capture_on_commit_callbacks
):
    [tweet] = sandbox.inject(
        kind="mention", account_id="999", text="@council_help is the tip open today?"
    )
    poll(x_channel)
    conversation = Conversation.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        message = outbound.reply_create(
            conversation=conversation, actor=officer, text="Yes, 8am to 6pm."
        )
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    assert (
        outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    )  # a retry: no-op

    [post] = sandbox.outbox(kind="tweet")
    assert (post["account_id"], post["target"], post["text"]) == (
        "999",
        tweet["id"],
        "Yes, 8am to 6pm.",
    )
    message.refresh_from_db()
    assert message.external_id == post["result_id"]
    conversation.refresh_from_db()
    assert conversation.first_response_at is not None and conversation.awaiting_since is None
    assert Event.objects.filter(type="message.sent", message=message).count() == 1


@pytest.mark.django_db
def test_a_dm_reply_goes_to_the_citizen(
    sandbox, x_channel, officer, django_capture_on_commit_callbacks
):
    sandbox.inject(
        kind="dm", account_id="999", author={"id": "222", "username": "sam"}, text="help"
    )
    poll(x_channel)
    conversation = Conversation.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        message = outbound.reply_create(
            conversation=conversation, actor=officer, text="Happy to help"
        )
    outbound.message_deliver(message_id=message.pk)
    [dm] = sandbox.outbox(kind="dm")
    assert (dm["account_id"], dm["target"]) == ("999", "222")
    # Our own DM comes back in the next poll's DM list: it is not stored twice.
    poll(x_channel)
    assert conversation.messages.filter(direction="out").count() == 1


@pytest.mark.django_db
def test_the_same_idempotency_key_is_one_reply(
    sandbox, x_channel, officer, django_capture_on_commit_callbacks
):
    sandbox.inject(kind="mention", account_id="999")
    poll(x_channel)
    conversation = Conversation.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        a = outbound.reply_create(
            conversation=conversation, actor=officer, text="Hi", idempotency_key="form-1"
        )
        b = outbound.reply_create(
            conversation=conversation, actor=officer, text="Hi", idempotency_key="form-1"
        )
    assert a.pk == b.pk
    assert Message.objects.filter(direction="out").count() == 1


@pytest.mark.django_db
def test_like_hide_and_mute_reach_x_once(
    sandbox, x_channel, officer, django_capture_on_commit_callbacks
):
    [tweet] = sandbox.inject(
        kind="mention", account_id="999", author={"id": "333", "username": "pat"}
    )
    poll(x_channel)
    conversation = Conversation.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        like = outbound.action_create(
            conversation=conversation, actor=officer, kind="like", target_external_id=tweet["id"]
        )
        again = outbound.action_create(
            conversation=conversation, actor=officer, kind="like", target_external_id=tweet["id"]
        )
        mute = outbound.action_create(
            conversation=conversation, actor=officer, kind="mute", target_external_id="333"
        )
    assert like.pk == again.pk
    for action in (like, mute):
        assert outbound.action_perform(action_id=action.pk).state == DeliveryState.SENT
        assert outbound.action_perform(action_id=action.pk).state == DeliveryState.SENT
    assert [o["kind"] for o in sandbox.outbox()] == ["like", "mute"]
    assert Event.objects.filter(type__in=["message.liked", "contact.muted"]).count() == 2


@pytest.mark.django_db
def test_an_over_long_reply_is_refused_before_anything_is_queued(sandbox, x_channel, officer):
    from django.core.exceptions import ValidationError

    sandbox.inject(kind="mention", account_id="999")
    poll(x_channel)
    with pytest.raises(ValidationError, match="280"):
        outbound.reply_create(
            conversation=Conversation.objects.get(), actor=officer, text="x" * 281
        )
    assert not Message.objects.filter(direction="out").exists()


@pytest.mark.django_db
def test_other_team_cannot_reply(sandbox, x_channel, other_officer):
    from django.core.exceptions import PermissionDenied

    sandbox.inject(kind="mention", account_id="999")
    poll(x_channel)
    with pytest.raises(PermissionDenied):
        outbound.reply_create(
            conversation=Conversation.objects.get(), actor=other_officer, text="hi"
        )
    assert not Message.objects.filter(direction="out").exists()
