"""Hypothesis strategies for network payloads, well-formed and malformed, and
helpers for the property tests (tests/inbox/test_ingest_properties*.py).

A malformed item is a well-formed one with exactly one thing wrong that no
reader could repair: a required field missing or null, of the wrong type, a
non-numeric or over-long id, an unreadable or impossible date; or an element
that is not an object at all (null, a number, text, a list). Each must be
quarantined while every well-formed item beside it is stored once.
"""

from __future__ import annotations

import contextlib
import string
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from hypothesis import strategies as st

from events.models import Event
from inbox.models import Channel, Message, QuarantinedPayload
from inbox.networks import facebook_mapping, reading, x
from inbox.networks.base import Unreadable

ACCOUNT_ID = "999"
PAGE_ID = "104857600000"

# --- undoing each example ------------------------------------------------------------


class _Undo(Exception):
    pass


@contextlib.contextmanager
def undone():
    """Run one Hypothesis example in a savepoint that is rolled back, so the
    next example starts from the test's own fixtures."""
    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass


def stored_ids(channel: Channel) -> list[str]:
    return sorted(Message.objects.filter(channel=channel).values_list("external_id", flat=True))


def assert_each_stored_once_and_the_rest_quarantined(
    channel: Channel, good: list[str], bad_count: int, *, orphans: bool = False
) -> None:
    stored = stored_ids(channel)
    assert stored == sorted(good), "every well-formed item is stored exactly once"
    received = Event.objects.filter(channel=channel, type="message.received").count()
    assert received == len(good), "one message.received event per stored item"
    quarantined = QuarantinedPayload.objects.filter(channel=channel)
    if orphans:  # parts of a webhook body that name no channel
        quarantined = QuarantinedPayload.objects.filter(
            Q(channel=channel) | Q(channel__isnull=True)
        )
    assert quarantined.count() == bad_count, [q.error for q in quarantined]
    assert all(q.error and "Error" not in q.error for q in quarantined), [
        q.error for q in quarantined
    ]


# --- values -------------------------------------------------------------------------------

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
JUNK_ELEMENT = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.lists(SCALARS, max_size=3),
)
NOT_TEXT_OR_ID = st.one_of(
    st.booleans(),
    st.floats(),
    st.lists(SCALARS, max_size=3),
    st.dictionaries(st.text(max_size=5), SCALARS, max_size=2),
)
NOT_AN_OBJECT = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=10), st.lists(SCALARS, max_size=3)
)
LONG_DIGITS = st.text(string.digits, min_size=65, max_size=400)


def _numeric(s: str) -> bool:
    return s.isascii() and s.isdigit()


BAD_NUMERIC_ID = st.one_of(
    st.none(),
    NOT_TEXT_OR_ID,
    st.just(""),
    st.integers(max_value=-1),
    st.text(min_size=1, max_size=30).filter(lambda s: not _numeric(s)),
    LONG_DIGITS,
)
BAD_PLAIN_ID = st.one_of(
    st.none(),
    NOT_TEXT_OR_ID,
    st.just(""),
    st.text(max_size=10).map(lambda s: s + " " + s),
    st.text(string.ascii_letters + string.digits + "_", min_size=65, max_size=400),
)
BAD_REQUIRED_TEXT = st.one_of(st.none(), st.integers(), NOT_TEXT_OR_ID)
BAD_OPTIONAL_TEXT = st.one_of(st.integers(), NOT_TEXT_OR_ID)


def _unreadable_time(parse: Any) -> Any:
    def check(value: Any) -> bool:
        try:
            reading.moment({"t": value}, "t", "item", parse)
        except Unreadable:
            return True
        return False

    return check


IMPOSSIBLE_X_TIMES = st.sampled_from(
    [
        "1999-12-31T23:59:59.000Z",
        "2100-01-01T00:00:00.000Z",
        "9999-12-31T23:59:59.000Z",
        "2024-13-01T10:00:00.000Z",
        "2024-02-30T10:00:00.000Z",
        "2024-05-01T10:00:00",  # no zone
        "yesterday",
    ]
)
BAD_X_TIME = st.one_of(
    st.none(),
    st.integers(),
    NOT_TEXT_OR_ID,
    IMPOSSIBLE_X_TIMES,
    st.text(max_size=30).filter(_unreadable_time(x.parse_time)),
)
BAD_FB_TIME = st.one_of(
    st.none(),
    NOT_TEXT_OR_ID.filter(_unreadable_time(facebook_mapping.parse_time)),
    st.integers(max_value=946_684_799),  # before 2000 as seconds or milliseconds
    st.integers(min_value=4_102_444_800_000),  # after 2100 even as milliseconds
    st.sampled_from(
        [
            "1999-12-31T23:59:59+0000",
            "2100-01-02T00:00:00+0000",
            "2024-02-30T10:00:00+0000",
            "2024-05-01 10:00",
        ]
    ),
    st.text(max_size=30)
    .filter(lambda s: not s.strip().isdigit())
    .filter(_unreadable_time(facebook_mapping.parse_time)),
)
BAD_V1_TIME = st.one_of(
    st.none(),
    st.integers(),
    NOT_TEXT_OR_ID,
    st.sampled_from(["Wed May 01 10:00:00 2024", "Fri Dec 31 23:59:59 +0000 1999", "2024-05-01"]),
)
BAD_MILLIS = st.one_of(
    st.none(),
    NOT_TEXT_OR_ID,
    st.text(max_size=12).filter(lambda s: not _numeric(s)),
    st.integers(max_value=946_684_799_999).map(str),
    st.integers(min_value=4_102_444_800_000).map(str),
)

# Well-formed values. Texts are sometimes huge, sometimes hold NUL.
TEXT = st.one_of(
    st.text(max_size=60),
    st.text(max_size=30).map(lambda s: s + "\x00" + s),
    st.text(min_size=3000, max_size=6000),
)
NAME = st.one_of(st.text(max_size=40), st.text(min_size=201, max_size=400))
HANDLE = st.one_of(
    st.text(string.ascii_letters + "_", max_size=15),
    st.text(string.ascii_letters, min_size=121, max_size=200),
)
MOMENT = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)
)
AUTHOR_IDS = st.integers(1000, 1012).map(str)
PSIDS = st.integers(10**15, 10**15 + 12).map(str)


def x_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def fb_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


# --- breaking a well-formed item ----------------------------------------------------------


def _set(item: Any, path: tuple[str, ...], value: Any) -> Any:
    if not path:
        return value
    copy = dict(item)
    copy[path[0]] = _set(copy.get(path[0], {}), path[1:], value)
    return copy


def _drop(item: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    copy = dict(item)
    if len(path) == 1:
        copy.pop(path[0], None)
    else:
        copy[path[0]] = _drop(copy[path[0]], path[1:])
    return copy


@st.composite
def broken(
    draw, item: dict[str, Any], bad: dict[tuple[str, ...], Any], required: set[tuple[str, ...]]
) -> Any:
    """``item`` with one thing wrong: a ``required`` field dropped, a field of
    ``bad`` given one of its bad values, or the whole element junk."""
    how = draw(st.sampled_from(["junk", "drop", "bad", "bad"]))
    if how == "junk":
        return draw(JUNK_ELEMENT)
    if how == "drop" and required:
        return _drop(item, draw(st.sampled_from(sorted(required))))
    path = draw(st.sampled_from(sorted(bad)))
    return _set(item, path, draw(bad[path]))


# --- X: API v2 tweets and DM events (polling) ------------------------------------------------

TWEET_BAD = {
    ("id",): BAD_NUMERIC_ID,
    ("author_id",): BAD_NUMERIC_ID,
    ("text",): BAD_REQUIRED_TEXT,
    ("created_at",): BAD_X_TIME,
    ("conversation_id",): st.text(min_size=1, max_size=20).filter(lambda s: not _numeric(s)),
    ("referenced_tweets",): st.one_of(st.integers(), st.text(min_size=1, max_size=5)),
    ("public_metrics",): st.one_of(st.integers(), st.lists(st.integers(), max_size=2)),
}
TWEET_REQUIRED = {("id",), ("author_id",), ("text",), ("created_at",)}


@st.composite
def x_tweet(draw, tweet_id: str) -> dict[str, Any]:
    tweet: dict[str, Any] = {
        "id": tweet_id,
        "author_id": draw(AUTHOR_IDS),
        "text": draw(TEXT),
        "created_at": x_time(draw(MOMENT)),
        "conversation_id": draw(st.sampled_from([tweet_id, "1790000000000000001"])),
        "edit_history_tweet_ids": [tweet_id],
    }
    if draw(st.booleans()):
        tweet["referenced_tweets"] = [{"type": "replied_to", "id": "1790000000000000001"}]
    if draw(st.booleans()):
        tweet["public_metrics"] = {"like_count": draw(st.integers(0, 50))}
    return tweet


@st.composite
def x_profile(draw, user_id: str) -> dict[str, Any]:
    return {
        "id": user_id,
        "username": draw(HANDLE),
        "name": draw(NAME),
        "verified": draw(st.booleans()),
        "public_metrics": {"followers_count": draw(st.integers(0, 10**6))},
    }


DM_BAD = {
    ("id",): BAD_NUMERIC_ID,
    ("sender_id",): BAD_NUMERIC_ID,
    ("text",): BAD_REQUIRED_TEXT,
    ("created_at",): BAD_X_TIME,
    ("dm_conversation_id",): st.one_of(
        st.none(),
        NOT_TEXT_OR_ID,
        st.sampled_from(["abc", "1-2-3", "12-", "-"]),
        LONG_DIGITS,
    ),
}
DM_REQUIRED = {("id",), ("sender_id",), ("text",), ("created_at",), ("dm_conversation_id",)}


@st.composite
def x_dm(draw, event_id: str) -> dict[str, Any]:
    sender = draw(AUTHOR_IDS)
    return {
        "id": event_id,
        "event_type": "MessageCreate",
        "text": draw(TEXT),
        "sender_id": sender,
        "dm_conversation_id": f"{sender}-{ACCOUNT_ID}",
        "participant_ids": [sender, ACCOUNT_ID],
        "created_at": x_time(draw(MOMENT)),
    }


# --- Facebook: Graph comments and Messenger messages (polling) --------------------------------

COMMENT_BAD = {
    ("id",): BAD_PLAIN_ID,
    ("from",): NOT_AN_OBJECT,
    ("from", "id"): BAD_PLAIN_ID,
    ("from", "name"): BAD_OPTIONAL_TEXT,
    ("created_time",): BAD_FB_TIME,
    ("message",): BAD_OPTIONAL_TEXT,
    ("parent",): st.one_of(st.integers(), st.text(min_size=1, max_size=5), st.booleans()),
}
COMMENT_REQUIRED = {("id",), ("from",), ("from", "id"), ("created_time",)}


@st.composite
def fb_comment(draw, comment_id: str) -> dict[str, Any]:
    return {
        "id": comment_id,
        "message": draw(TEXT),
        "from": {"id": draw(PSIDS), "name": draw(NAME)},
        "created_time": fb_time(draw(MOMENT)),
        "like_count": draw(st.integers(0, 9)),
    }


MESSAGE_BAD = {
    ("id",): BAD_PLAIN_ID,
    ("from",): NOT_AN_OBJECT,
    ("from", "id"): BAD_PLAIN_ID,
    ("created_time",): BAD_FB_TIME,
    ("message",): BAD_OPTIONAL_TEXT,
}
MESSAGE_REQUIRED = {("id",), ("from",), ("from", "id"), ("created_time",)}


@st.composite
def fb_message(draw, message_id: str, psid: str) -> dict[str, Any]:
    return {
        "id": message_id,
        "message": draw(TEXT),
        "from": {"id": psid, "name": draw(NAME)},
        "created_time": fb_time(draw(MOMENT)),
    }


# --- mixing well-formed and malformed items into one page --------------------------------------


@st.composite
def mixed(draw, good_of, bad_of, *, ids, max_good: int = 6, max_bad: int = 6):
    """(elements in a random order, the ids of the well-formed ones, how many are malformed).
    ``good_of(id)`` draws a well-formed item, ``bad_of(item)`` breaks one."""
    n_good = draw(st.integers(0, max_good))
    n_bad = draw(st.integers(0 if n_good else 1, max_bad))
    keys = draw(st.lists(ids, min_size=n_good + n_bad, max_size=n_good + n_bad, unique=True))
    good = [draw(good_of(k)) for k in keys[:n_good]]
    bad = [draw(bad_of(draw(good_of(k)))) for k in keys[n_good:]]
    elements = draw(st.permutations([*good, *bad]))
    return elements, [g["id"] for g in good], n_bad, good


TWEET_IDS = st.integers(10**17, 10**19 - 1).map(str)
GRAPH_IDS = st.integers(10**6, 10**9).map(lambda n: f"{PAGE_ID}_{n}")
MESSAGE_IDS = st.text(string.ascii_letters + string.digits, min_size=12, max_size=20).map(
    lambda s: "m_" + s
)


# --- webhook bodies -------------------------------------------------------------------------

V1_TWEET_BAD = {
    ("id_str",): BAD_NUMERIC_ID,
    ("text",): BAD_REQUIRED_TEXT,
    ("created_at",): BAD_V1_TIME,
    ("user",): NOT_AN_OBJECT,
    ("user", "id_str"): BAD_NUMERIC_ID,
    ("user", "name"): BAD_OPTIONAL_TEXT,
    ("in_reply_to_status_id_str",): st.text(min_size=1, max_size=9).filter(
        lambda s: not _numeric(s)
    ),
}
V1_TWEET_REQUIRED = {("id_str",), ("text",), ("created_at",), ("user",), ("user", "id_str")}


@st.composite
def v1_tweet(draw, tweet_id: str) -> dict[str, Any]:
    author = draw(AUTHOR_IDS)
    return {
        "id": tweet_id,  # what the property tests compare; Account Activity reads id_str
        "id_str": tweet_id,
        "text": draw(TEXT),
        "created_at": draw(MOMENT).strftime("%a %b %d %H:%M:%S +0000 %Y"),
        "user": {"id_str": author, "screen_name": draw(HANDLE), "name": draw(NAME)},
        "in_reply_to_user_id_str": ACCOUNT_ID,
    }


V1_DM_BAD = {
    ("id",): BAD_NUMERIC_ID,
    ("created_timestamp",): BAD_MILLIS,
    ("message_create",): NOT_AN_OBJECT,
    ("message_create", "sender_id"): BAD_NUMERIC_ID,
    ("message_create", "target"): NOT_AN_OBJECT,
    ("message_create", "target", "recipient_id"): BAD_NUMERIC_ID,
    ("message_create", "message_data", "text"): BAD_REQUIRED_TEXT,
}
V1_DM_REQUIRED = {
    ("id",),
    ("created_timestamp",),
    ("message_create",),
    ("message_create", "target"),
}


@st.composite
def v1_dm(draw, event_id: str) -> dict[str, Any]:
    return {
        "type": "message_create",
        "id": event_id,
        "created_timestamp": str(int(draw(MOMENT).timestamp() * 1000)),
        "message_create": {
            "sender_id": draw(AUTHOR_IDS),
            "target": {"recipient_id": ACCOUNT_ID},
            "message_data": {"text": draw(TEXT)},
        },
    }


CHANGE_BAD = {
    ("value",): NOT_AN_OBJECT,
    ("value", "comment_id"): BAD_PLAIN_ID,
    ("value", "post_id"): BAD_PLAIN_ID,
    ("value", "from"): NOT_AN_OBJECT,
    ("value", "from", "id"): BAD_PLAIN_ID,
    ("value", "created_time"): BAD_FB_TIME,
    ("value", "message"): BAD_OPTIONAL_TEXT,
}
CHANGE_REQUIRED = {
    ("value",),
    ("value", "comment_id"),
    ("value", "post_id"),
    ("value", "from"),
    ("value", "created_time"),
}


@st.composite
def feed_change(draw, comment_id: str) -> dict[str, Any]:
    return {
        "id": comment_id,  # what the property tests compare; the parser reads value.comment_id
        "field": "feed",
        "value": {
            "item": "comment",
            "verb": "add",
            "comment_id": comment_id,
            "post_id": f"{PAGE_ID}_1",
            "from": {"id": draw(PSIDS), "name": draw(NAME)},
            "message": draw(TEXT),
            "created_time": int(draw(MOMENT).timestamp()),
        },
    }


MESSAGING_BAD = {
    ("sender",): NOT_AN_OBJECT,
    ("sender", "id"): BAD_PLAIN_ID,
    ("timestamp",): BAD_FB_TIME,
    # null or absent is a delivery receipt, not a message: only wrong types here
    ("message",): st.one_of(st.booleans(), st.integers(), st.text(max_size=5), st.lists(SCALARS)),
    ("message", "mid"): BAD_PLAIN_ID,
    ("message", "text"): BAD_OPTIONAL_TEXT,
}
MESSAGING_REQUIRED = {("sender",), ("sender", "id"), ("timestamp",), ("message", "mid")}


@st.composite
def messaging_event(draw, mid: str) -> dict[str, Any]:
    return {
        "id": mid,  # what the property tests compare; the parser reads message.mid
        "sender": {"id": draw(PSIDS)},
        "recipient": {"id": PAGE_ID},
        "timestamp": int(draw(MOMENT).timestamp() * 1000),
        "message": {"mid": mid, "text": draw(TEXT)},
    }
