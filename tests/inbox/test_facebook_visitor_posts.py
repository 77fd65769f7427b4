"""People's posts on the Facebook Page (visitor posts) and posts that tag it,
end to end: the real facebook-sdk client over HTTP to the sandbox, polling and
the signed Page webhook, replies as comments on the post."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from inbox.models import Conversation, Message, QuarantinedPayload
from inbox.networks import client_for
from inbox.networks.facebook_mapping import webhook_items
from inbox.services import outbound, polling
from inbox.webhooks.services import webhook_deliveries_process
from tests.inbox.facebook_support import (
    JO,
    PAGE_ID,
    SAM,
    fb_channel_fixture,  # noqa: F401 (fixture)
    fb_inject,
)

pytestmark = pytest.mark.django_db

FB_URL = "/webhooks/facebook/"
FB_SECRET = "sandbox-app-secret"


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.FACEBOOK_APP_SECRET = FB_SECRET
    settings.FACEBOOK_VERIFY_TOKEN = "sandbox-verify-token"


def poll(channel):
    return polling.channel_poll(channel_id=channel.pk)


def deliver(conversation, officer, text, capture):
    with capture(execute=False):
        message = outbound.reply_create(conversation=conversation, actor=officer, text=text)
    return outbound.message_deliver(message_id=message.pk), message


def test_visitor_posts_and_tags_become_comment_conversations(sandbox, fb_channel):
    poll(fb_channel)  # the first poll sets every stream's cursor
    [visit] = fb_inject(sandbox, kind="visitor_post", author=JO, text="Bins missed on Elm Rd")
    [tag] = fb_inject(sandbox, kind="tag", author=SAM, text="Pothole outside no. 4")
    # The visitor comments under their own post: the same conversation.
    sandbox.post(
        "/_sandbox/fb/inject",
        {"page_id": PAGE_ID, "kind": "comment", "post_id": visit["id"], "author": JO, "text": "?"},
    )

    assert poll(fb_channel).stored == 3

    jo = Conversation.objects.get(thread_key=f"fbc:{visit['id']}:{JO['id']}")
    assert jo.kind == "comment"
    assert [(m.kind, m.text) for m in jo.messages.order_by("sent_at", "pk")] == [
        ("post", "Bins missed on Elm Rd"),
        ("comment", "?"),
    ]
    sam = Conversation.objects.get(thread_key=f"fbc:{tag['id']}:{SAM['id']}")
    [tagged] = sam.messages.all()
    assert (tagged.kind, tagged.text, tagged.external_id) == ("tag", tag["text"], tag["id"])
    assert sam.contact.display_name == "Sam Patel"
    fb_channel.refresh_from_db()
    assert fb_channel.poll_cursor["visitor_posts_since_id"]
    assert fb_channel.poll_cursor["tags_since_id"]
    assert poll(fb_channel).stored == 0  # polling again changes nothing


def test_the_pages_own_posts_are_not_conversations(sandbox, fb_channel):
    poll(fb_channel)
    sandbox.post("/_sandbox/fb/posts", {"page_id": PAGE_ID, "message": "Library opens late"})
    fb_inject(sandbox, kind="visitor_post", author=JO, text="Is the library open Sunday?")
    assert poll(fb_channel).stored == 1
    assert Message.objects.get().text == "Is the library open Sunday?"


def test_a_reply_to_a_visitor_post_is_one_comment_on_the_post(
    sandbox, fb_channel, officer, django_capture_on_commit_callbacks
):
    poll(fb_channel)
    [visit] = fb_inject(sandbox, kind="visitor_post", author=JO, text="Bins missed on Elm Rd")
    poll(fb_channel)
    conversation = Conversation.objects.get()

    delivery, message = deliver(
        conversation, officer, "Sorry Jo, we'll send a crew", django_capture_on_commit_callbacks
    )

    assert delivery.state == "sent"
    [written] = sandbox.outbox(network="fb", kind="comment")
    assert written["target"] == visit["id"]
    assert written["meta"]["parent_id"] is None  # a top-level comment on the post
    message.refresh_from_db()
    assert message.external_id == written["result_id"]
    # Polling sees our comment as the outbound message it is: nothing new.
    assert poll(fb_channel).stored == 0
    assert conversation.messages.count() == 2


def test_a_lost_reply_to_a_post_is_found_not_posted_twice(
    sandbox, fb_channel, officer, django_capture_on_commit_callbacks
):
    poll(fb_channel)
    [visit] = fb_inject(sandbox, kind="visitor_post", author=JO, text="Streetlight out")
    poll(fb_channel)
    conversation = Conversation.objects.get()
    # The comment reaches Facebook but the answer is lost (a cut-off body).
    sandbox.post(
        "/_sandbox/faults",
        {
            "network": "fb",
            "method": "POST",
            "path": rf"{visit['id']}/comments",
            "kind": "after_write_error",
            "times": 1,
        },
    )
    delivery, message = deliver(
        conversation, officer, "Reported to the lighting team", django_capture_on_commit_callbacks
    )
    assert delivery.state != "sent"
    assert len(sandbox.outbox(network="fb", kind="comment")) == 1

    # The retry, brought forward from its retry time, reads the post's
    # comments back and finds ours.
    Message.objects.filter(pk=message.pk).update(not_before=timezone.now())
    again = outbound.message_deliver(message_id=message.pk)

    assert again.state == "sent"
    [written] = sandbox.outbox(network="fb", kind="comment")  # still exactly one
    message.refresh_from_db()
    assert message.external_id == written["result_id"]


def test_a_reply_to_a_tag_comments_on_the_other_timeline(
    sandbox, fb_channel, officer, django_capture_on_commit_callbacks
):
    poll(fb_channel)
    [tag] = fb_inject(sandbox, kind="tag", author=SAM, text="Great work on the park")
    poll(fb_channel)
    delivery, _ = deliver(
        Conversation.objects.get(), officer, "Thank you Sam!", django_capture_on_commit_callbacks
    )
    assert delivery.state == "sent"
    [written] = sandbox.outbox(network="fb", kind="comment")
    assert written["target"] == tag["id"]


def test_a_visitor_post_can_be_hidden_but_a_tag_elsewhere_cannot(sandbox, fb_channel):
    from inbox.networks.base import Refused

    [visit] = fb_inject(sandbox, kind="visitor_post", author=JO, text="Spam spam")
    [tag] = fb_inject(sandbox, kind="tag", author=SAM, text="Not yours to hide")
    client = client_for(fb_channel)
    client.hide(external_id=visit["id"])
    assert [h["target"] for h in sandbox.outbox(network="fb", kind="hide")] == [visit["id"]]
    with pytest.raises(Refused):
        client.hide(external_id=tag["id"])


def test_a_malformed_post_is_quarantined_and_the_rest_stored(sandbox, fb_channel):
    poll(fb_channel)
    fb_inject(sandbox, kind="visitor_post", author=JO, text="First")
    fb_inject(sandbox, kind="visitor_post", author=SAM, text="Second")
    broken = [
        None,
        {
            "id": f"{PAGE_ID}_991",
            "message": "no author",
            "created_time": "2026-12-06T10:00:00+0000",
        },
        {"id": f"{PAGE_ID}_992", "from": JO, "message": "bad time", "created_time": "yesterday"},
    ]
    sandbox.post(
        "/_sandbox/faults",
        {
            "network": "fb",
            "method": "GET",
            "path": r"/visitor_posts",
            "kind": "extra_items",
            "times": 1,
            "params": {"items": broken, "at": [0, 1, 3]},
        },
    )

    assert poll(fb_channel).stored == 2

    assert sorted(Message.objects.values_list("text", flat=True)) == ["First", "Second"]
    quarantined = QuarantinedPayload.objects.order_by("pk")
    assert quarantined.count() == 3
    errors = " ".join(q.error for q in quarantined)
    assert "from" in errors and "created_time" in errors
    # The two good posts moved the cursor; the next poll stores nothing new.
    assert poll(fb_channel).stored == 0


def test_a_post_webhook_without_its_author_is_not_guessed(fb_channel):
    items, bad = webhook_items(
        [
            {
                "id": PAGE_ID,
                "changes": [
                    {"field": "feed", "value": {"item": "status", "verb": "add", "post_id": "1_2"}},
                    {
                        "field": "feed",
                        "value": {
                            "item": "status",
                            "verb": "add",
                            "post_id": "1_3",
                            "from": JO,
                            "message": "fine",
                            "created_time": 1714557600,
                        },
                    },
                ],
            }
        ],
        page_id=PAGE_ID,
    )
    assert [i.external_id for i in items] == ["1_3"] and len(bad) == 1
    assert "from" in bad[0].error


def test_post_pages_are_followed_to_the_end_and_replays_store_nothing(sandbox, fb_channel):
    first = (timezone.now() - timedelta(minutes=5)).isoformat()
    fb_inject(sandbox, kind="visitor_post", author=JO, created_at=first)
    assert poll(fb_channel).stored == 1  # the first poll sets the cursor
    for n in range(60):  # three pages of 25
        fb_inject(sandbox, kind="visitor_post", author={"id": str(7100000000000000 + n)})
    sandbox.post(
        "/_sandbox/faults",
        {"network": "fb", "method": "GET", "path": r"/visitor_posts", "kind": "duplicate_page"},
    )
    assert poll(fb_channel).stored == 60
    assert Conversation.objects.count() == 61
    assert poll(fb_channel).stored == 0


# --- webhooks ------------------------------------------------------------------------


@pytest.fixture
def app_url(live_server, monkeypatch):
    monkeypatch.setattr("inbox.webhooks.views._enqueue_processing", lambda: None)
    return live_server.url


def fire(sandbox, url, **spec):
    items = fb_inject(sandbox, fire_webhook=True, webhook_url=url, app_secret=FB_SECRET, **spec)
    assert all(item["webhook"][0]["status"] == 200 for item in items), items
    return items


def test_signed_post_and_mention_webhooks_become_conversations_like_polling(
    app_url, sandbox, fb_channel, officer
):
    poll(fb_channel)
    [visit] = fire(sandbox, app_url + FB_URL, kind="visitor_post", author=JO, text="Road flooded")
    [tag] = fire(sandbox, app_url + FB_URL, kind="tag", author=SAM, text="Thanks to the council")

    result = webhook_deliveries_process()

    assert result.stored == 2
    jo = Conversation.objects.get(thread_key=f"fbc:{visit['id']}:{JO['id']}")
    assert jo.messages.get().kind == "post"
    sam = Conversation.objects.get(thread_key=f"fbc:{tag['id']}:{SAM['id']}")
    assert (sam.messages.get().kind, sam.messages.get().text) == ("tag", "Thanks to the council")
    # Replayed deliveries and the next poll change nothing.
    for item in (visit, tag):
        sandbox.post(
            "/_sandbox/webhooks/fire",
            {"network": "fb", "for_event": item["id"], "url": app_url + FB_URL, "repeat": 2},
        )
    webhook_deliveries_process()
    assert poll(fb_channel).stored == 0
    assert Message.objects.count() == 2


def test_an_unsigned_post_webhook_changes_nothing(app_url, sandbox, fb_channel):
    [visit] = fb_inject(sandbox, kind="visitor_post", author=JO, text="Unsigned")
    fired = sandbox.post(
        "/_sandbox/webhooks/fire",
        {
            "network": "fb",
            "for_event": visit["id"],
            "url": app_url + FB_URL,
            "signature": "invalid",
        },
    )
    assert fired["deliveries"][0]["status"] in (401, 403)
    webhook_deliveries_process()
    assert not Message.objects.exists()


def test_a_malformed_post_in_a_delivery_is_quarantined_with_the_rest_stored(
    app_url, sandbox, fb_channel
):
    [good] = fb_inject(sandbox, kind="visitor_post", author=JO, text="Good one")
    payload = sandbox.post(
        "/_sandbox/webhooks/fire",
        {"network": "fb", "for_event": good["id"], "url": app_url + FB_URL},
    )["payload"]
    broken = json.loads(json.dumps(payload["entry"][0]["changes"][0]))
    broken["value"]["from"] = "not a person"
    broken["value"]["post_id"] = f"{PAGE_ID}_999999"
    payload["entry"][0]["changes"].append(broken)
    payload["entry"][0]["time"] += 1
    sandbox.post(
        "/_sandbox/webhooks/fire", {"network": "fb", "payload": payload, "url": app_url + FB_URL}
    )
    webhook_deliveries_process()
    assert Message.objects.get().text == "Good one"
    assert QuarantinedPayload.objects.filter(network="facebook").count() == 1


# --- moderation and private replies ------------------------------------------------------


def test_an_officer_hides_a_visitor_post_on_the_page(
    sandbox, fb_channel, officer, django_capture_on_commit_callbacks
):
    from inbox.services import moderation

    poll(fb_channel)
    [visit] = fb_inject(sandbox, kind="visitor_post", author=JO, text="Buy cheap watches")
    poll(fb_channel)
    message = Message.objects.get(external_id=visit["id"])
    with django_capture_on_commit_callbacks(execute=False):
        action = moderation.message_hide(message=message, actor=officer, rule=None, note="Spam")
    assert outbound.action_perform(action_id=action.pk).state == "sent"
    [hidden] = sandbox.outbox(network="fb", kind="hide")
    assert hidden["target"] == visit["id"]


def test_a_post_is_answered_publicly_not_with_a_private_reply(sandbox, fb_channel, officer):
    from django.core.exceptions import ValidationError

    poll(fb_channel)
    [visit] = fb_inject(sandbox, kind="visitor_post", author=JO, text="Why no bin collection?")
    poll(fb_channel)
    conversation = Conversation.objects.get()
    with pytest.raises(ValidationError, match="answered publicly"):
        outbound.private_reply_create(conversation=conversation, actor=officer, text="Hi Jo")
    # Once Jo comments under the post, that comment can have its private reply.
    fb_inject(sandbox, kind="comment", post_id=visit["id"], author=JO, text="Hello?")
    poll(fb_channel)
    message = outbound.private_reply_create(conversation=conversation, actor=officer, text="Hi")
    assert message.in_reply_to_external_id != visit["id"]


def test_the_history_import_reads_peoples_posts_back_to_its_start(sandbox, fb_channel):
    def at(days):
        return (timezone.now() - timedelta(days=days)).isoformat()

    fb_inject(sandbox, kind="visitor_post", author=JO, text="Old", created_at=at(10))
    [visit] = fb_inject(sandbox, kind="visitor_post", author=JO, text="Recent", created_at=at(2))
    [tag] = fb_inject(sandbox, kind="tag", author=SAM, text="Tagged", created_at=at(3))
    since = timezone.now() - timedelta(days=7)

    pages = list(
        client_for(fb_channel).backfill(since={"visitor_posts": since, "tags": since}, resume={})
    )

    found = {(p.stream, i.external_id, i.kind) for p in pages for i in p.items}
    assert found == {("visitor_posts", visit["id"], "post"), ("tags", tag["id"], "tag")}
    assert {p.stream for p in pages if p.done} == {"visitor_posts", "tags"}
