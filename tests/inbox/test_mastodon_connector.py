"""The Mastodon connector end to end: the real Mastodon.py client over HTTP to the sandbox."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from events.models import Event
from inbox.models import Contact, Conversation, DeliveryState, Message, NetworkAction
from inbox.networks import client_for
from inbox.networks.base import Refused
from inbox.networks.mastodon import MastodonClient
from inbox.services import contacts, moderation, outbound, polling
from tests.inbox.mastodon_support import (
    ACCOUNT_ID,
    JO,
    SAM,
    masto_channel_fixture,  # noqa: F401 (fixture)
    masto_inject,
)

pytestmark = pytest.mark.django_db


def poll(channel):
    return polling.channel_poll(channel_id=channel.pk)


def queue_reply(conversation, actor, text, capture):
    with capture(execute=False):
        return outbound.reply_create(conversation=conversation, actor=actor, text=text)


def statuses(sandbox):
    return sandbox.outbox(network="masto", kind="status")


def test_the_client_reads_the_account_and_the_instance_limit(sandbox, masto_channel):
    client = client_for(masto_channel)
    assert isinstance(client, MastodonClient)
    assert client.account_info()["acct"] == "riverside"
    assert client.follower_count() == 1800
    assert client.max_characters() == 500
    sandbox.post("/_sandbox/masto/instance", {"max_characters": 1000})
    assert client_for(masto_channel).max_characters() == 1000


def test_mentions_and_direct_messages_become_the_right_conversations(sandbox, masto_channel):
    [first] = masto_inject(sandbox, kind="mention", author=JO, text="@riverside which roads?")
    masto_inject(sandbox, kind="reply", in_reply_to_id=first["id"], author=JO, text="How long?")
    masto_inject(sandbox, kind="mention", author=SAM, text="@riverside about time too")
    masto_inject(sandbox, kind="dm", author=JO, text="My car is on Main St & it's <blocked>")
    masto_inject(sandbox, kind="dm", author=JO, text="Will it be towed?")

    assert poll(masto_channel).stored == 5

    jo_thread = Conversation.objects.get(thread_key=f"mst:{first['id']}:{JO['id']}")
    assert jo_thread.kind == "public"
    public = list(jo_thread.messages.order_by("sent_at", "pk"))
    assert [m.text for m in public] == ["@riverside which roads?", "@riverside How long?"]
    assert public[1].in_reply_to_external_id == first["id"]
    assert Conversation.objects.get(thread_key__endswith=f":{SAM['id']}").messages.count() == 1
    private = Conversation.objects.get(thread_key=f"mdm:{JO['id']}")
    assert private.kind == "private"
    assert [m.text for m in private.messages.order_by("sent_at", "pk")] == [
        "@riverside My car is on Main St & it's <blocked>",  # HTML content back to plain text
        "@riverside Will it be towed?",
    ]
    # Ids are the instance's own: a person is stored as <id>@<instance>.
    contact = Contact.objects.get(external_id=f"{JO['id']}@social.sandbox.example")
    assert (contact.network, contact.handle, contact.display_name) == (
        "mastodon",
        "jo@mas.to",  # bare, as on every network; pages show "@jo@mas.to"
        "Jo Resident",
    )
    assert Event.objects.filter(type="message.received").count() == 5


def test_polling_follows_pages_from_the_cursor_and_stores_nothing_twice(sandbox, masto_channel):
    masto_inject(sandbox, kind="mention")
    assert poll(masto_channel).stored == 1  # the first poll sets the cursor
    masto_channel.refresh_from_db()
    assert set(masto_channel.poll_cursor) == {"mentions_since_id"}  # no direct thread yet

    masto_inject(sandbox, kind="mention", count=200)  # three pages of 80
    masto_inject(sandbox, kind="dm", count=3)
    assert poll(masto_channel).stored == 203
    assert poll(masto_channel).stored == 0
    masto_inject(sandbox, kind="mention", count=2)
    assert poll(masto_channel).stored == 2
    stored = list(Message.objects.values_list("external_id", flat=True))
    assert len(stored) == len(set(stored)) == 206


def test_the_first_poll_reads_only_the_newest_page(sandbox, masto_channel):
    older = masto_inject(sandbox, kind="mention", count=100)
    assert poll(masto_channel).stored == 80
    stored = set(Message.objects.values_list("external_id", flat=True))
    assert stored == {i["id"] for i in older[20:]}


def test_a_public_reply_goes_to_the_post_addressed_to_its_author_exactly_once(
    sandbox, masto_channel, officer, django_capture_on_commit_callbacks
):
    [mention] = masto_inject(sandbox, kind="mention", author=JO, text="@riverside is the tip open?")
    poll(masto_channel)
    conversation = Conversation.objects.get()
    message = queue_reply(
        conversation, officer, "Yes, 8am to 6pm.", django_capture_on_commit_callbacks
    )
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT  # no-op

    [posted] = statuses(sandbox)
    assert (posted["account_id"], posted["target"], posted["text"]) == (
        ACCOUNT_ID,
        mention["id"],
        "@jo@mas.to Yes, 8am to 6pm.",
    )
    assert posted["meta"] == {"visibility": "public", "mentions": [JO["id"]]}
    message.refresh_from_db()
    assert message.external_id == posted["result_id"]
    assert Event.objects.filter(type="message.sent", message=message).count() == 1


def test_a_reply_into_a_citizens_reply_chain_stays_in_one_conversation(
    sandbox, masto_channel, officer, django_capture_on_commit_callbacks
):
    [first] = masto_inject(sandbox, kind="mention", author=JO, text="@riverside bins missed")
    poll(masto_channel)
    message = queue_reply(
        Conversation.objects.get(),
        officer,
        "Sorry Jo, a crew is coming.",
        django_capture_on_commit_callbacks,
    )
    outbound.message_deliver(message_id=message.pk)
    message.refresh_from_db()
    masto_inject(
        sandbox, kind="reply", in_reply_to_id=message.external_id, author=JO, text="Thanks!"
    )
    poll(masto_channel)
    conversation = Conversation.objects.get()
    assert conversation.thread_key == f"mst:{first['id']}:{JO['id']}"
    assert conversation.messages.count() == 3


def test_a_reply_to_a_direct_message_stays_direct_in_the_thread(
    sandbox, masto_channel, officer, django_capture_on_commit_callbacks
):
    masto_inject(sandbox, kind="dm", author=JO, text="@riverside my council tax reference?")
    [latest] = masto_inject(sandbox, kind="dm", author=JO, text="@riverside it is urgent")
    poll(masto_channel)
    conversation = Conversation.objects.get(kind="private")
    message = queue_reply(
        conversation, officer, "We will send it by post today.", django_capture_on_commit_callbacks
    )
    assert outbound.message_deliver(message_id=message.pk).state == DeliveryState.SENT

    [posted] = statuses(sandbox)
    assert posted["meta"]["visibility"] == "direct"
    assert posted["target"] == latest["id"]
    assert posted["text"] == "@jo@mas.to We will send it by post today."
    # Our direct status comes back in the conversations list: not stored twice.
    poll(masto_channel)
    assert conversation.messages.filter(direction="out").count() == 1
    assert Message.objects.filter(external_id=posted["result_id"]).count() == 1


def test_a_reply_longer_than_the_instance_allows_is_refused_before_queueing(
    sandbox, masto_channel, officer
):
    masto_inject(sandbox, kind="mention", author=JO)
    poll(masto_channel)
    masto_channel.post_max_characters = 50
    masto_channel.save()
    conversation = Conversation.objects.get()
    with pytest.raises(ValidationError, match="50"):
        outbound.reply_create(conversation=conversation, actor=officer, text="x" * 51)


def test_the_connector_enforces_the_instance_limit_it_reads(sandbox, masto_channel):
    [mention] = masto_inject(sandbox, kind="mention", author=JO)
    sandbox.post("/_sandbox/masto/instance", {"max_characters": 40})
    client = client_for(masto_channel)
    with pytest.raises(Refused, match="40"):
        client.send_reply(in_reply_to=mention["id"], text="y" * 40)  # with @jo: 44
    # Links count as 23 and mentions without their domain, as Mastodon counts.
    client.send_reply(in_reply_to=mention["id"], text="see https://example.org/" + "a" * 60)
    assert len(statuses(sandbox)) == 1


def test_favourite_mute_and_block_reach_the_instance(
    sandbox, masto_channel, officer, django_capture_on_commit_callbacks
):
    [mention] = masto_inject(sandbox, kind="mention", author=SAM)
    poll(masto_channel)
    conversation = Conversation.objects.get()
    message = conversation.messages.get()
    with django_capture_on_commit_callbacks(execute=False):
        like = outbound.action_create(
            conversation=conversation,
            actor=officer,
            kind="like",
            target_external_id=message.external_id,
        )
        mute = moderation.contact_mute(conversation=conversation, actor=officer)
    for action in (like, mute):
        assert outbound.action_perform(action_id=action.pk).state == DeliveryState.SENT
        assert outbound.action_perform(action_id=action.pk).state == DeliveryState.SENT  # no-op
        assert NetworkAction.objects.get(pk=action.pk).state == DeliveryState.SENT
    [favourite] = sandbox.outbox(network="masto", kind="favourite")
    assert favourite["target"] == mention["id"]
    assert [m["target"] for m in sandbox.outbox(network="masto", kind="mute")] == [SAM["id"]]


def test_blocking_a_contact_blocks_them_on_the_instance_once_and_unblocking_undoes_it(
    sandbox, masto_channel, officer, django_capture_on_commit_callbacks
):
    masto_inject(sandbox, kind="mention", author=SAM)
    poll(masto_channel)
    conversation = Conversation.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        contacts.contact_block(
            contact=conversation.contact,
            actor=officer,
            reason="Repeated abuse of staff",
            conversation=conversation,
        )
    block = NetworkAction.objects.get(kind="block")
    assert block.target_external_id == f"{SAM['id']}@social.sandbox.example"
    assert outbound.action_perform(action_id=block.pk).state == DeliveryState.SENT
    assert outbound.action_perform(action_id=block.pk).state == DeliveryState.SENT  # no-op
    assert [b["target"] for b in sandbox.outbox(network="masto", kind="block")] == [SAM["id"]]
    assert Event.objects.filter(type="contact.blocked_on_network").count() == 1
    # A blocked account's mentions no longer reach the account's notifications.
    masto_inject(sandbox, kind="mention", author=SAM)
    assert poll(masto_channel).stored == 0

    with django_capture_on_commit_callbacks(execute=False):
        contacts.contact_unblock(
            contact=conversation.contact, actor=officer, conversation=conversation
        )
    unblock = NetworkAction.objects.get(kind="unblock")
    assert outbound.action_perform(action_id=unblock.pk).state == DeliveryState.SENT
    assert [b["target"] for b in sandbox.outbox(network="masto", kind="unblock")] == [SAM["id"]]
    masto_inject(sandbox, kind="mention", author=SAM)
    assert poll(masto_channel).stored == 1


def test_the_card_says_a_block_reaches_the_instance_and_the_form_queues_it(
    sandbox, masto_channel, officer, client, django_capture_on_commit_callbacks
):
    masto_inject(sandbox, kind="mention", author=SAM)
    poll(masto_channel)
    conversation = Conversation.objects.get()
    client.force_login(officer)
    card = client.get(
        reverse("inbox:contact_card", args=[conversation.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "It also blocks them on Mastodon from" in card
    assert "Unblocking here undoes it there too." in card
    with django_capture_on_commit_callbacks(execute=False):
        done = client.post(
            reverse("inbox:block", args=[conversation.pk]),
            {"reason": "Threats to staff", "confirm": "on"},
            HTTP_HX_REQUEST="true",
        )
    assert done.status_code == 200
    block = NetworkAction.objects.get(kind="block")
    assert block.reason == "Threats to staff"
    assert outbound.action_perform(action_id=block.pk).state == DeliveryState.SENT
    assert [b["target"] for b in sandbox.outbox(network="masto", kind="block")] == [SAM["id"]]
    assert Event.objects.filter(type="contact.blocked_on_network").count() == 1


def test_hiding_is_refused_with_what_to_do_instead(sandbox, masto_channel):
    with pytest.raises(Refused, match="Mute or block"):
        client_for(masto_channel).hide(external_id="1")
