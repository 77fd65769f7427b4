"""The reads behind the staffed-hours pages: the week's preview (holidays,
closures, openings), staffed now and the next change, and the bio statement
against each network's limit."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from escalation import hours_selectors as selectors
from escalation.models import ExceptionKind, HoursException, StaffedHours
from escalation.services.target_settings import response_target_set
from inbox.text_rules import LIMITS
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def _hours(channel) -> StaffedHours:
    return selectors.hours_get(channel=channel)


def test_the_christmas_week_shows_bank_holidays_and_a_closure(hours_a, channel_a):
    HoursException.objects.create(
        hours=hours_a, kind=ExceptionKind.CLOSED, starts_on=date(2026, 12, 24), reason="Training"
    )
    HoursException.objects.create(
        hours=hours_a,
        kind=ExceptionKind.EXTRA,
        starts_on=date(2026, 12, 27),
        start_time=time(10),
        end_time=time(12),
        reason="Flood warnings",
    )
    week = selectors.week_preview(
        hours=_hours(channel_a), now=datetime(2026, 12, 23, 12, tzinfo=LONDON)
    )
    by_day = {d.day: d for d in week}
    assert [o.start for o in by_day[date(2026, 12, 23)].openings] == [time(8), time(13)]
    assert by_day[date(2026, 12, 24)].closures == ("Training",)
    assert not by_day[date(2026, 12, 24)].open
    assert by_day[date(2026, 12, 25)].holiday == "Christmas Day"
    assert not by_day[date(2026, 12, 25)].open
    # Boxing Day is a Saturday in 2026: the substitute day is Monday the 28th.
    assert "Boxing Day" in (by_day[date(2026, 12, 28)].holiday or "")
    assert not by_day[date(2026, 12, 28)].open
    sunday = by_day[date(2026, 12, 27)]
    assert sunday.openings_extra == ("Flood warnings",)
    assert [(o.start, o.end) for o in sunday.openings] == [(time(10), time(12))]


def test_staffed_now_and_the_next_change(hours_a, channel_a):
    hours = _hours(channel_a)
    at_ten = selectors.staffed_now(hours=hours, now=datetime(2026, 12, 7, 10, tzinfo=LONDON))
    assert at_ten.staffed
    assert at_ten.next_change == datetime(2026, 12, 7, 12, tzinfo=LONDON)
    assert at_ten.next_change_text == "Staffed now, until noon today."
    at_lunch = selectors.staffed_now(hours=hours, now=datetime(2026, 12, 7, 12, 30, tzinfo=LONDON))
    assert not at_lunch.staffed
    assert at_lunch.next_change_text == "Not staffed now. Staffed again from 1pm today."
    saturday = selectors.staffed_now(hours=hours, now=datetime(2026, 12, 12, 14, tzinfo=LONDON))
    assert saturday.next_change == datetime(2026, 12, 14, 8, tzinfo=LONDON)
    assert selectors.staffed_now(hours=None).staffed


def test_the_bio_says_the_hours_the_wait_and_the_emergency_text(manager, hours_a, channel_a):
    bio = selectors.bio_statements(channels=[channel_a])[0]
    assert bio.text.startswith("Staffed Mon–Fri 8am–noon and 1pm–5pm, Sat 9am–1pm (UK time)")  # noqa: RUF001
    assert "We aim to reply within 30 minutes while staffed." in bio.text
    assert bio.text.endswith("For non-emergencies call 101.")
    assert bio.limit == 160 and bio.used == len(bio.text)
    response_target_set(
        actor=manager,
        channel=channel_a,
        priority=None,
        target_minutes=120,
        limit_minutes=240,
        warning_percent=80,
        clock="staffed",
    )
    assert "within 2 hours while staffed" in selectors.bio_statements(channels=[channel_a])[0].text


def test_the_bio_limit_is_the_networks(team_a):
    x = ChannelFactory(network="x", covered_by=[team_a])
    facebook = ChannelFactory(network="facebook", covered_by=[team_a])
    bios = {b.channel.network: b for b in selectors.bio_statements(channels=[x, facebook])}
    assert bios["x"].limit == LIMITS["x"]["bio"][1] == 160
    assert bios["facebook"].limit == LIMITS["facebook"]["bio"][1] == 255
    long = StaffedHours.objects.create(channel=x, emergency_text="Call 999. " * 20)
    del long
    x_bio = selectors.bio_statements(channels=[x])[0]
    assert x_bio.too_long and x_bio.over_by == x_bio.used - 160


def test_a_manager_sees_only_their_channels_and_the_defaults(
    manager, other_manager, channel_a, channel_b, admin_user
):
    assert list(selectors.channels_for_settings(user=manager)) == [channel_a]
    assert list(selectors.channels_for_settings(user=other_manager)) == [channel_b]
    assert set(selectors.channels_for_settings(user=admin_user)) == {channel_a, channel_b}
