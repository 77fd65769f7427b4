from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from events.models import Event
from inbox.models import Contact, Conversation, Message, QuarantinedPayload, Status
from inbox.networks.base import Author, InboundItem, Unparseable
from inbox.services.ingest import messages_ingest

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
JO = Author(external_id="111", handle="jo_res", display_name="Jo Resident", followers_count=40)


def mention(
    n: int,
    *,
    author: Author = JO,
    conversation: str | None = None,
    minutes: int | None = None,
    text: str | None = None,
) -> InboundItem:
    ext = str(1790000000000000000 + n)
    return InboundItem(
        network="x",
        external_id=ext,
        kind="mention",
        conversation_kind="public",
        thread_key=f"tw:{conversation or ext}:{author.external_id}",
        contact=author,
        text=text or f"@council_help question number {n}",
        created_at=T0 + timedelta(minutes=n if minutes is None else minutes),
    )


def dm(n: int, *, author: Author = JO, direction: str = "in") -> InboundItem:
    return InboundItem(
        network="x",
        external_id=str(1800000000000000000 + n),
        kind="dm",
        conversation_kind="private",
        thread_key=f"dm:{author.external_id}-999",
        contact=author,
        text=f"dm {n}",
        created_at=T0 + timedelta(minutes=n),
        direction=direction,
    )


@pytest.mark.django_db
def test_it_stores_mentions_as_threaded_conversations_with_contacts(channel_a):
    result = messages_ingest(
        channel=channel_a, items=[mention(1), mention(2, conversation=str(1790000000000000001))]
    )
    assert (result.received, result.stored) == (2, 2)
    conv = Conversation.objects.get()
    assert conv.contact.handle == "jo_res"
    assert conv.messages.count() == 2
    assert conv.last_message_preview == "@council_help question number 2"
    assert conv.last_message_at == T0 + timedelta(minutes=2)
    assert conv.awaiting_since == T0 + timedelta(minutes=1)
    assert Event.objects.filter(type="message.received").count() == 2


@pytest.mark.django_db
def test_redelivery_and_overlap_change_nothing(channel_a):
    messages_ingest(channel=channel_a, items=[mention(1), mention(2)])
    before = (Message.objects.count(), Event.objects.count(), Conversation.objects.count())
    result = messages_ingest(channel=channel_a, items=[mention(2), mention(1), mention(2)])
    assert result.stored == 0
    assert (Message.objects.count(), Event.objects.count(), Conversation.objects.count()) == before


@pytest.mark.django_db
def test_duplicates_within_one_batch_are_stored_once(channel_a):
    result = messages_ingest(channel=channel_a, items=[mention(5), mention(5), mention(5)])
    assert result.stored == 1
    assert Message.objects.count() == 1


@pytest.mark.django_db
def test_out_of_order_batches_keep_the_newest_preview(channel_a):
    messages_ingest(channel=channel_a, items=[mention(3, conversation="c", text="newest")])
    messages_ingest(channel=channel_a, items=[mention(1, conversation="c", text="older")])
    conv = Conversation.objects.get()
    assert conv.last_message_preview == "newest"
    # The citizen has waited since the earlier message, however late it came
    # (the cycle rule; the KPI rebuild dates the cycle the same way).
    assert conv.awaiting_since == T0 + timedelta(minutes=1)


@pytest.mark.django_db
def test_it_reopens_resolved_on_new_inbound(channel_a):
    messages_ingest(channel=channel_a, items=[mention(1, conversation="c")])
    Conversation.objects.update(status=Status.RESOLVED)
    messages_ingest(channel=channel_a, items=[mention(2, conversation="c")])
    conv = Conversation.objects.get()
    assert conv.status == Status.OPEN
    reopen = Event.objects.get(type="conversation.status_changed")
    assert reopen.data["from"] == "resolved" and reopen.actor is None


@pytest.mark.django_db
def test_dms_thread_by_dm_conversation(channel_a):
    messages_ingest(channel=channel_a, items=[dm(1), dm(2)])
    conv = Conversation.objects.get()
    assert conv.kind == "private"
    assert conv.messages.count() == 2


@pytest.mark.django_db
def test_contacts_are_upserted_with_fresh_profile(channel_a):
    messages_ingest(channel=channel_a, items=[mention(1)])
    famous = Author(
        external_id="111",
        handle="jo_res",
        display_name="Jo R.",
        followers_count=12000,
        verified=True,
    )
    messages_ingest(channel=channel_a, items=[mention(2, author=famous)])
    contact = Contact.objects.get()
    assert (contact.display_name, contact.followers_count, contact.verified) == (
        "Jo R.",
        12000,
        True,
    )


@pytest.mark.django_db
def test_unparseable_payloads_are_quarantined_and_the_rest_stored(channel_a):
    result = messages_ingest(
        channel=channel_a,
        items=[mention(1), mention(2)],
        unparseable=[Unparseable(payload={"id": "oops"}, error="KeyError: 'author_id'")],
    )
    assert (result.stored, result.quarantined) == (2, 1)
    q = QuarantinedPayload.objects.get()
    assert q.payload == {"id": "oops"} and "author_id" in q.error


@pytest.mark.django_db
def test_cursor_advances_in_the_same_transaction(channel_a):
    messages_ingest(
        channel=channel_a, items=[mention(1)], cursor={"mentions_since_id": "1790000000000000001"}
    )
    channel_a.refresh_from_db()
    assert channel_a.poll_cursor == {"mentions_since_id": "1790000000000000001"}


@pytest.mark.django_db
def test_hostile_text_is_stored_verbatim(channel_a):
    nasty = "<img src=x onerror=alert(1)> ' OR 1=1; --"
    messages_ingest(channel=channel_a, items=[mention(1, text=nasty)])
    assert Message.objects.get().text == nasty


def _queries_for(channel, n: int, offset: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    items = [
        mention(offset + i, author=Author(external_id=str(offset + i), handle=f"r{i}"))
        for i in range(n)
    ]
    with CaptureQueriesContext(connection) as ctx:
        messages_ingest(channel=channel, items=items)
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_batch_size(channel_a):
    small = _queries_for(channel_a, 5, offset=0)
    # 60 keeps SQLite under its 999-parameter batch split; Postgres takes 500 a batch.
    large = _queries_for(channel_a, 60, offset=1000)
    assert small == large
    assert Message.objects.count() == 65


@pytest.mark.django_db
def test_nul_bytes_and_copy_special_text_survive(channel_a):
    texts = ["", "\\N", 'quote " and, comma', "line\nbreak\ttab", "nul\x00byte"]
    messages_ingest(
        channel=channel_a, items=[mention(i, text=t or " ") for i, t in enumerate(texts)]
    )
    stored = list(Message.objects.order_by("sent_at").values_list("text", "altered"))
    assert stored == [
        (" ", False),
        ("\\N", False),
        ('quote " and, comma', False),
        ("line\nbreak\ttab", False),
        ("nul\ufffdbyte", True),
    ]


@pytest.mark.django_db
def test_times_written_by_ingest_compare_like_orm_times(channel_a):
    """Raw bulk SQL and the ORM must store instants the same way (SQLite keeps
    them as text), or range filters and ordering silently go wrong."""
    messages_ingest(channel=channel_a, items=[mention(1), mention(2, conversation="c2")])
    cutoff = T0 + timedelta(minutes=1, seconds=30)
    assert Message.objects.filter(sent_at__gt=cutoff).count() == 1
    assert (
        Message.objects.filter(sent_at__lte=T0 + timedelta(minutes=1)).count() == 1
    )  # equal instants
    assert Conversation.objects.filter(last_message_at__gt=cutoff).count() == 1
    assert list(
        Conversation.objects.order_by("-last_message_at").values_list(
            "last_message_preview", flat=True
        )
    ) == ["@council_help question number 2", "@council_help question number 1"]
