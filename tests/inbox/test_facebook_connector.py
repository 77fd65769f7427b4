"""The Facebook connector end to end: the real facebook-sdk client over HTTP to the sandbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from events.models import Event
from inbox.models import Contact, Conversation, DeliveryState, Message, NetworkAction
from inbox.networks import client_for
from inbox.networks.facebook import GRAPH_VERSION, FacebookClient
from inbox.services import outbound, polling
from tests.inbox.facebook_support import (
    JO,
    PAGE_ID,
    SAM,
    fb_channel_fixture,  # noqa: F401 (fixture)
    fb_inject,
)

pytestmark = pytest.mark.django_db


def poll(channel):
    return polling.channel_poll(channel_id=channel.pk)


def queue_reply(conversation, actor, text, capture):
    with capture(execute=False):
        return outbound.reply_create(conversation=conversation, actor=actor, text=text)


def test_the_client_uses_a_current_graph_version_and_the_sandbox(sandbox, fb_channel):
    client = client_for(fb_channel)
    assert isinstance(client, FacebookClient)
    assert client.graph.version == GRAPH_VERSION == "v21.0"
    assert client.page_info()["name"] == "Riverside Council"
    assert client.follower_count() >= 21300


def test_comments_and_messenger_messages_become_the_right_conversations(sandbox, fb_channel):
    post = fb_channel.sandbox_post_id
    [first] = fb_inject(sandbox, kind="comment", post_id=post, author=JO, text="Which roads?")
    fb_inject(sandbox, kind="reply", parent_id=first["id"], author=JO, text="And for how long?")
    fb_inject(sandbox, kind="comment", post_id=post, author=SAM, text="About time too")
    fb_inject(sandbox, kind="message", author=JO, text="My car is parked on Main St")
    fb_inject(sandbox, kind="message", author=JO, text="Will it be towed?")

    assert poll(fb_channel).stored == 5

    jo_thread = Conversation.objects.get(thread_key=f"fbc:{post}:{JO['id']}")
    assert jo_thread.kind == "comment"
    comments = list(jo_thread.messages.order_by("sent_at", "pk"))
    assert [m.text for m in comments] == ["Which roads?", "And for how long?"]
    assert comments[0].in_reply_to_external_id == post
    assert comments[1].in_reply_to_external_id == first["id"]
    assert Conversation.objects.get(thread_key=f"fbc:{post}:{SAM['id']}").messages.count() == 1
    private = Conversation.objects.get(thread_key=f"fbm:{JO['id']}")
    assert private.kind == "private" and private.messages.count() == 2
    assert private.contact == jo_thread.contact
    contact = Contact.objects.get(external_id=JO["id"])
    assert (contact.network, contact.display_name) == ("facebook", "Jo Resident")
    assert Event.objects.filter(type="message.received").count() == 5


def test_messenger_conversations_carry_their_reply_window(sandbox, fb_channel):
    fb_inject(sandbox, kind="message", author=JO, text="Hello?")
    poll(fb_channel)
    private = Conversation.objects.get(kind="private")
    last = private.messages.get().sent_at
    assert private.reply_window_closes_at == last + timedelta(hours=24)
    assert Conversation.objects.filter(reply_window_closes_at__isnull=False).count() == 1

    sandbox.post("/_sandbox/clock", {"advance_seconds": 3600})
    fb_inject(sandbox, kind="message", author=JO, text="Anyone there?")
    poll(fb_channel)
    private.refresh_from_db()
    newest = private.messages.order_by("-sent_at").first().sent_at
    assert newest >= last + timedelta(hours=1)  # the sandbox clock moved on (and kept running)
    assert private.reply_window_closes_at == newest + timedelta(hours=24)


def test_polling_again_stores_nothing_new_and_keeps_cursors(sandbox, fb_channel):
    fb_inject(sandbox, kind="comment", count=3)
    fb_inject(sandbox, kind="message", count=2)
    assert poll(fb_channel).stored == 5
    fb_channel.refresh_from_db()
    assert fb_channel.poll_cursor["comments_since_id"]
    assert fb_channel.poll_cursor["messenger_since_id"]
    assert poll(fb_channel).stored == 0
    fb_inject(sandbox, kind="comment", count=2)
    fb_inject(sandbox, kind="message")
    assert poll(fb_channel).stored == 3
    assert Message.objects.count() == 8


def person(n: int) -> dict[str, str]:
    return {"id": str(7000000000000000 + n), "name": f"P {n}"}


def ago(**delta) -> str:
    return (timezone.now() - timedelta(**delta)).isoformat()


def test_polling_follows_comment_and_conversation_pages_to_the_end(sandbox, fb_channel):
    post = fb_channel.sandbox_post_id
    fb_inject(sandbox, kind="comment", post_id=post, created_at=ago(minutes=5))
    fb_inject(sandbox, kind="message", author=JO, created_at=ago(minutes=5))
    poll(fb_channel)  # the first poll sets the cursors
    fb_inject(sandbox, kind="comment", post_id=post, count=230)
    for n in range(30):  # 30 threads: two pages of conversations
        fb_inject(sandbox, kind="message", author=person(n))
    assert poll(fb_channel).stored == 260
    assert Conversation.objects.filter(kind="private").count() == 31


def test_the_first_poll_reads_only_the_newest_pages_and_sets_the_cursor(sandbox, fb_channel):
    post = fb_channel.sandbox_post_id
    older = fb_inject(sandbox, kind="comment", post_id=post, count=200, created_at=ago(hours=2))
    newer = fb_inject(sandbox, kind="comment", post_id=post, count=30, created_at=ago(hours=1))
    threads = []  # oldest first: the five oldest are past the first page of 25
    for n in range(30):
        threads += fb_inject(
            sandbox, kind="message", author=person(n), created_at=ago(hours=2, minutes=-n)
        )

    assert poll(fb_channel).stored == 100 + 25, "one page of comments, one of threads"
    stored = set(Message.objects.values_list("external_id", flat=True))
    assert {c["id"] for c in newer} | {t["id"] for t in threads[5:]} <= stored
    assert len(stored & {c["id"] for c in older}) == 70
    fb_channel.refresh_from_db()
    assert set(fb_channel.poll_cursor) == {"comments_since_id", "messenger_since_id"}

    # Nothing newer than the cursor is ever skipped; the older history is not
    # read by polling (the import's job).
    [comment] = fb_inject(sandbox, kind="comment", post_id=post, author=SAM, text="Any news?")
    [message] = fb_inject(sandbox, kind="message", author=person(2), text="Hello again")
    assert poll(fb_channel).stored == 2
    assert {comment["id"], message["id"]} <= set(
        Message.objects.values_list("external_id", flat=True)
    )
    assert Message.objects.count() == 127


def test_a_reply_to_a_comment_lands_under_that_comment_exactly_once(
    sandbox, fb_channel, officer, django_capture_on_commit_callbacks
):
    [comment] = fb_inject(sandbox, kind="comment", author=JO, text="Is the tip open today?")
    poll(fb_channel)
    conversation = Conversation.objects.get()
    message = queue_reply(
        conversation, officer, "Yes, 8am to 6pm.", django_capture_on_commit_callbacks
    )

    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    assert (
        outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    )  # retry: no-op

    [posted] = sandbox.outbox(network="fb", kind="comment")
    assert (posted["account_id"], posted["target"], posted["text"]) == (
        PAGE_ID,
        comment["id"],
        "Yes, 8am to 6pm.",
    )
    assert posted["meta"]["parent_id"] == comment["id"]
    message.refresh_from_db()
    assert message.external_id == posted["result_id"]
    assert Event.objects.filter(type="message.sent", message=message).count() == 1
    # Our reply comes back in the next poll as the Page's comment: not stored twice.
    poll(fb_channel)
    assert conversation.messages.filter(direction="out").count() == 1


def test_a_reply_to_a_nested_reply_goes_under_the_top_level_comment(
    sandbox, fb_channel, officer, django_capture_on_commit_callbacks
):
    [top] = fb_inject(sandbox, kind="comment", author=JO, text="Bins missed again")
    fb_inject(sandbox, kind="reply", parent_id=top["id"], author=JO, text="Still nothing")
    poll(fb_channel)
    message = queue_reply(
        Conversation.objects.get(),
        officer,
        "Sorry Jo, a crew is on its way.",
        django_capture_on_commit_callbacks,
    )
    outbound.message_deliver(message_id=message.pk)
    [posted] = sandbox.outbox(network="fb", kind="comment")
    assert posted["target"] == top["id"] and posted["meta"]["parent_id"] == top["id"]


def test_a_messenger_reply_goes_to_the_person_once(
    sandbox, fb_channel, officer, django_capture_on_commit_callbacks
):
    fb_inject(sandbox, kind="message", author=JO, text="When is bulky waste collection?")
    poll(fb_channel)
    conversation = Conversation.objects.get()
    message = queue_reply(
        conversation, officer, "Every other Tuesday.", django_capture_on_commit_callbacks
    )
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    [sent] = sandbox.outbox(network="fb", kind="message")
    assert (sent["target"], sent["meta"]["messaging_type"]) == (JO["id"], "RESPONSE")
    poll(fb_channel)  # our own message is in the thread now: still one outbound row
    assert conversation.messages.filter(direction="out").count() == 1


def test_a_reply_after_the_window_closed_is_refused_before_queuing(sandbox, fb_channel, officer):
    past = (timezone.now() - timedelta(hours=25)).isoformat()
    fb_inject(sandbox, kind="message", author=JO, text="Hello?", created_at=past)
    poll(fb_channel)
    conversation = Conversation.objects.get()
    with pytest.raises(ValidationError) as refused:
        outbound.reply_create(conversation=conversation, actor=officer, text="Sorry for the wait")
    text = refused.value.messages[0]
    assert "Messenger only allows replies within 24 hours of the person's last message" in text
    assert "it closed at" in text and "Ask them to message again" in text
    assert not Message.objects.filter(direction="out").exists()


def test_a_send_the_network_refuses_as_outside_the_window_fails_clearly(
    sandbox, fb_channel, officer, django_capture_on_commit_callbacks
):
    fb_inject(sandbox, kind="message", author=JO, text="Hello?")
    poll(fb_channel)
    conversation = Conversation.objects.get()
    message = queue_reply(conversation, officer, "Hi Jo", django_capture_on_commit_callbacks)
    sandbox.post("/_sandbox/clock", {"advance_seconds": 25 * 3600})  # Facebook's clock moved on

    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.FAILED
    message.refresh_from_db()
    assert message.state == DeliveryState.FAILED and message.external_id is None
    assert "Messenger only allows replies within 24 hours" in message.last_error
    assert sandbox.outbox(network="fb") == []
    assert not Event.objects.filter(type="message.sent").exists()
    assert Event.objects.filter(type="message.failed", message=message).count() == 1
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.FAILED


def test_hide_works_once(sandbox, fb_channel, officer, django_capture_on_commit_callbacks):
    [comment] = fb_inject(sandbox, kind="comment", author=SAM, text="You are all useless")
    poll(fb_channel)
    conversation = Conversation.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        hide = outbound.action_create(
            conversation=conversation, actor=officer, kind="hide", target_external_id=comment["id"]
        )
        again = outbound.action_create(
            conversation=conversation, actor=officer, kind="hide", target_external_id=comment["id"]
        )
    assert hide.pk == again.pk
    assert outbound.action_perform(action_id=hide.pk).state == DeliveryState.SENT
    assert outbound.action_perform(action_id=hide.pk).state == DeliveryState.SENT
    [hidden] = sandbox.outbox(network="fb", kind="hide")
    assert hidden["target"] == comment["id"]
    found = client_for(fb_channel)._get(comment["id"], fields="is_hidden")
    assert found["is_hidden"] is True
    assert Event.objects.filter(type="message.hidden").count() == 1


def test_mute_is_refused_with_a_reason(
    sandbox, fb_channel, officer, django_capture_on_commit_callbacks
):
    fb_inject(sandbox, kind="comment", author=SAM)
    poll(fb_channel)
    with django_capture_on_commit_callbacks(execute=False):
        mute = outbound.action_create(
            conversation=Conversation.objects.get(),
            actor=officer,
            kind="mute",
            target_external_id=SAM["id"],
        )
    assert outbound.action_perform(action_id=mute.pk).state == DeliveryState.FAILED
    assert "cannot mute" in NetworkAction.objects.get().last_error


def test_a_private_reply_to_a_comment_goes_through_messenger_once(
    sandbox, fb_channel, officer, django_capture_on_commit_callbacks
):
    [comment] = fb_inject(sandbox, kind="comment", author=JO, text="My address is on the form")
    poll(fb_channel)
    public = Conversation.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        message = outbound.private_reply_create(
            conversation=public, actor=officer, text="Thanks Jo, we have it."
        )
    assert message.conversation.thread_key == f"fbm:{JO['id']}"
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    [sent] = sandbox.outbox(network="fb", kind="private_reply")
    assert (sent["target"], sent["text"]) == (comment["id"], "Thanks Jo, we have it.")
    with pytest.raises(ValidationError, match="already has a private reply"):
        outbound.private_reply_create(conversation=public, actor=officer, text="Again")
    # Jo answers in Messenger: it threads into the same private conversation.
    fb_inject(sandbox, kind="message", author=JO, text="Thank you!")
    poll(fb_channel)
    assert message.conversation.messages.count() == 2


def test_the_pages_own_native_replies_show_as_outbound(sandbox, fb_channel):
    [comment] = fb_inject(sandbox, kind="comment", author=JO, text="Thanks for the update")
    client = client_for(fb_channel)
    client.graph.put_object(comment["id"], "comments", message="You're welcome!")  # from Meta's UI
    poll(fb_channel)
    conversation = Conversation.objects.get()
    assert [m.direction for m in conversation.messages.order_by("sent_at", "pk")] == ["in", "out"]


def test_metrics_of_our_replies_are_read(sandbox, fb_channel):
    [comment] = fb_inject(sandbox, kind="comment", author=JO)
    client = client_for(fb_channel)
    assert client.post_metrics([comment["id"]]) == {
        comment["id"]: {"like_count": 0, "reply_count": 0}
    }


def test_other_team_cannot_reply(sandbox, fb_channel, other_officer):
    fb_inject(sandbox, kind="comment", author=JO)
    poll(fb_channel)
    with pytest.raises(PermissionDenied):
        outbound.reply_create(
            conversation=Conversation.objects.get(), actor=other_officer, text="hi"
        )
    with pytest.raises(PermissionDenied):
        outbound.private_reply_create(
            conversation=Conversation.objects.get(), actor=other_officer, text="hi"
        )
    assert not Message.objects.filter(direction="out").exists()


def test_the_composer_partial_says_when_the_window_closes(sandbox, fb_channel):
    from django.template.loader import render_to_string

    fb_inject(sandbox, kind="message", author=JO, text="Hello?")
    fb_inject(sandbox, kind="comment", author=JO, text="Hi")
    poll(fb_channel)
    private = Conversation.objects.get(kind="private")
    assert private.reply_window_open is True
    html = render_to_string("channels/_reply_window.html", {"conversation": private})
    assert "Messenger reply window: open until" in html
    Conversation.objects.filter(pk=private.pk).update(
        reply_window_closes_at=timezone.now() - timedelta(minutes=5)
    )
    private.refresh_from_db()
    html = render_to_string("channels/_reply_window.html", {"conversation": private})
    assert "Messenger reply window closed" in html and "Ask them to message again" in html
    public = Conversation.objects.get(kind="comment")
    assert public.reply_window_open is None
    assert render_to_string("channels/_reply_window.html", {"conversation": public}).strip() == ""
