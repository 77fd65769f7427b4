"""The staffed-hours services: validated as a whole, all or nothing, one
event per change, and only for managers of the covering team or admins."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from escalation.models import HoursException, OpeningInterval, StaffedHours
from escalation.services.hours import (
    ExceptionIn,
    IntervalIn,
    hours_exception_add,
    hours_exception_remove,
    interval_problems,
    out_of_hours_texts_set,
    staffed_hours_clear,
    staffed_hours_set,
)
from events.models import Event
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db

SPLIT = [
    IntervalIn(0, time(8), time(12)),
    IntervalIn(0, time(13), time(17)),
    IntervalIn(5, time(9), time(13)),
]


def _set(actor, channels, intervals=SPLIT, region="GB-ENG", zone="Europe/London"):
    return staffed_hours_set(
        actor=actor, channels=channels, intervals=intervals, time_zone=zone, holiday_region=region
    )


def test_a_manager_sets_split_shifts_with_an_event(manager, channel_a):
    _set(manager, [channel_a])
    hours = StaffedHours.objects.get(channel=channel_a)
    assert hours.holiday_region == "GB-ENG"
    assert [(i.weekday, i.start, i.end) for i in hours.intervals.all()] == [
        (0, time(8), time(12)),
        (0, time(13), time(17)),
        (5, time(9), time(13)),
    ]
    event = Event.objects.get(type="hours.changed")
    assert event.actor == manager and event.channel_id == channel_a.pk
    assert event.data["before"] is None
    assert event.data["after"]["intervals"][1] == [0, "13:00", "17:00"]


def test_setting_again_replaces_the_intervals_and_keeps_the_texts(manager, channel_a):
    _set(manager, [channel_a])
    StaffedHours.objects.filter(channel=channel_a).update(emergency_text="Call 999.")
    _set(manager, [channel_a], intervals=[IntervalIn(2, time(22), time(6), overnight=True)])
    hours = StaffedHours.objects.get(channel=channel_a)
    assert hours.emergency_text == "Call 999."
    assert [(i.weekday, i.start, i.end) for i in hours.intervals.all()] == [(2, time(22), time(6))]
    assert Event.objects.filter(type="hours.changed").count() == 2


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([IntervalIn(0, time(12), time(8))], "ends before it starts"),
        ([IntervalIn(0, time(8), time(8))], "ends when it starts"),
        ([IntervalIn(0, time(8), time(12)), IntervalIn(0, time(11), time(14))], "overlaps"),
        # Sunday's night shift runs into Monday's early shift.
        ([IntervalIn(6, time(22), time(6), True), IntervalIn(0, time(5), time(9))], "overlaps"),
        ([IntervalIn(1, time(8), time(20), True)], "longer than a day"),
    ],
)
def test_bad_intervals_are_refused_and_nothing_changes(manager, channel_a, rows, expected):
    _set(manager, [channel_a])
    with pytest.raises(ValidationError) as refused:
        _set(manager, [channel_a], intervals=rows)
    assert expected in " ".join(refused.value.messages)
    assert OpeningInterval.objects.filter(hours__channel=channel_a).count() == 3
    assert Event.objects.filter(type="hours.changed").count() == 1


def test_touching_shifts_are_not_an_overlap():
    rows = [IntervalIn(0, time(8), time(12)), IntervalIn(0, time(12), time(17))]
    assert interval_problems(rows) == {}


def test_an_overlap_is_reported_on_the_later_row_even_past_a_short_one():
    rows = [
        IntervalIn(0, time(8), time(18)),
        IntervalIn(0, time(9), time(10)),
        IntervalIn(0, time(11), time(12)),
    ]
    problems = interval_problems(rows)
    assert set(problems) == {1, 2}


def test_an_unknown_region_or_zone_is_refused(manager, channel_a):
    with pytest.raises(ValidationError, match="not a public-holiday region"):
        _set(manager, [channel_a], region="XX-NOPE")
    with pytest.raises(ValidationError, match="IANA"):
        _set(manager, [channel_a], zone="Mars/Olympus")
    assert not StaffedHours.objects.exists()
    assert not Event.objects.filter(type="hours.changed").exists()


def test_the_same_hours_for_several_channels_are_all_or_nothing(
    manager, channel_a, channel_b, team_a
):
    second = ChannelFactory(name="Council Facebook", network="facebook", covered_by=[team_a])
    _set(manager, [channel_a, second])
    assert StaffedHours.objects.filter(channel__in=[channel_a, second]).count() == 2
    with pytest.raises(PermissionDenied):
        _set(manager, [channel_a, channel_b], intervals=[IntervalIn(1, time(9), time(10))])
    assert not StaffedHours.objects.filter(channel=channel_b).exists()
    assert OpeningInterval.objects.filter(hours__channel=channel_a).count() == 3


def test_officers_and_other_teams_managers_are_refused(officer, manager, other_manager, channel_a):
    for actor in (officer, other_manager):
        with pytest.raises(PermissionDenied):
            _set(actor, [channel_a])
    _set(manager, [channel_a])
    row = hours_exception_add(
        actor=manager,
        channel=channel_a,
        exception=ExceptionIn("closed", date(2026, 12, 24), "Training"),
    )
    for actor in (officer, other_manager):
        with pytest.raises(PermissionDenied):
            hours_exception_remove(actor=actor, exception=row)
        with pytest.raises(PermissionDenied):
            staffed_hours_clear(actor=actor, channel=channel_a)
    assert HoursException.objects.count() == 1


def test_closures_need_hours_a_reason_and_an_end_after_the_start(manager, channel_a):
    closure = ExceptionIn("closed", date(2026, 12, 24), "Staff training")
    with pytest.raises(ValidationError, match="staffed 24/7"):
        hours_exception_add(actor=manager, channel=channel_a, exception=closure)
    _set(manager, [channel_a])
    with pytest.raises(ValidationError, match="reason"):
        hours_exception_add(
            actor=manager,
            channel=channel_a,
            exception=ExceptionIn("closed", date(2026, 12, 24), "  "),
        )
    with pytest.raises(ValidationError, match="after the start"):
        hours_exception_add(
            actor=manager,
            channel=channel_a,
            exception=ExceptionIn(
                "extra", date(2026, 12, 24), "Storm", start_time=time(18), end_time=time(9)
            ),
        )
    row = hours_exception_add(actor=manager, channel=channel_a, exception=closure)
    assert row.reason == "Staff training"
    hours_exception_remove(actor=manager, exception=row)
    assert not HoursException.objects.exists()
    assert list(
        Event.objects.filter(type__startswith="hours.exception").values_list("type", flat=True)
    ) == ["hours.exception_added", "hours.exception_removed"]


def test_clearing_the_hours_makes_the_channel_24_7(manager, channel_a):
    assert staffed_hours_clear(actor=manager, channel=channel_a) is False
    _set(manager, [channel_a])
    assert staffed_hours_clear(actor=manager, channel=channel_a) is True
    assert not StaffedHours.objects.filter(channel=channel_a).exists()
    assert Event.objects.get(type="hours.cleared").data["before"]["holiday_region"] == "GB-ENG"


def test_out_of_hours_texts_are_checked_and_logged(manager, officer, channel_a):
    texts = {
        "reply": True,
        "public": False,
        "text": "We are back {reopens}. {emergency}",
        "emergency_text": "Call 999 in an emergency.",
    }
    with pytest.raises(ValidationError, match="staffed 24/7"):
        out_of_hours_texts_set(actor=manager, channel=channel_a, **texts)
    _set(manager, [channel_a])
    with pytest.raises(ValidationError):
        out_of_hours_texts_set(
            actor=manager, channel=channel_a, **{**texts, "text": "Back {when}."}
        )
    with pytest.raises(PermissionDenied):
        out_of_hours_texts_set(actor=officer, channel=channel_a, **texts)
    out_of_hours_texts_set(actor=manager, channel=channel_a, **texts)
    hours = StaffedHours.objects.get(channel=channel_a)
    assert hours.out_of_hours_text == "We are back {reopens}. {emergency}"
    event = Event.objects.get(type="autoreply.texts_changed")
    assert event.data["after"]["emergency_text"] == "Call 999 in an emergency."


def test_a_public_reply_too_long_for_x_is_refused(manager, channel_a):
    _set(manager, [channel_a])
    with pytest.raises(ValidationError, match="As a public reply"):
        out_of_hours_texts_set(
            actor=manager,
            channel=channel_a,
            reply=True,
            public=True,
            text="Closed. " * 40 + "{reopens}",
            emergency_text="Call 999.",
        )
    assert not Event.objects.filter(type="autoreply.texts_changed").exists()
