"""The Bluesky connector end to end: the real atproto Client over HTTP to the sandbox."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from events.models import Event
from inbox.models import (
    Channel,
    Contact,
    Conversation,
    DeliveryState,
    Message,
    NetworkAction,
    QuarantinedPayload,
)
from inbox.networks import client_for
from inbox.networks.bluesky import BlueskyClient
from inbox.services import contacts, moderation, outbound, polling
from tests.inbox.bluesky_support import (
    HANDLE,
    JO,
    SAM,
    bsky_channel_fixture,  # noqa: F401 (fixture)
    bsky_fault,
    bsky_inject,
    xrpc,
)

pytestmark = pytest.mark.django_db


def poll(channel):
    return polling.channel_poll(channel_id=channel.pk)


def queue_reply(conversation, actor, text, capture):
    with capture(execute=False):
        return outbound.reply_create(conversation=conversation, actor=actor, text=text)


def test_the_client_signs_in_with_the_stored_session_and_reads_the_profile(sandbox, bsky_channel):
    client = client_for(bsky_channel)
    assert isinstance(client, BlueskyClient)
    assert client.profile()["handle"] == HANDLE
    assert client.follower_count() == 3400
    assert client.did == bsky_channel.external_account_id


def test_mentions_replies_quotes_and_chats_become_the_right_conversations(sandbox, bsky_channel):
    own = bsky_channel.sandbox_post["uri"]
    [mention] = bsky_inject(sandbox, kind="mention", author=JO, text=f"@{HANDLE} which roads?")
    [reply] = bsky_inject(sandbox, kind="reply", in_reply_to=own, author=JO, text="How long for?")
    [quote] = bsky_inject(sandbox, kind="quote", quote=own, author=SAM, text="About time too")
    bsky_inject(sandbox, kind="dm", author=JO, text="My car is parked on Main St")
    bsky_inject(sandbox, kind="dm", author=JO, text="Will it be towed?")

    assert poll(bsky_channel).stored == 5

    jo_mention = Conversation.objects.get(
        thread_key=f"bs:{mention['uri']}:{mention['author']['did']}"
    )
    assert jo_mention.kind == "public" and jo_mention.messages.get().text.endswith("which roads?")
    thread = Conversation.objects.get(thread_key=f"bs:{own}:{reply['author']['did']}")
    answer = thread.messages.get()
    assert (answer.kind, answer.in_reply_to_external_id) == ("reply", own)
    quoted = Message.objects.get(external_id=quote["uri"])
    assert quoted.kind == "quote" and quoted.conversation.thread_key.startswith(
        f"bs:{quote['uri']}"
    )
    chat = Conversation.objects.get(kind="private")
    assert [m.text for m in chat.messages.order_by("sent_at", "pk")] == [
        "My car is parked on Main St",
        "Will it be towed?",
    ]
    contact = Contact.objects.get(handle=JO["handle"])
    assert (contact.network, contact.display_name) == ("bluesky", "Jo Resident")
    assert chat.contact == contact == jo_mention.contact
    assert Event.objects.filter(type="message.received").count() == 5


def test_polling_follows_the_cursor_pages_and_stores_nothing_twice(sandbox, bsky_channel):
    bsky_inject(sandbox, kind="mention", count=3)
    bsky_inject(sandbox, kind="dm", author=JO)
    assert poll(bsky_channel).stored == 4
    bsky_channel.refresh_from_db()
    assert bsky_channel.poll_cursor["notifications_since_id"]
    assert bsky_channel.poll_cursor["chat_since_id"]
    assert poll(bsky_channel).stored == 0

    bsky_inject(sandbox, kind="mention", count=250)  # three pages of 100
    bsky_inject(sandbox, kind="dm", author=SAM, count=2)
    assert poll(bsky_channel).stored == 252
    stored = list(Message.objects.values_list("external_id", flat=True))
    assert len(stored) == len(set(stored)) == 256


def test_the_first_poll_reads_only_the_newest_page(sandbox, bsky_channel):
    bsky_inject(sandbox, kind="mention", count=150)
    assert poll(bsky_channel).stored == 100  # the rest is history, the import's to fetch
    bsky_inject(sandbox, kind="mention", count=2)
    assert poll(bsky_channel).stored == 2


def test_a_malformed_notification_is_quarantined_and_the_rest_stored(sandbox, bsky_channel):
    bsky_inject(sandbox, kind="mention", count=2)
    poll(bsky_channel)  # the cursor
    expected = {i["uri"] for i in bsky_inject(sandbox, kind="mention", count=4)}
    broken = {"uri": "at://did:plc:x/app.bsky.feed.post/bad", "reason": "mention", "cid": "b"}
    bsky_fault(
        sandbox,
        method="GET",
        path=xrpc("app.bsky.notification.listNotifications"),
        kind="extra_items",
        params={"key": "notifications", "items": [broken, None], "at": [1, 3]},
    )
    result = poll(bsky_channel)
    assert result.stored == 4 and result.quarantined == 2
    assert expected <= set(Message.objects.values_list("external_id", flat=True))
    errors = sorted(QuarantinedPayload.objects.values_list("error", flat=True))
    assert errors == ["notification has no author", "notification is null, not an object"]


def test_a_reply_is_threaded_with_root_and_parent_and_carries_facets(
    sandbox, bsky_channel, officer, django_capture_on_commit_callbacks
):
    own = bsky_channel.sandbox_post
    [first] = bsky_inject(sandbox, kind="reply", in_reply_to=own["uri"], author=JO, text="When?")
    poll(bsky_channel)
    conversation = Conversation.objects.get()
    text = "Thanks @jo-resident.bsky.social! Café hours: https://riverside.example/roads"
    message = queue_reply(conversation, officer, text, django_capture_on_commit_callbacks)
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT

    [post] = sandbox.outbox(network="bsky", kind="post")
    assert post["meta"]["parent"] == first["uri"]
    assert post["meta"]["root"] == own["uri"]  # the thread's root, not the parent
    encoded = text.encode("utf-8")
    spans = {
        f["features"][0]["$type"]: encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]]
        for f in post["meta"]["facets"]
    }
    assert spans["app.bsky.richtext.facet#mention"] == b"@jo-resident.bsky.social"
    # "Café" is 5 bytes in UTF-8: the link's offsets are bytes, not characters.
    assert spans["app.bsky.richtext.facet#link"] == b"https://riverside.example/roads"
    message.refresh_from_db()
    assert message.external_id == post["result_id"]


def test_a_reply_longer_than_300_graphemes_is_refused_before_it_is_queued(
    sandbox, bsky_channel, officer
):
    bsky_inject(sandbox, kind="mention", author=JO)
    poll(bsky_channel)
    conversation = Conversation.objects.get()
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one grapheme, 8 UTF-16 units
    fits = family * 300
    with pytest.raises(ValidationError, match="301 of 300"):
        outbound.reply_create(conversation=conversation, actor=officer, text=fits + "!")
    assert outbound.reply_create(conversation=conversation, actor=officer, text=fits).pk


def test_a_chat_reply_goes_to_the_conversation_through_the_chat_proxy(
    sandbox, bsky_channel, officer, django_capture_on_commit_callbacks
):
    [dm] = bsky_inject(sandbox, kind="dm", author=JO, text="Is the tip open?")
    poll(bsky_channel)
    conversation = Conversation.objects.get(kind="private")
    message = queue_reply(
        conversation, officer, "Yes, 8am to 6pm.", django_capture_on_commit_callbacks
    )
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    [sent] = sandbox.outbox(network="bsky", kind="chat_message")
    assert (sent["target"], sent["text"]) == (dm["convo_id"], "Yes, 8am to 6pm.")
    # Our own message comes back in the chat listing and is not stored twice.
    poll(bsky_channel)
    assert conversation.messages.count() == 2


def test_like_mute_and_block_reach_the_network_once(
    sandbox, bsky_channel, officer, django_capture_on_commit_callbacks
):
    [mention] = bsky_inject(sandbox, kind="mention", author=JO)
    poll(bsky_channel)
    conversation = Conversation.objects.get()
    contact = conversation.contact
    with django_capture_on_commit_callbacks(execute=False):
        like = outbound.action_create(
            conversation=conversation, actor=officer, kind="like", target_external_id=mention["uri"]
        )
        mute = moderation.contact_mute(conversation=conversation, actor=officer)
        contacts.contact_block(
            contact=contact, actor=officer, reason="Threats", conversation=conversation
        )
    block = NetworkAction.objects.get(kind="block")
    for action in (like, mute, block, like):
        outbound.action_perform(action_id=action.pk)
    # A repeat after an unknown outcome finds the like and the block already there.
    for action in (like, block):
        NetworkAction.objects.filter(pk=action.pk).update(state=DeliveryState.QUEUED)
        assert outbound.action_perform(action_id=action.pk).state == DeliveryState.SENT

    kinds = [(e["kind"], e["target"]) for e in sandbox.outbox(network="bsky")]
    assert kinds == [
        ("like", mention["uri"]),
        ("mute", contact.external_id),
        ("block", contact.external_id),
    ]
    assert Event.objects.filter(type="contact.blocked_on_network").exists()
    client = client_for(bsky_channel)
    assert client.did  # signs in with the stored session
    profile = client.client.get_profile(contact.external_id)  # the SDK's own model
    assert profile.viewer.muted and profile.viewer.blocking


def test_hide_is_refused_with_a_reason(sandbox, bsky_channel):
    client = client_for(bsky_channel)
    with pytest.raises(Exception, match="cannot hide replies on Bluesky"):
        client.hide(external_id="at://x")


def test_a_refreshed_session_is_stored_encrypted_for_the_next_poll(sandbox, bsky_channel):
    before = bsky_channel.get_credentials()["session"]
    sandbox.post("/_sandbox/clock", {"advance_seconds": 3 * 3600})  # past the access token
    bsky_inject(sandbox, kind="mention")
    assert poll(bsky_channel).stored == 1
    bsky_channel.refresh_from_db()
    after = bsky_channel.get_credentials()
    assert after["session"] != before and after["app_password"]
    assert "sbx-app" not in bsky_channel.credentials_encrypted  # stored encrypted
    assert not bsky_channel.needs_attention
    assert sandbox.get("/_sandbox/limits")["refused"] == {}


def test_a_revoked_app_password_marks_the_channel_needing_attention(
    sandbox, bsky_channel, admin_user
):
    sandbox.post("/_sandbox/bsky/revoke", {"account": HANDLE})
    poll(bsky_channel)
    bsky_channel.refresh_from_db()
    assert bsky_channel.needs_attention
    assert "app password" in bsky_channel.last_error
    assert Event.objects.filter(type="channel.needs_attention", channel=bsky_channel).count() == 1
    assert polling.channels_claim_due() == []


def test_a_rate_limit_waits_until_the_reset_bluesky_gives(sandbox, bsky_channel):
    from datetime import timedelta

    from django.utils import timezone

    bsky_inject(sandbox, kind="mention")
    bsky_fault(
        sandbox,
        method="GET",
        path=xrpc("app.bsky.notification.listNotifications"),
        kind="rate_limit",
        params={"reset_in": 600},
    )
    before = timezone.now()
    poll(bsky_channel)
    bsky_channel.refresh_from_db()
    assert "rate limit" in bsky_channel.last_error
    assert (
        before + timedelta(seconds=590)
        < bsky_channel.rate_limited_until
        < before + timedelta(seconds=610)
    )
    assert Channel.objects.get(pk=bsky_channel.pk).poll_cursor.get("chat_since_id") is None


def test_the_history_import_reads_notifications_and_chats_back_page_by_page(
    sandbox, bsky_channel, admin_user
):
    from channels.services import backfill

    posts = {i["uri"] for i in bsky_inject(sandbox, kind="mention", count=230)}
    chats = {i["id"] for i in bsky_inject(sandbox, kind="dm", author=JO, count=3)}
    backfill.channel_backfill_start(channel=bsky_channel, actor=admin_user, days=7)
    for _ in range(10):  # each run reads a slice; the task would call again
        if backfill.channel_backfill_run(channel_id=bsky_channel.pk).status in ("done", "failed"):
            break
    state = bsky_channel.backfill
    state.refresh_from_db()
    assert state.status == "done", state.error
    stored = set(Message.objects.values_list("external_id", flat=True))
    assert stored == posts | chats and state.stored == 233
    assert state.pages == 4  # three pages of notifications, one of chats


def test_the_conversation_page_offers_like_and_mute_on_bluesky_to_its_team_only(
    client, sandbox, bsky_channel, officer, other_officer
):
    from django.urls import reverse

    bsky_inject(sandbox, kind="mention", author=JO, text=f"@{HANDLE} thanks for the update")
    poll(bsky_channel)
    url = reverse("inbox:conversation", args=[Conversation.objects.get().pk])
    card_url = reverse("inbox:contact_card", args=[Conversation.objects.get().pk])
    client.force_login(officer)
    page = client.get(url).content.decode()
    card = client.get(card_url).content.decode()  # beside the thread, in its own request
    assert "Mute <bdi>Jo Resident</bdi> on Bluesky" in card
    assert "Muted on Bluesky" in card and 'class="net net-bluesky"' in page
    assert ">Like<" in page or "Like</button>" in page
    client.force_login(other_officer)
    assert client.get(url).status_code == 404
