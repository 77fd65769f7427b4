"""The Instagram connector end to end: facebook-sdk's GraphAPI over HTTP to the
sandbox's Instagram Graph part (through the linked Page's token)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from inbox.models import Conversation, DeliveryState, Message, QuarantinedPayload
from inbox.networks import client_for
from inbox.networks.base import AuthError, RateLimited, Refused
from inbox.networks.instagram import InstagramClient
from inbox.networks.instagram_mapping import message_key
from inbox.services import outbound, polling, replies
from inbox.webhooks.services import webhook_deliveries_process
from tests.inbox.instagram_support import (
    IG_ACCOUNT,
    IG_PAGE,
    JO,
    SAM,
    ig_channel_fixture,  # noqa: F401 (fixture)
    ig_fault,
    ig_inject,
)

pytestmark = pytest.mark.django_db
FB_URL = "/webhooks/facebook/"
SECRET = "sandbox-app-secret"


def poll(channel):
    return polling.channel_poll(channel_id=channel.pk)


def queue_reply(conversation, actor, text, capture):
    with capture(execute=False):
        return outbound.reply_create(conversation=conversation, actor=actor, text=text)


def ago(**delta) -> str:
    return (timezone.now() - timedelta(**delta)).isoformat()


def test_client_for_builds_the_instagram_client_and_finds_the_linked_page(sandbox, ig_channel):
    client = client_for(ig_channel)
    assert isinstance(client, InstagramClient)
    assert client.account_info()["username"] == "riversidecouncil"
    assert client.follower_count() == 8400
    # Calls on the Instagram account count against its own business use case.
    usage = json.loads(client.last_headers["X-Business-Use-Case-Usage"])
    assert usage[IG_ACCOUNT][0]["type"] == "instagram"
    assert client.page_id == IG_PAGE  # from the Page token (GET /me)


def test_comments_replies_tags_and_direct_messages_become_the_right_conversations(
    sandbox, ig_channel
):
    media = ig_channel.sandbox_media_id
    [first] = ig_inject(sandbox, kind="comment", author=JO, text="Which days is it open?")
    ig_inject(sandbox, kind="reply", parent_id=first["id"], author=JO, text="And Sundays?")
    ig_inject(sandbox, kind="comment", author=SAM, text="Great news")
    ig_inject(sandbox, kind="dm", author=JO, text="Can I bring a fridge?")
    [tag] = ig_inject(
        sandbox,
        kind="tag",
        author={"id": "17841455500000003", "username": "pat.m"},
        text="Queue at the tip",
    )

    assert poll(ig_channel).stored == 5

    jo_thread = Conversation.objects.get(thread_key=f"igc:{media}:{JO['id']}")
    assert jo_thread.kind == "comment"
    comments = list(jo_thread.messages.order_by("sent_at", "pk"))
    assert [m.text for m in comments] == ["Which days is it open?", "And Sundays?"]
    assert comments[0].in_reply_to_external_id == media
    assert comments[1].in_reply_to_external_id == first["id"]
    assert Conversation.objects.get(thread_key=f"igc:{media}:{SAM['id']}").messages.count() == 1
    private = Conversation.objects.get(thread_key=f"igm:{JO['id']}")
    assert private.kind == "private" and private.contact == jo_thread.contact
    assert private.reply_window_closes_at == (private.messages.get().sent_at + timedelta(hours=24))
    tagged = Conversation.objects.get(thread_key=f"igc:{tag['id']}:@pat.m")
    assert tagged.messages.get().kind == "tag"
    assert jo_thread.contact.network == "instagram"
    assert jo_thread.contact.handle == JO["username"]

    # Polling again stores nothing; new items only.
    assert poll(ig_channel).stored == 0
    ig_inject(sandbox, kind="reply", parent_id=first["id"], author=JO, text="Hello?")
    ig_inject(sandbox, kind="dm", author=JO, text="Still there?")
    assert poll(ig_channel).stored == 2
    assert set(ig_channel.__class__.objects.get(pk=ig_channel.pk).poll_cursor) == {
        "tags_since_id",
        "comments_since_id",
        "direct_since_id",
    }


def test_polling_follows_comment_reply_and_thread_pages_to_the_end(sandbox, ig_channel):
    ig_inject(sandbox, kind="comment", created_at=ago(minutes=5))
    ig_inject(sandbox, kind="dm", author=JO, created_at=ago(minutes=5))
    poll(ig_channel)  # the first poll sets the cursors
    [top] = ig_inject(sandbox, kind="comment", author=SAM, text="Top")
    ig_inject(sandbox, kind="comment", count=120)  # three pages of 50
    ig_inject(sandbox, kind="reply", parent_id=top["id"], count=70)  # past the 50 inline
    for n in range(30):  # two pages of threads
        ig_inject(
            sandbox, kind="dm", author={"id": str(17841455600000000 + n), "username": f"p{n}"}
        )
    assert poll(ig_channel).stored == 1 + 120 + 70 + 30
    assert Conversation.objects.filter(kind="private").count() == 31


def test_a_public_reply_lands_under_the_comment_exactly_once(
    sandbox, ig_channel, officer, django_capture_on_commit_callbacks
):
    [top] = ig_inject(sandbox, kind="comment", author=JO, text="Is it open today?")
    ig_inject(sandbox, kind="reply", parent_id=top["id"], author=JO, text="Anyone?")
    poll(ig_channel)
    conversation = Conversation.objects.get()
    message = queue_reply(
        conversation, officer, "Yes, 8am-6pm.", django_capture_on_commit_callbacks
    )

    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT

    [posted] = sandbox.outbox(network="ig", kind="reply")
    assert posted["text"] == "Yes, 8am-6pm." and posted["meta"]["parent_id"] == top["id"]
    message.refresh_from_db()
    assert message.external_id == posted["result_id"]
    # Our reply comes back on the next poll as the account's own: not stored twice.
    poll(ig_channel)
    assert conversation.messages.filter(direction="out").count() == 1
    assert Event.objects.filter(type="message.sent", message=message).count() == 1


def test_a_reply_to_a_post_that_tags_us_is_a_comment_on_it(
    sandbox, ig_channel, officer, django_capture_on_commit_callbacks
):
    [tag] = ig_inject(sandbox, kind="tag", author={"id": "9", "username": "pat.m"}, text="Look")
    poll(ig_channel)
    message = queue_reply(
        Conversation.objects.get(), officer, "Thanks Pat!", django_capture_on_commit_callbacks
    )
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    [posted] = sandbox.outbox(network="ig", kind="comment")
    assert posted["target"] == tag["id"] and posted["text"] == "Thanks Pat!"


def test_a_private_reply_to_a_comment_is_one_direct_message(
    sandbox, ig_channel, officer, django_capture_on_commit_callbacks
):
    [comment] = ig_inject(sandbox, kind="comment", author=JO, text="My address is 4 Elm Rd")
    poll(ig_channel)
    conversation = Conversation.objects.get()
    assert replies.can_reply_privately(conversation)
    with django_capture_on_commit_callbacks(execute=False):
        message = outbound.private_reply_create(
            conversation=conversation, actor=officer, text="Thanks Jo, we will look."
        )
    assert message.conversation.thread_key == f"igm:{JO['id']}"
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    [sent] = sandbox.outbox(network="ig", kind="private_reply")
    assert sent["target"] == comment["id"] and sent["meta"]["recipient_id"] == JO["id"]
    with pytest.raises(ValidationError, match="already has a private reply; Instagram"):
        outbound.private_reply_create(conversation=conversation, actor=officer, text="Again")


def test_a_direct_reply_within_the_window_goes_once(
    sandbox, ig_channel, officer, django_capture_on_commit_callbacks
):
    ig_inject(sandbox, kind="dm", author=JO, text="Can I bring a fridge?")
    poll(ig_channel)
    message = queue_reply(
        Conversation.objects.get(), officer, "Yes, bay 3.", django_capture_on_commit_callbacks
    )
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    [sent] = sandbox.outbox(network="ig", kind="message")
    assert (sent["target"], sent["text"]) == (JO["id"], "Yes, bay 3.")
    message.refresh_from_db()
    # Instagram's message ids are longer than SocialDesk keeps: kept as a digest.
    assert len(sent["result_id"]) > 64
    assert message.external_id == message_key(sent["result_id"]) != sent["result_id"]
    poll(ig_channel)  # our message seen on the network is the same row
    assert Message.objects.filter(direction="out").count() == 1


def test_a_direct_reply_outside_the_window_is_refused_before_and_on_the_network(
    sandbox, ig_channel, officer, django_capture_on_commit_callbacks
):
    ig_inject(sandbox, kind="dm", author=JO, text="Hello?", created_at=ago(hours=25))
    poll(ig_channel)
    conversation = Conversation.objects.get()
    with pytest.raises(ValidationError) as refused:
        outbound.reply_create(conversation=conversation, actor=officer, text="Sorry")
    assert "Instagram only allows direct replies within 24 hours" in refused.value.messages[0]

    # Within the window here, outside it by the time it reaches Instagram.
    ig_inject(sandbox, kind="dm", author=SAM, text="Hi")
    poll(ig_channel)
    late = queue_reply(
        Conversation.objects.get(thread_key=f"igm:{SAM['id']}"),
        officer,
        "Hi Sam",
        django_capture_on_commit_callbacks,
    )
    sandbox.post("/_sandbox/clock", {"advance_seconds": 25 * 3600})
    assert outbound.message_deliver(message_id=late.pk).state == DeliveryState.FAILED
    late.refresh_from_db()
    assert late.last_error.startswith("Instagram only allows direct replies within 24 hours")
    assert sandbox.outbox(network="ig") == []


def test_hide_and_delete_reach_the_comment_once(
    sandbox, ig_channel, officer, django_capture_on_commit_callbacks
):
    [rude] = ig_inject(sandbox, kind="comment", author=SAM, text="You are all useless")
    [spam] = ig_inject(sandbox, kind="comment", author=SAM, text="Buy followers here")
    poll(ig_channel)
    with django_capture_on_commit_callbacks(execute=False):
        hide = outbound.action_create(
            conversation=Conversation.objects.get(),
            actor=officer,
            kind="hide",
            target_external_id=rude["id"],
        )
    assert outbound.action_perform(action_id=hide.pk).state == DeliveryState.SENT
    assert outbound.action_perform(action_id=hide.pk).state == DeliveryState.SENT
    [hidden] = sandbox.outbox(network="ig", kind="hide")
    client = client_for(ig_channel)
    assert hidden["target"] == rude["id"]
    assert client._get(rude["id"], fields="hidden")["hidden"] is True

    client.delete(external_id=spam["id"])
    [deleted] = sandbox.outbox(network="ig", kind="delete")
    assert deleted["target"] == spam["id"]
    client.delete(external_id=spam["id"])  # gone (Graph's 100/33): already done
    assert len(sandbox.outbox(network="ig", kind="delete")) == 1
    with pytest.raises(Refused, match="does not let apps like"):
        client.like(external_id=rude["id"])


def test_a_rate_limit_waits_for_the_regain_time_graph_gives(sandbox, ig_channel):
    ig_inject(sandbox, kind="comment")
    ig_fault(
        sandbox,
        method="GET",
        path=r"/comments$",
        kind="rate_limit",
        params={"code": 80002, "regain_minutes": 12},
    )
    with pytest.raises(RateLimited) as limited:
        list(client_for(ig_channel)._pages(f"{ig_channel.sandbox_media_id}/comments"))
    assert limited.value.retry_at is not None
    ig_fault(
        sandbox,
        method="GET",
        path=r"/comments$",
        kind="rate_limit",
        params={"code": 80002, "regain_minutes": 12},
    )
    before = timezone.now()
    poll(ig_channel)
    ig_channel.refresh_from_db()
    assert "rate limit" in ig_channel.last_error
    assert (
        before + timedelta(minutes=11)
        < ig_channel.rate_limited_until
        < before + timedelta(minutes=13)
    )


def test_an_expired_token_marks_the_channel(sandbox, ig_channel):
    ig_fault(sandbox, method="GET", path=r"/media$", kind="expired_token")
    results = {r.name: r for r in client_for(ig_channel).fetch({"comments_since_id": "1"})}
    assert isinstance(results["comments"].error, AuthError)
    ig_fault(sandbox, method="GET", path=r"/media$", kind="expired_token")
    poll(ig_channel)
    ig_channel.refresh_from_db()
    assert ig_channel.needs_attention and "reconnect" in ig_channel.last_error
    assert polling.channels_claim_due() == []


def test_malformed_items_are_quarantined_and_the_rest_stored(sandbox, ig_channel):
    good = ig_inject(sandbox, kind="comment", count=3)
    ig_fault(
        sandbox,
        method="GET",
        path=r"/comments$",
        kind="extra_items",
        params={
            "items": [
                {"id": "17999999999999991", "text": "no time", "from": {"id": "5"}},
                "not an object",
            ],
            "at": [1, 2],
        },
    )
    poll(ig_channel)
    stored = set(Message.objects.values_list("external_id", flat=True))
    assert stored == {c["id"] for c in good}
    assert QuarantinedPayload.objects.count() == 2
    assert any("timestamp" in q.error for q in QuarantinedPayload.objects.all())


def test_signed_instagram_webhooks_land_threaded_like_polling(
    sandbox, ig_channel, client, settings, monkeypatch
):
    from inbox.webhooks.signatures import meta_signature

    settings.FACEBOOK_APP_SECRET = SECRET
    monkeypatch.setattr("inbox.webhooks.views._enqueue_processing", lambda: None)
    [comment] = ig_inject(sandbox, kind="comment", author=JO, text="Is the tip open?")
    [dm] = ig_inject(sandbox, kind="dm", author=JO, text="Hello from a DM")
    for event in (comment["id"], dm["id"]):
        payload = sandbox.post(
            "/_sandbox/webhooks/fire",
            {"network": "ig", "for_event": event, "url": "http://127.0.0.1:9/", "repeat": 1},
        )["payload"]
        body = json.dumps(payload).encode()
        assert payload["object"] == "instagram"
        answer = client.post(
            FB_URL,
            data=body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=meta_signature(SECRET, body),
        )
        assert answer.status_code == 200
    assert webhook_deliveries_process().stored == 2
    media = ig_channel.sandbox_media_id
    assert Conversation.objects.get(thread_key=f"igc:{media}:{JO['id']}").messages.count() == 1
    assert Conversation.objects.get(thread_key=f"igm:{JO['id']}").messages.count() == 1
    # Polling the same items afterwards adds nothing.
    assert poll(ig_channel).stored == 0


def test_the_composer_offers_a_private_reply_by_direct_message(
    sandbox, ig_channel, officer, client
):
    ig_inject(sandbox, kind="comment", author=JO, text="Bins?")
    poll(ig_channel)
    client.force_login(officer)
    page = client.get(reverse("inbox:conversation", args=[Conversation.objects.get().pk]))
    html = page.content.decode()
    assert "by direct message (Instagram allows one private reply per comment" in html
    assert "in Messenger" not in html


def test_an_instagram_thread_near_its_window_end_is_flagged(sandbox, ig_channel):
    from escalation.selectors import messenger_window, messenger_windows_closing

    ig_inject(sandbox, kind="dm", author=JO, text="Hello?", created_at=ago(hours=22))
    poll(ig_channel)
    conversation = Conversation.objects.get()
    closes, closing = messenger_window(conversation, timezone.now())
    assert closes == conversation.reply_window_closes_at and closing
    assert list(messenger_windows_closing(now=timezone.now())) == [conversation]


def test_profile_checks_read_the_bio_and_picture(sandbox, ig_channel):
    facts = client_for(ig_channel).profile_facts()
    assert facts.picture_set is True
    assert (facts.verified, facts.dms_open, facts.banner_set) == (None, None, None)
