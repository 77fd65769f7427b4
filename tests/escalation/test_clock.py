"""The business clock: staffed hours across DST, holidays, overnight shifts
and exceptions. Plain datetimes where the instant is given; time-machine
where the code reads "now"."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from escalation import clock
from escalation.clock import DatedException, Schedule, WeeklyInterval

LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")
HOUR = 3600


def weekdays(
    start: int,
    end: int,
    zone: str = "Europe/London",
    region: str = "",
    days=range(5),
    exceptions=(),
) -> Schedule:
    return Schedule(
        time_zone=zone,
        holiday_region=region,
        weekly=tuple(WeeklyInterval(d, time(start), time(end)) for d in days),
        exceptions=tuple(exceptions),
    )


OFFICE = weekdays(8, 18, region="GB-ENG")


def test_orlo_case_counts_one_staffed_hour_and_fourteen_calendar_hours():
    # Wednesday 19:00, answered Thursday 09:00, with hours 08:00-18:00.
    asked = datetime(2026, 11, 18, 19, 0, tzinfo=LONDON)
    answered = datetime(2026, 11, 19, 9, 0, tzinfo=LONDON)
    assert clock.staffed_seconds(hours=OFFICE, start=asked, end=answered) == 1 * HOUR
    assert (
        clock.elapsed_seconds(hours=OFFICE, clock="calendar", start=asked, end=answered)
        == 14 * HOUR
    )


def test_an_answer_before_opening_counts_no_staffed_time():
    asked = datetime(2026, 11, 18, 19, 0, tzinfo=LONDON)
    answered = datetime(2026, 11, 19, 7, 0, tzinfo=LONDON)
    assert clock.staffed_seconds(hours=OFFICE, start=asked, end=answered) == 0


def test_due_time_carries_over_to_the_next_opening():
    asked = datetime(2026, 11, 18, 17, 50, tzinfo=LONDON)
    due = clock.add_staffed_seconds(hours=OFFICE, start=asked, seconds=30 * 60)
    assert due == datetime(2026, 11, 19, 8, 20, tzinfo=LONDON)


def test_no_hours_means_staffed_around_the_clock():
    at = datetime(2026, 12, 25, 3, 0, tzinfo=UTC)
    assert clock.is_staffed(hours=None, at=at)
    assert clock.next_opening(hours=None, after=at) == at
    assert clock.staffed_seconds(hours=None, start=at, end=at + timedelta(hours=5)) == 5 * HOUR
    assert clock.closed_period(hours=None, at=at) is None


def test_london_spring_forward_shortens_an_overnight_shift_by_an_hour():
    # Clocks go forward at 01:00 UTC on Sunday 29 March 2026.
    night = weekdays(22, 6, days=[5])  # Saturday 22:00 to Sunday 06:00
    sat, sun = datetime(2026, 3, 28, tzinfo=LONDON), datetime(2026, 3, 30, tzinfo=LONDON)
    assert clock.staffed_seconds(hours=night, start=sat, end=sun) == 7 * HOUR
    assert clock.staffed_intervals(hours=night, start=sat, end=sun) == [
        (datetime(2026, 3, 28, 22, 0, tzinfo=UTC), datetime(2026, 3, 29, 5, 0, tzinfo=UTC))
    ]


def test_london_fall_back_lengthens_an_overnight_shift_by_an_hour():
    night = weekdays(22, 6, days=[5])
    sat, sun = datetime(2026, 10, 24, tzinfo=LONDON), datetime(2026, 10, 26, tzinfo=LONDON)
    assert clock.staffed_seconds(hours=night, start=sat, end=sun) == 9 * HOUR


def test_london_opening_follows_local_wall_time_across_the_change():
    every_day = weekdays(8, 18, days=range(7))
    saturday_evening = datetime(2026, 3, 28, 18, 0, tzinfo=LONDON)  # GMT
    # Sunday opens at 08:00 BST, which is 07:00 UTC.
    assert clock.next_opening(hours=every_day, after=saturday_evening) == datetime(
        2026, 3, 29, 7, 0, tzinfo=UTC
    )
    assert (
        clock.staffed_seconds(
            hours=every_day, start=saturday_evening, end=datetime(2026, 3, 29, 9, 0, tzinfo=LONDON)
        )
        == 1 * HOUR
    )


def test_sydney_daylight_saving_start_and_a_nsw_public_holiday():
    # AEDT starts Sunday 4 October 2026; Monday 5 October is Labour Day in NSW.
    nsw = weekdays(8, 18, zone="Australia/Sydney", region="AU-NSW")
    friday_close = datetime(2026, 10, 2, 18, 0, tzinfo=SYDNEY)  # AEST, +10
    opens = clock.next_opening(hours=nsw, after=friday_close)
    assert opens == datetime(2026, 10, 6, 8, 0, tzinfo=SYDNEY)
    assert opens == datetime(2026, 10, 5, 21, 0, tzinfo=UTC)  # AEDT, +11
    # Without the holiday region the Monday counts.
    plain = weekdays(8, 18, zone="Australia/Sydney")
    assert clock.next_opening(hours=plain, after=friday_close) == datetime(
        2026, 10, 4, 21, 0, tzinfo=UTC
    )


def test_sydney_daylight_saving_end_lengthens_the_night():
    # AEDT ends at 03:00 on Sunday 5 April 2026 (back to 02:00).
    night = weekdays(20, 8, zone="Australia/Sydney", days=[5])
    start = datetime(2026, 4, 4, 12, 0, tzinfo=SYDNEY)
    assert clock.staffed_seconds(hours=night, start=start, end=start + timedelta(days=1)) == (
        13 * HOUR
    )


def test_bank_holiday_in_england_but_not_in_scotland():
    # Monday 31 August 2026 is the late summer bank holiday in England only.
    friday_close = datetime(2026, 8, 28, 18, 0, tzinfo=LONDON)
    england = weekdays(8, 18, region="GB-ENG")
    scotland = weekdays(8, 18, region="GB-SCT")
    assert clock.next_opening(hours=england, after=friday_close) == datetime(
        2026, 9, 1, 8, 0, tzinfo=LONDON
    )
    assert clock.next_opening(hours=scotland, after=friday_close) == datetime(
        2026, 8, 31, 8, 0, tzinfo=LONDON
    )
    assert not clock.is_staffed(hours=england, at=datetime(2026, 8, 31, 12, 0, tzinfo=LONDON))


def test_overnight_shift_runs_into_the_next_day():
    night = weekdays(22, 6, days=[4])  # Friday 22:00 to Saturday 06:00
    assert clock.is_staffed(hours=night, at=datetime(2026, 11, 21, 3, 0, tzinfo=LONDON))
    assert clock.is_staffed(hours=night, at=datetime(2026, 11, 20, 22, 0, tzinfo=LONDON))
    assert not clock.is_staffed(hours=night, at=datetime(2026, 11, 21, 6, 0, tzinfo=LONDON))
    assert not clock.is_staffed(hours=night, at=datetime(2026, 11, 20, 21, 59, tzinfo=LONDON))
    week = datetime(2026, 11, 16, tzinfo=LONDON)
    assert clock.staffed_seconds(hours=night, start=week, end=week + timedelta(days=7)) == 8 * HOUR


def test_closure_exception_closes_a_day_and_extra_cover_opens_a_weekend():
    hours = weekdays(
        8,
        18,
        exceptions=[
            DatedException("closed", datetime(2026, 11, 18), datetime(2026, 11, 19)),
            DatedException("closed", datetime(2026, 11, 19, 12), datetime(2026, 11, 19, 14)),
            DatedException("extra", datetime(2026, 11, 21, 10), datetime(2026, 11, 21, 16)),
        ],
    )
    wednesday = datetime(2026, 11, 18, 10, 0, tzinfo=LONDON)
    assert not clock.is_staffed(hours=hours, at=wednesday)
    assert clock.next_opening(hours=hours, after=wednesday) == datetime(
        2026, 11, 19, 8, 0, tzinfo=LONDON
    )
    thursday = datetime(2026, 11, 19, tzinfo=LONDON)
    assert (
        clock.staffed_seconds(hours=hours, start=thursday, end=thursday + timedelta(days=1))
        == 8 * HOUR
    )
    assert clock.is_staffed(hours=hours, at=datetime(2026, 11, 21, 11, 0, tzinfo=LONDON))


def test_extra_cover_wins_over_a_public_holiday():
    christmas_cover = weekdays(
        8,
        18,
        region="GB-ENG",
        exceptions=[DatedException("extra", datetime(2026, 12, 25, 9), datetime(2026, 12, 25, 12))],
    )
    assert clock.is_staffed(hours=christmas_cover, at=datetime(2026, 12, 25, 10, tzinfo=LONDON))
    assert not clock.is_staffed(hours=christmas_cover, at=datetime(2026, 12, 25, 13, tzinfo=LONDON))


def test_closed_period_says_when_the_team_left_and_returns():
    period = clock.closed_period(hours=OFFICE, at=datetime(2026, 11, 20, 22, 0, tzinfo=LONDON))
    assert period.since == datetime(2026, 11, 20, 18, 0, tzinfo=LONDON)
    assert period.until == datetime(2026, 11, 23, 8, 0, tzinfo=LONDON)


def test_a_channel_that_never_opens_has_no_next_opening():
    never = Schedule(time_zone="Europe/London", weekly=())
    at = datetime(2026, 11, 20, tzinfo=UTC)
    assert clock.next_opening(hours=never, after=at) is None
    assert clock.add_staffed_seconds(hours=never, start=at, seconds=60) is None
    assert clock.closed_period(hours=never, at=at) == clock.ClosedPeriod(since=None, until=None)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.is_staffed(hours=OFFICE, at=datetime(2026, 11, 20, 12, 0))


def test_timeline_agrees_with_the_module_functions():
    hours = weekdays(
        8,
        18,
        region="GB-ENG",
        days=[0, 1, 2, 3, 4],
        exceptions=[DatedException("closed", datetime(2026, 3, 31, 9), datetime(2026, 4, 1, 12))],
    )
    start = datetime(2026, 3, 20, tzinfo=UTC)
    timeline = clock.Timeline(hours=hours, start=start, end=start + timedelta(days=40))
    rng = random.Random(6)
    for _ in range(200):
        a = start + timedelta(minutes=rng.randrange(20 * 24 * 60))
        b = a + timedelta(minutes=rng.randrange(5 * 24 * 60))
        seconds = rng.choice([0, 60, 1800, 3600, 36000])
        assert timeline.seconds_between(a, b) == clock.staffed_seconds(hours=hours, start=a, end=b)
        assert timeline.add(a, seconds) == clock.add_staffed_seconds(
            hours=hours, start=a, seconds=seconds
        )


def test_holidays_are_cached_per_region_and_year():
    clock.holiday_dates.cache_clear()
    for _ in range(3):
        clock.is_staffed(hours=OFFICE, at=datetime(2026, 8, 31, 12, tzinfo=LONDON))
    info = clock.holiday_dates.cache_info()
    assert info.misses == 1 and info.hits >= 2


def test_unknown_regions_are_explained():
    assert clock.region_problem("GB-ENG") is None
    assert "Unknown holiday region" in clock.region_problem("GB-XYZ")
    assert "Unknown holiday region" in clock.region_problem("ZZ")


@time_machine.travel(datetime(2026, 3, 29, 7, 30, tzinfo=UTC), tick=False)
def test_is_staffed_now_on_the_morning_the_clocks_change():
    # 07:30 UTC is 08:30 BST on 29 March: inside Sunday's 08:00-18:00.
    every_day = weekdays(8, 18, days=range(7))
    assert clock.is_staffed(hours=every_day, at=timezone.now())
    with time_machine.travel(datetime(2026, 3, 29, 6, 30, tzinfo=UTC), tick=False):
        assert not clock.is_staffed(hours=every_day, at=timezone.now())  # 07:30 BST


def test_statement_for_the_profile_bio():
    hours = Schedule(
        time_zone="Europe/London",
        holiday_region="GB-ENG",
        weekly=(
            *(WeeklyInterval(d, time(8), time(18)) for d in range(5)),
            WeeklyInterval(5, time(9, 30), time(12)),
        ),
    )
    assert clock.hours_statement(hours=hours, emergency_text="Call 999 in an emergency.") == (
        "Staffed Mon–Fri 8am–6pm, Sat 9:30am–noon (UK time), not on public holidays. "  # noqa: RUF001
        "Not monitored for emergencies. Call 999 in an emergency."
    )
    assert clock.hours_statement(hours=None).startswith("Staffed 24 hours a day")
    night = weekdays(22, 0, zone="Australia/Sydney", days=[4])
    assert "Fri 10pm–midnight (Sydney time)" in clock.hours_statement(hours=night)  # noqa: RUF001


def test_reopening_text_is_in_the_channels_zone():
    at = datetime(2026, 11, 20, 22, 0, tzinfo=LONDON)  # Friday night
    reopens = clock.next_opening(hours=OFFICE, after=at)
    assert clock.reopens_text(hours=OFFICE, at=at, reopens=reopens) == "8am on Monday 23 November"
    wednesday = datetime(2026, 11, 18, 19, 0, tzinfo=LONDON)
    assert (
        clock.reopens_text(
            hours=OFFICE, at=wednesday, reopens=clock.next_opening(hours=OFFICE, after=wednesday)
        )
        == "8am tomorrow"
    )
