"""The pure metric functions, on event rows built by hand (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kpis import metrics as m

LONDON = ZoneInfo("Europe/London")
T0 = datetime(2026, 3, 30, 9, 0, tzinfo=UTC)


def ev(typ, minutes, *, conv=1, actor=None, automated=None, to=None, reason=None, msg=None):
    at = T0 + timedelta(minutes=minutes)
    message_time = T0 + timedelta(minutes=msg) if msg is not None else None
    if typ == m.RECEIVED and message_time is None:
        message_time = at
    return m.EventRow(conv, 7, typ, at, actor, message_time, automated, to, reason)


def test_auto_replies_acknowledge_but_never_answer():
    [cycle] = m.cycles_from_events(
        [ev(m.RECEIVED, 0), ev(m.SENT, 1, automated=True), ev(m.SENT, 40, actor=5)]
    )
    assert cycle.auto_ack == T0 + timedelta(minutes=1)
    assert cycle.first_response == T0 + timedelta(minutes=40) and cycle.responder_id == 5
    [waiting] = m.cycles_from_events([ev(m.RECEIVED, 0), ev(m.SENT, 1, automated="true")])
    assert waiting.outcome == "awaiting" and waiting.auto_ack is not None


def test_a_resolution_ends_the_cycle_and_new_inbound_starts_another():
    cycles = m.cycles_from_events(
        [
            ev(m.RECEIVED, 0),
            ev(m.SENT, 5, actor=5),
            ev(m.STATUS, 6, to="resolved", actor=5),
            ev(m.STATUS, 7, to="resolved", actor=5),  # resolving twice is nothing new
            ev(m.SENT, 8, actor=5),  # a follow-up with nothing awaiting
            ev(m.RECEIVED, 60),
            ev(m.STATUS, 61, to="open", reason="new inbound message"),
        ]
    )
    assert [c.outcome for c in cycles] == ["answered", "awaiting"]
    assert cycles[1].start == T0 + timedelta(minutes=60)


def test_outcomes_in_order_of_precedence():
    liked = m.cycles_from_events(
        [
            ev(m.RECEIVED, 0),
            ev(m.LIKED, 1),
            ev(m.STATUS, 2, to="resolved", reason="no_reply_needed"),
        ]
    )
    nrn = m.cycles_from_events(
        [ev(m.RECEIVED, 0), ev(m.STATUS, 2, to="resolved", reason="no_reply_needed")]
    )
    closed = m.cycles_from_events([ev(m.RECEIVED, 0), ev(m.STATUS, 2, to="resolved")])
    answered_and_liked = m.cycles_from_events(
        [ev(m.RECEIVED, 0), ev(m.LIKED, 1), ev(m.SENT, 3, actor=1)]
    )
    assert [c[0].outcome for c in (liked, nrn, closed, answered_and_liked)] == [
        "liked", "no_reply_needed", "closed_unanswered", "answered",
    ]  # fmt: skip


def test_replies_posted_outside_socialdesk_count_at_their_network_time():
    [cycle] = m.cycles_from_events([ev(m.RECEIVED, 0), ev(m.SEEN_OUTBOUND, 30, msg=12)])
    assert cycle.first_response == T0 + timedelta(minutes=12) and cycle.responder_id is None


def test_a_late_delivery_of_an_earlier_message_moves_the_start():
    [cycle] = m.cycles_from_events([ev(m.RECEIVED, 10), ev(m.RECEIVED, 11, msg=2)])
    assert cycle.start == T0 + timedelta(minutes=2)


def test_conversations_are_kept_apart():
    cycles = m.cycles_from_events([ev(m.RECEIVED, 0, conv=1), ev(m.SENT, 3, conv=2, actor=1)])
    assert len(cycles) == 1 and cycles[0].outcome == "awaiting"


def test_percentiles_interpolate_like_percentile_cont():
    assert m.percentile([], 0.5) is None
    assert m.percentile([7], 0.9) == 7
    assert m.percentile([1, 2, 3, 4], 0.5) == 2.5
    assert m.percentile([10, 20, 45, 90, 390, 540, 840, 870, 2730, 5655], 0.9) == 3022.5
    stats = m.stats_of([1800, 1801, 3600, 3601])
    assert (stats.within_30, stats.within_60) == (1, 3)


def test_summary_response_rate_leaves_likes_and_no_reply_needed_out():
    facts = m.ChannelDayFacts(cycles=5, answered=2, liked=1, no_reply_needed=1, awaiting=1)
    s = m.summarise(facts)
    assert s.needing_answer == 3 and s.response_rate == pytest.approx(2 / 3)
    assert m.summarise(m.ChannelDayFacts()).response_rate is None


def test_the_spring_forward_day_has_23_hours_and_hours_split_on_local_boundaries():
    start, end = m.day_bounds(date(2026, 3, 29), date(2026, 3, 29), LONDON)
    assert end - start == timedelta(hours=23)
    pieces = list(m.hour_pieces([(start, end)], LONDON))
    assert len(pieces) == 23 and 1 not in [hour for _d, hour, _s in pieces]
    assert all(seconds == 3600 for _d, _h, seconds in pieces)
    autumn = m.day_bounds(date(2026, 10, 25), date(2026, 10, 25), LONDON)
    assert autumn[1] - autumn[0] == timedelta(hours=25)


def test_merge_adds_counts_and_concatenates_times():
    a = m.ChannelDayFacts(inbound=1, frt_calendar=[60])
    a.inbound_by_hour[9] = 1
    b = m.ChannelDayFacts(inbound=2, frt_calendar=[120])
    b.inbound_by_hour[9] = 2
    total = m.merge([a, b], m.ChannelDayFacts)
    assert (total.inbound, total.frt_calendar, total.inbound_by_hour[9]) == (3, [60, 120], 3)
    assert a.frt_calendar == [60]  # inputs untouched


def test_seconds_are_stored_packed_and_sorted():
    from kpis.models import SecondsField, seconds_pack, seconds_unpack

    values = [3600, 0, 4_000_000_000, 59]
    assert seconds_unpack(seconds_pack(values)) == [0, 59, 3600, 4_000_000_000]
    assert seconds_unpack("") == [] and seconds_pack([]) == ""
    assert SecondsField().to_python(seconds_pack([5, 1])) == [1, 5]
