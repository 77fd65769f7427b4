"""Direct messages: listing (all, per participant, per conversation), sending."""

from __future__ import annotations

import pytest
import tweepy

DM_FIELDS = ["created_at", "sender_id", "dm_conversation_id", "participant_ids"]


def test_an_injected_dm_is_listed_with_requested_fields_only(client, control):
    [dm] = control.inject(
        kind="dm", account_id="999", text="Hi, when is bulky waste?", author={"id": "5551"}
    )
    bare = client.get_direct_message_events()
    [event] = bare.data
    assert set(event.data) == {"id", "event_type", "text"}
    assert event.event_type == "MessageCreate"
    full = client.get_direct_message_events(dm_event_fields=DM_FIELDS, expansions=["sender_id"])
    [event] = full.data
    assert event.sender_id == 5551
    assert event.dm_conversation_id == "999-5551" == dm["dm_conversation_id"]
    assert [int(p) for p in event.participant_ids] == [999, 5551]
    assert event.created_at.tzinfo is not None
    assert full.includes["users"][0].id == 5551


def test_conversation_ids_sort_the_two_user_ids_numerically(control):
    [dm] = control.inject(kind="dm", account_id="999", author={"id": "12"})
    assert dm["dm_conversation_id"] == "12-999"


def test_sending_a_dm_returns_201_ids_records_it_and_lists_it_as_sent(client, control):
    [dm] = control.inject(kind="dm", account_id="999", author={"id": "5551"})
    sent = client.create_direct_message(
        participant_id=5551, text="Hi! Bulky waste is collected on Fridays."
    )
    assert sent.data["dm_conversation_id"] == "999-5551"
    events = client.get_direct_message_events(participant_id=5551, dm_event_fields=["sender_id"])
    assert [e.id for e in events.data] == [int(sent.data["dm_event_id"]), int(dm["id"])]
    assert events.data[0].sender_id == 999
    [entry] = control.outbox(kind="dm")
    assert entry["account_id"] == "999"
    assert entry["target"] == "5551"
    assert entry["result_id"] == sent.data["dm_event_id"]
    assert entry["meta"]["dm_conversation_id"] == "999-5551"


def test_sending_into_a_conversation_by_its_id(client, control):
    [dm] = control.inject(kind="dm", account_id="999")
    sent = client.create_direct_message(
        dm_conversation_id=dm["dm_conversation_id"], text="Thanks, we'll check."
    )
    assert sent.data["dm_conversation_id"] == dm["dm_conversation_id"]
    by_conversation = client.get_direct_message_events(dm_conversation_id=dm["dm_conversation_id"])
    assert len(by_conversation.data) == 2


def test_dm_listing_pages_with_max_results(client, control):
    control.inject(kind="dm", account_id="999", count=7)
    seen = [
        e.id for e in tweepy.Paginator(client.get_direct_message_events, max_results=3).flatten()
    ]
    assert len(seen) == len(set(seen)) == 7


def test_a_conversation_the_account_is_not_in_is_forbidden(client):
    with pytest.raises(tweepy.Forbidden):
        client.get_direct_message_events(dm_conversation_id="5-6")
