"""The KPI definitions against a week whose answers were worked out by hand
(see tests/kpis/week.py): both clocks, a DST change, two bank holidays,
likes and "no reply needed" counted apart, rollups equal to raw events, and
late events landing on the day they belong to."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from escalation.clock import staffed_seconds
from kpis import dashboards, rollups
from kpis import metrics as m
from kpis import selectors as sel
from kpis.models import DailyChannelStats, DailyOfficerStats
from tests.kpis.week import (
    FRT_CALENDAR_MIN,
    FRT_STAFFED_MIN,
    Story,
    build_week,
    london,
    office_hours,
)

WEEK = sel.Period(date(2026, 3, 28), date(2026, 4, 3))
MIN = 60


@pytest.fixture
def week(channel_a, officer, teammate, channel_b, other_officer):
    office_hours(channel_a)
    convs = build_week(channel_a, officer=officer, teammate=teammate)
    # Noise on another channel, which channel A's figures must never include.
    noise = Story(channel_b)
    conv = noise.conversation()
    noise.inbound(conv, london(2026, 3, 30, 10, 0))
    noise.reply(conv, london(2026, 3, 30, 10, 1), by=other_officer)
    return convs


def raw(channel) -> object:
    return sel.summary_from_events(channel_ids=[channel.pk], period=WEEK)


@pytest.mark.django_db
def test_first_response_median_p90_and_mean_on_the_calendar_clock(week, channel_a):
    frt = raw(channel_a).frt_calendar
    # Sorted: 10, 20, 45, 90, 390, 540, 840, 870, 2730, 5655 minutes.
    assert frt.count == 10
    assert frt.median == (390 + 540) / 2 * MIN
    assert frt.p90 == (2730 + 0.1 * (5655 - 2730)) * MIN  # 3022.5 minutes
    assert frt.mean == 1119 * MIN
    assert (frt.within_30, frt.within_60) == (2, 3)
    assert (frt.within_30_share, frt.within_60_share) == (0.2, 0.3)
    assert sorted(FRT_CALENDAR_MIN) == [10, 20, 45, 90, 390, 540, 840, 870, 2730, 5655]


@pytest.mark.django_db
def test_first_response_on_the_staffed_clock_skips_nights_weekends_and_bank_holidays(
    week, channel_a
):
    frt = raw(channel_a).frt_staffed
    # Sorted: 0, 0, 10, 15, 20, 30, 30, 45, 60, 90 minutes.
    assert frt.count == 10
    assert frt.median == 25 * MIN
    assert frt.p90 == 63 * MIN
    assert frt.mean == 30 * MIN
    assert (frt.within_30, frt.within_60) == (7, 9)
    assert (frt.within_30_share, frt.within_60_share) == (0.7, 0.9)
    assert sum(FRT_STAFFED_MIN) == 300


@pytest.mark.django_db
def test_response_rate_counts_likes_and_no_reply_needed_apart(week, channel_a):
    s = raw(channel_a)
    assert s.cycles == 14
    assert (s.answered, s.liked, s.no_reply_needed, s.closed_unanswered, s.awaiting) == (
        10,
        1,
        1,
        1,
        1,
    )
    assert s.needing_answer == 12
    assert s.response_rate == pytest.approx(10 / 12)
    # Auto-replies acknowledge (C2, C13) but never answer: C13 is still awaiting.
    assert s.auto_acknowledged == 2


@pytest.mark.django_db
def test_resolution_times_volume_and_replies(week, channel_a):
    s = raw(channel_a)
    assert s.inbound == 15
    assert s.resolved == 5 and s.resolved_after_answer == 3
    assert s.resolution_calendar.median == 30 * MIN
    assert s.resolution_calendar.p90 == 96 * MIN
    assert s.resolution_calendar.mean == 54 * MIN
    # C10's reply went out on 7 April, after the week: it counts on that day.
    assert (s.replies_human, s.replies_automated) == (9, 2)


@pytest.mark.django_db
def test_staffed_minutes_of_the_week_are_four_ten_hour_days(week, channel_a):
    start, end = london(2026, 3, 28), london(2026, 4, 4)
    hours = channel_a.staffed_hours
    # Sat/Sun closed, Mon-Thu 08:00-18:00, Good Friday closed.
    assert staffed_seconds(hours=hours, start=start, end=end) == 2400 * MIN
    grid = dashboards.staffed_grid(channel_ids=[channel_a.pk], period=WEEK)
    assert sum(map(sum, grid)) == 2400 * MIN
    assert grid[0][8] == 3600 and grid[0][7] == 0 and grid[4][10] == 0  # Fri: bank holiday


@pytest.mark.django_db
def test_cycles_and_inbound_land_on_their_local_day_across_the_dst_change(week, channel_a):
    facts = rollups.facts_compute(first=WEEK.first, last=WEEK.last, channel_ids=[channel_a.pk])
    by_day = {day: f for (day, ch), f in facts.channels.items() if ch == channel_a.pk}
    cycles = {d: by_day[d].cycles if d in by_day else 0 for d in WEEK.each_day()}
    assert list(cycles.values()) == [2, 0, 3, 1, 2, 4, 2]
    inbound = [by_day[d].inbound if d in by_day else 0 for d in WEEK.each_day()]
    assert inbound == [2, 0, 4, 1, 2, 4, 2]
    # C6 was sent at 23:30 UTC on Monday: 00:30 on Tuesday in London.
    assert by_day[date(2026, 3, 31)].inbound_by_hour[0] == 1
    # Sunday 29 March had only 23 hours; C2's reply that morning is Sunday's.
    assert by_day[date(2026, 3, 29)].replies_human == 1


@pytest.mark.django_db
def test_each_officer_has_their_own_handled_count_and_median(week, channel_a, officer, teammate):
    assert sel.officer_day_facts(channel_ids=[channel_a.pk], period=WEEK) == []  # not built yet
    rollups.rollups_recompute(first=WEEK.first, last=WEEK.last)
    rows: dict[int, list] = {}
    for _d, _c, user_id, f in sel.officer_day_facts(channel_ids=[channel_a.pk], period=WEEK):
        rows.setdefault(user_id, []).append(f)
    mine = m.summarise_officer(m.merge(rows[officer.pk], m.OfficerDayFacts))
    theirs = m.summarise_officer(m.merge(rows[teammate.pk], m.OfficerDayFacts))
    # Officer: C1, C3, C4, C5, C12 (10, 20, 840, 870, 2730 min; staffed 10, 20, 30, 30, 60).
    assert (mine.handled, mine.frt_calendar.median, mine.frt_staffed.median) == (
        5, 840 * MIN, 30 * MIN,
    )  # fmt: skip
    # Teammate: C2, C6, C10, C11, C12 reopened (45, 90, 390, 540, 5655; 0, 0, 15, 45, 90).
    assert (theirs.handled, theirs.frt_calendar.median, theirs.frt_staffed.median) == (
        5, 390 * MIN, 15 * MIN,
    )  # fmt: skip
    assert (mine.resolved, theirs.resolved) == (3, 2)
    assert (mine.replies, theirs.replies) == (5, 4)


@pytest.mark.django_db
def test_rollups_give_the_same_numbers_as_raw_events(week, channel_a, channel_b):
    assert rollups.rollups_recompute(first=date(2026, 3, 20), last=date(2026, 4, 10)) == 22
    for channels in ([channel_a.pk], [channel_b.pk], [channel_a.pk, channel_b.pk]):
        for period in (
            WEEK,
            sel.Period(date(2026, 3, 30), date(2026, 3, 31)),
            sel.Period(date(2026, 4, 3), date(2026, 4, 3)),
        ):
            assert sel.summary_from_rollups(
                channel_ids=channels, period=period
            ) == sel.summary_from_events(channel_ids=channels, period=period)
    # Rebuilding again changes nothing (same rows, same numbers).
    before = sorted(DailyChannelStats.objects.values_list("day", "channel_id", "frt_staffed"))
    rollups.rollups_recompute(first=date(2026, 3, 20), last=date(2026, 4, 10), chunk_days=3)
    after = sorted(DailyChannelStats.objects.values_list("day", "channel_id", "frt_staffed"))
    assert before == after


@pytest.mark.django_db
def test_the_refresh_follows_new_events_to_the_same_numbers(week, channel_a):
    assert rollups.rollups_refresh() > 0
    assert sel.summary_from_rollups(channel_ids=[channel_a.pk], period=WEEK) == raw(channel_a)
    assert DailyOfficerStats.objects.exists()


@pytest.mark.django_db
def test_a_late_event_changes_the_day_it_belongs_to(week, channel_a, officer):
    rollups.rollups_recompute(first=WEEK.first, last=WEEK.last)
    rollups.rollups_refresh()
    wednesday = DailyChannelStats.objects.get(channel=channel_a, day=date(2026, 4, 1))
    assert (wednesday.inbound, wednesday.cycles) == (2, 2)

    # A mention written on Wednesday reaches us only now (a backfill).
    story = Story(channel_a)
    late = story.conversation()
    from django.utils import timezone

    story.inbound(late, london(2026, 4, 1, 15, 0), stored_at=timezone.now())
    # And someone finally answers C13 (Good Friday), the reply logged now.
    story.reply(week["C13"], london(2026, 4, 3, 12, 30), by=officer)
    rollups.rollups_refresh()

    wednesday = DailyChannelStats.objects.get(channel=channel_a, day=date(2026, 4, 1))
    assert (wednesday.inbound, wednesday.cycles, wednesday.awaiting) == (3, 3, 1)
    friday = DailyChannelStats.objects.get(channel=channel_a, day=date(2026, 4, 3))
    assert (friday.answered, friday.awaiting) == (2, 0)
    assert sorted(friday.frt_calendar) == [30 * MIN, 5655 * MIN]
    assert sorted(friday.frt_staffed) == [0, 15 * MIN]  # Good Friday: not staffed
    untouched = DailyChannelStats.objects.get(channel=channel_a, day=date(2026, 3, 30))
    assert untouched.computed_at < friday.computed_at
    assert sel.summary_from_rollups(channel_ids=[channel_a.pk], period=WEEK) == raw(channel_a)


@pytest.mark.django_db
def test_a_channel_without_staffed_hours_counts_as_staffed_around_the_clock(
    channel_b, other_officer
):
    story = Story(channel_b)
    conv = story.conversation()
    story.inbound(conv, london(2026, 3, 28, 23, 0))  # Saturday night
    story.reply(conv, london(2026, 3, 29, 9, 0), by=other_officer)  # after the DST change
    s = sel.summary_from_events(channel_ids=[channel_b.pk], period=WEEK)
    assert s.frt_calendar.median == s.frt_staffed.median == 540 * MIN


@pytest.mark.django_db
def test_previous_period_is_the_same_length_just_before():
    assert WEEK.previous() == sel.Period(date(2026, 3, 21), date(2026, 3, 27))
    assert WEEK.days == 7 and WEEK.previous().days == 7
    assert WEEK.first - timedelta(days=1) == WEEK.previous().last


@pytest.mark.django_db
def test_demand_and_cover_shows_peaks_and_messages_arriving_while_closed(week, channel_a, manager):
    rollups.rollups_recompute(first=WEEK.first, last=WEEK.last)
    board = dashboards.cover(scope=sel.kpi_scope_for(user=manager), period=WEEK)
    assert board.table("peaks").rows == [
        ["Busiest day", "Monday 30 March 2026", 4, None],
        ["Busiest hour of the week", "Monday 09:00", 2, 1.0],
    ]
    cells = {(r[0], r[1]): (r[2], r[3]) for r in board.table("week").rows}
    assert cells[("Monday", "19:00")] == (1, 0.0)  # C5, after closing
    assert cells[("Friday", "10:00")] == (1, 0.0)  # C10, Good Friday
    assert cells[("Saturday", "23:00")] == (1, 0.0)  # C2
    assert cells[("Thursday", "16:00")] == (1, 1.0)  # C11, staffed
    assert sum(r[2] for r in board.table("week").rows) == 15
