"""Instagram Graph comments, messages and webhooks -> InboundItems."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from inbox.networks import instagram_mapping as ig
from inbox.networks.base import Unreadable

ACCOUNT = "17841400000000001"
MEDIA = "17900000000000001"


def _comment(cid="17850000000000001", who="4001", text="Bins not collected", **extra):
    return {
        "id": cid,
        "text": text,
        "timestamp": "2026-12-01T09:30:00+0000",
        "from": {"id": who, "username": "resident_a"},
        "like_count": 3,
        **extra,
    }


def test_top_level_comment_is_inbound_under_the_media():
    item = ig.map_comment(_comment(), media_id=MEDIA, account_id=ACCOUNT)
    assert item is not None
    assert item.network == "instagram"
    assert item.direction == "in"
    assert item.thread_key == f"igc:{MEDIA}:4001"
    assert item.in_reply_to == MEDIA
    assert item.contact.handle == "resident_a"
    assert item.created_at == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    assert item.metrics == {"like_count": 3}


def test_reply_nests_under_its_parent_comment():
    parent = _comment()
    reply = _comment(cid="17850000000000002", who="4002", text="Same here")
    item = ig.map_comment(reply, media_id=MEDIA, account_id=ACCOUNT, parent=parent)
    assert item is not None
    assert item.in_reply_to == parent["id"]
    assert item.thread_key == f"igc:{MEDIA}:4002"


def test_our_reply_is_outbound_to_the_parent_author():
    parent = _comment()
    ours = _comment(cid="17850000000000003", who=ACCOUNT, text="Sorry, we will check")
    item = ig.map_comment(ours, media_id=MEDIA, account_id=ACCOUNT, parent=parent)
    assert item is not None
    assert item.direction == "out"
    assert item.contact.external_id == "4001"
    assert item.thread_key == f"igc:{MEDIA}:4001"


def test_our_top_level_comment_is_skipped():
    assert ig.map_comment(_comment(who=ACCOUNT), media_id=MEDIA, account_id=ACCOUNT) is None


@pytest.mark.parametrize(
    "broken",
    [
        {"text": "no id", "timestamp": "2026-12-01T09:30:00+0000", "from": {"id": "1"}},
        {"id": "5", "text": "no from", "timestamp": "2026-12-01T09:30:00+0000"},
        {"id": "5", "from": {"id": "1"}, "timestamp": "yesterday"},
        ["not", "an", "object"],
    ],
)
def test_malformed_comment_is_unreadable(broken):
    with pytest.raises((Unreadable, ValueError, TypeError)):
        ig.map_comment(broken, media_id=MEDIA, account_id=ACCOUNT)


def test_direct_messages_thread_by_igsid_both_ways():
    inbound = ig.map_message(
        {
            "id": "aWdfZAG1",
            "message": "Hello",
            "from": {"id": "9001", "username": "resident_b"},
            "created_time": "2026-12-01T10:00:00+0000",
        },
        igsid="9001",
        account_id=ACCOUNT,
    )
    outbound = ig.map_message(
        {
            "id": "aWdfZAG2",
            "message": "Hi, how can we help?",
            "from": {"id": ACCOUNT, "username": "our_council"},
            "created_time": "2026-12-01T10:05:00+0000",
        },
        igsid="9001",
        account_id=ACCOUNT,
    )
    assert (inbound.direction, outbound.direction) == ("in", "out")
    assert inbound.thread_key == outbound.thread_key == "igm:9001"
    assert outbound.contact.external_id == "9001"
    assert inbound.conversation_kind == "private"


def _payload(*entries):
    return {"object": "instagram", "entry": list(entries)}


def test_webhook_comment_and_message_mapped_and_bad_one_quarantined():
    entry = {
        "id": ACCOUNT,
        "time": 1764583200,
        "changes": [
            {
                "field": "comments",
                "value": {
                    "id": "17850000000000009",
                    "text": "When is the next collection?",
                    "from": {"id": "4003", "username": "resident_c"},
                    "media": {"id": MEDIA, "media_product_type": "FEED"},
                },
            },
            {"field": "comments", "value": {"text": "no id, no media"}},
            {"field": "mentions", "value": {"media_id": MEDIA, "comment_id": "1"}},
        ],
        "messaging": [
            {
                "sender": {"id": "9002"},
                "recipient": {"id": ACCOUNT},
                "timestamp": 1764583300000,
                "message": {"mid": "aWdfZAG3", "text": "Hi"},
            },
            {
                "sender": {"id": ACCOUNT},
                "recipient": {"id": "9002"},
                "timestamp": 1764583400000,
                "message": {"mid": "aWdfZAG4", "text": "echo", "is_echo": True},
            },
        ],
    }
    grouped, bad_entries = ig.webhook_entries(_payload(entry, {"no": "id"}))
    assert list(grouped) == [ACCOUNT]
    assert len(bad_entries) == 1
    items, bad = ig.webhook_items(grouped[ACCOUNT], account_id=ACCOUNT)
    assert sorted(i.external_id for i in items) == ["17850000000000009", "aWdfZAG3"]
    assert len(bad) == 1
    comment = next(i for i in items if i.kind == "comment")
    assert comment.thread_key == f"igc:{MEDIA}:4003"
    assert comment.created_at == datetime.fromtimestamp(1764583200, UTC)
    dm = next(i for i in items if i.kind == "dm")
    assert dm.thread_key == "igm:9002"


def test_webhook_of_another_object_is_refused():
    with pytest.raises(ValueError):
        ig.webhook_entries({"object": "page", "entry": []})
