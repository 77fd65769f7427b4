"""Regressions from issue 15 ("bad input can still sink good input"), one per
defect, run on SQLite and on Postgres (with DATABASE_URL)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from inbox.models import Contact, Conversation, Message, QuarantinedPayload, WebhookDelivery
from inbox.networks.base import Author, InboundItem, Unparseable
from inbox.services import polling
from inbox.services.ingest import messages_ingest
from inbox.webhooks.services import webhook_deliveries_process
from tests.inbox.test_webhook_properties import (
    FB_SECRET,
    _secrets,  # noqa: F401 (autouse fixture)
    _signed_post,
)

pytestmark = pytest.mark.django_db

MENTIONS = r"/2/users/999/mentions"
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def poll(channel):
    polling.channel_poll(channel_id=channel.pk)
    channel.refresh_from_db()
    return channel


def mention(n: int, *, author: Author, text: str = "hello") -> InboundItem:
    ext = str(1790000000000000000 + n)
    return InboundItem(
        network="x",
        external_id=ext,
        kind="mention",
        conversation_kind="public",
        thread_key=f"tw:{ext}:{author.external_id}",
        contact=author,
        text=text,
        created_at=T0,
    )


def test_a_null_in_a_polled_page_is_kept_as_json_null_and_the_poll_goes_on(sandbox, x_channel):
    good = {t["id"] for t in sandbox.inject(kind="mention", account_id="999", count=3)}
    sandbox.fault(method="GET", path=MENTIONS, kind="extra_items", params={"items": [None]})

    channel = poll(x_channel)

    assert set(Message.objects.values_list("external_id", flat=True)) == good
    assert channel.poll_failures == 0 and channel.poll_cursor["mentions_since_id"] == max(
        good, key=int
    )
    q = QuarantinedPayload.objects.get()
    assert (q.payload, q.error, q.channel_id, q.network) == (
        None,
        "tweet is null, not an object",
        channel.pk,
        "x",
    )
    # A JSON null, not a missing value: the column is NOT NULL and kept it.
    assert QuarantinedPayload.objects.filter(payload=None).count() == 1


def test_a_non_numeric_tweet_id_is_quarantined_and_does_not_stop_the_cursor(sandbox, x_channel):
    good = {t["id"] for t in sandbox.inject(kind="mention", account_id="999", count=2)}
    odd = {
        "id": "17900000000000000x9",
        "author_id": "111",
        "text": "@council_help hi",
        "created_at": "2026-11-20T10:00:00.000Z",
    }
    sandbox.fault(
        method="GET", path=MENTIONS, kind="extra_items", params={"items": [odd], "at": [0]}
    )

    channel = poll(x_channel)

    assert set(Message.objects.values_list("external_id", flat=True)) == good
    assert channel.poll_cursor["mentions_since_id"] == max(good, key=int)
    q = QuarantinedPayload.objects.get()
    assert q.error == "tweet's id is not numeric" and q.external_id == odd["id"]


def test_a_tweet_with_no_author_has_a_readable_reason(sandbox, x_channel):
    sandbox.inject(kind="mention", account_id="999")
    odd = {"id": "1", "text": "hi", "created_at": "2026-11-20T10:00:00.000Z"}
    sandbox.fault(method="GET", path=MENTIONS, kind="extra_items", params={"items": [odd]})
    poll(x_channel)
    assert QuarantinedPayload.objects.get().error == "tweet has no author_id"


def test_a_null_in_a_signed_webhook_body_is_quarantined_and_its_good_items_stored(client, team_a):
    from tests.factories import ChannelFactory

    channel = ChannelFactory(network="facebook", external_account_id="555", covered_by=[team_a])
    good = {
        "field": "feed",
        "value": {
            "item": "comment",
            "verb": "add",
            "comment_id": "555_1_2",
            "post_id": "555_1",
            "from": {"id": "42", "name": "Jo"},
            "message": "Is the road shut?",
            "created_time": 1_764_000_000,
        },
    }
    entry = {"id": "555", "time": 1, "changes": [None, good], "messaging": [None]}
    payload = {"object": "page", "entry": [None, entry]}
    _signed_post(client, "/webhooks/facebook/", "HTTP_X_HUB_SIGNATURE_256", FB_SECRET, payload)

    result = webhook_deliveries_process()

    assert (result.stored, result.failed) == (1, 0)
    delivery = WebhookDelivery.objects.get()
    assert delivery.processed_at is not None and delivery.error == "" and delivery.attempts == 1
    assert Message.objects.get().external_id == "555_1_2"
    assert sorted(QuarantinedPayload.objects.values_list("error", "channel_id")) == [
        ("Messenger event is null, not an object", channel.pk),
        ("feed change is null, not an object", channel.pk),
        ("webhook entry is null, not an object", None),
    ]


def test_long_names_and_handles_are_cut_to_the_column_and_flagged(channel_a):
    long = Author(external_id="111", handle="h" * 150, display_name="N" * 250)
    short = Author(external_id="222", handle="jo", display_name="Jo")

    result = messages_ingest(
        channel=channel_a, items=[mention(1, author=long), mention(2, author=short)]
    )

    assert result.stored == 2
    cut = Contact.objects.get(external_id="111")
    assert (cut.handle, cut.display_name, cut.profile_truncated) == ("h" * 120, "N" * 200, True)
    assert not Contact.objects.get(external_id="222").profile_truncated
    # A later profile that fits clears the flag.
    messages_ingest(
        channel=channel_a,
        items=[mention(3, author=Author(external_id="111", handle="jo", display_name="Jo R"))],
    )
    cut.refresh_from_db()
    assert (cut.handle, cut.display_name, cut.profile_truncated) == ("jo", "Jo R", False)


def test_each_quarantine_logs_one_line_without_the_message_text(
    channel_a, caplog, django_capture_on_commit_callbacks
):
    secret = "my address is 4 Elm Rd"
    bad = [
        Unparseable(
            payload={"id": "7", "text": secret}, error="tweet has no author_id", external_id="7"
        ),
        Unparseable(payload=None, error="tweet is null, not an object"),
    ]
    with (
        caplog.at_level(logging.WARNING, logger="socialdesk.ingest"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        messages_ingest(channel=channel_a, items=[], unparseable=bad)

    records = [r for r in caplog.records if r.name == "socialdesk.ingest"]
    assert len(records) == 2
    first = records[0]
    assert (first.channel_id, first.network, first.reason, first.external_id) == (
        channel_a.pk,
        "x",
        "tweet has no author_id",
        "7",
    )
    assert records[1].external_id == ""
    assert all(secret not in r.getMessage() for r in records)


def test_a_rolled_back_batch_logs_no_quarantine(channel_a, caplog):
    with caplog.at_level(logging.WARNING, logger="socialdesk.ingest"):
        messages_ingest(
            channel=channel_a, items=[], unparseable=[Unparseable(payload=1, error="x")]
        )
    # The test's transaction never commits: nothing was quarantined for good.
    assert not [r for r in caplog.records if r.name == "socialdesk.ingest"]


def test_json_postgres_refuses_is_stored_anyway(channel_a):
    author = Author(external_id="111", handle="jo", display_name="Jo")
    item = mention(1, author=author, text="a literal \\u0000 and a real \x00")
    item = InboundItem(
        **{**item.__dict__, "raw": {"text": item.text, "lone": "\ud800", "n": float("nan")}}
    )
    bad = [Unparseable(payload={"k\x00": "\udfff", "n": float("inf")}, error="odd")]

    messages_ingest(channel=channel_a, items=[item], unparseable=bad)

    message = Message.objects.get()
    assert message.text == "a literal \\u0000 and a real \ufffd" and message.altered
    assert message.raw == {
        "text": "a literal \\u0000 and a real \ufffd",
        "lone": "\ufffd",
        "n": "nan",
    }
    assert QuarantinedPayload.objects.get().payload == {"k\ufffd": "\ufffd", "n": "inf"}


def test_an_altered_message_says_so_in_the_conversation(client, officer, channel_a):
    author = Author(external_id="111", handle="jo", display_name="Jo")
    messages_ingest(
        channel=channel_a,
        items=[mention(1, author=author, text="bins\x00 missed"), mention(2, author=author)],
    )
    conversation = Conversation.objects.get(messages__external_id=str(1790000000000000001))
    client.force_login(officer)

    page = client.get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()

    assert "bins\ufffd missed" in page
    assert page.count("Not exactly as sent") == 1


def test_admins_see_recent_quarantined_items_escaped_and_cut(client, admin_user, channel_a):
    hostile = {"id": "9", "text": "<script>alert(1)</script>" + "x" * 1000}
    messages_ingest(
        channel=channel_a,
        items=[],
        unparseable=[Unparseable(payload=hostile, error="tweet has no author_id", external_id="9")],
    )
    client.force_login(admin_user)

    page = client.get(reverse("channels:list")).content.decode()

    assert "1 unreadable item kept aside" in page and "tweet has no author_id" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "x" * 400 not in page  # the raw value is cut


@pytest.mark.parametrize("who", ["officer", "manager"])
def test_only_admins_see_the_quarantine(client, request, who, channel_a):
    messages_ingest(
        channel=channel_a, items=[], unparseable=[Unparseable(payload=None, error="secret reason")]
    )
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("channels:list"))
    assert response.status_code == 403 and b"secret reason" not in response.content


def test_a_known_message_under_a_new_thread_key_leaves_no_empty_conversation(channel_a):
    """Seen in the demo: a message id already stored under one thread arrives
    under another (a restarted network reusing ids; a thread key computed
    differently by a new release). It is not stored twice, and the
    conversation made for it goes with it, so the inbox shows no empty thread;
    a new message in the same batch keeps its own new conversation."""
    jo = Author(external_id="77", handle="jo", display_name="Jo")
    first = mention(1, author=jo, text="bins")
    assert messages_ingest(channel=channel_a, items=[first]).stored == 1

    moved = replace(first, thread_key="tw:elsewhere:77")
    fresh = mention(2, author=jo, text="and the recycling")
    result = messages_ingest(channel=channel_a, items=[moved, fresh])

    assert result.stored == 1
    keys = set(Conversation.objects.values_list("thread_key", flat=True))
    assert keys == {first.thread_key, fresh.thread_key}
    assert all(c.messages.exists() for c in Conversation.objects.all())
