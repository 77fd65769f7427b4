"""The staffed-hours pages: the weekly grid, closures, the week's preview and
the refusals (an officer: 403; another team's manager: 404; nothing changes)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from escalation.models import HoursException, OpeningInterval, StaffedHours
from events.models import Event

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def _grid(rows, *, region="GB-ENG", zone="Europe/London", **extra):
    data = {
        "intervals-TOTAL_FORMS": str(len(rows)),
        "intervals-INITIAL_FORMS": "0",
        "intervals-MIN_NUM_FORMS": "0",
        "intervals-MAX_NUM_FORMS": "70",
        "time_zone": zone,
        "holiday_region": region,
        **extra,
    }
    for i, row in enumerate(rows):
        day, start, end, *rest = (*row, False)
        data.update(
            {
                f"intervals-{i}-weekday": str(day),
                f"intervals-{i}-start": start,
                f"intervals-{i}-end": end,
            }
        )
        if rest[0]:
            data[f"intervals-{i}-overnight"] = "on"
    return data


def test_the_list_shows_the_managers_channels_only(client, manager, channel_a, channel_b):
    client.force_login(manager)
    page = client.get(reverse("console:hours"))
    assert page.status_code == 200
    assert b"Riverside Council" in page.content
    assert b"Riverside Highways" not in page.content
    assert b"Staffed 24 hours a day" in page.content


def test_a_manager_saves_a_split_shift_week(client, manager, channel_a):
    client.force_login(manager)
    url = reverse("console:hours_edit", args=[channel_a.pk])
    rows = [(d, "08:00", "12:00") for d in range(5)] + [(d, "13:00", "17:00") for d in range(5)]
    response = client.post(url, _grid([*rows, ("", "", "")]))
    assert response.status_code == 302
    hours = StaffedHours.objects.get(channel=channel_a)
    assert hours.holiday_region == "GB-ENG"
    assert OpeningInterval.objects.filter(hours=hours).count() == 10
    page = client.get(url)
    text = page.content.decode()
    assert "Staffed Mon–Fri 8am–noon and 1pm–5pm (UK time)" in text  # noqa: RUF001
    assert "The coming week" in text and "08:00 to 12:00, 13:00 to 17:00" in text
    assert Event.objects.filter(type="hours.changed", actor=manager).count() == 1


def test_add_another_interval_works_without_javascript_and_saves_nothing(
    client, manager, channel_a
):
    client.force_login(manager)
    url = reverse("console:hours_edit", args=[channel_a.pk])
    page = client.post(url, _grid([(0, "08:00", "12:00")], add_interval="1"))
    assert page.status_code == 200
    assert b'name="intervals-1-start"' in page.content
    assert b'value="08:00"' in page.content
    assert not StaffedHours.objects.exists()


def test_overlaps_and_backwards_shifts_get_an_error_summary_and_nothing_is_saved(
    client, manager, channel_a, hours_a
):
    client.force_login(manager)
    url = reverse("console:hours_edit", args=[channel_a.pk])
    page = client.post(
        url, _grid([(0, "08:00", "12:00"), (0, "11:00", "14:00"), (2, "17:00", "09:00")])
    )
    assert page.status_code == 422
    text = page.content.decode()
    assert "There is a problem" in text and "Nothing was saved" in text
    assert "Interval 2: Mon 11:00 to 14:00 overlaps Mon 08:00 to 12:00." in text
    assert "Interval 3: Wed 17:00 to 09:00 ends before it starts." in text
    assert 'href="#id_intervals-2-weekday"' in text
    assert OpeningInterval.objects.filter(hours=hours_a).count() == 11
    assert Event.objects.filter(type="hours.changed").count() == 1  # the fixture's


def test_a_night_shift_is_saved_when_ticked(client, manager, channel_a):
    client.force_login(manager)
    url = reverse("console:hours_edit", args=[channel_a.pk])
    assert client.post(url, _grid([(4, "22:00", "06:00", True)])).status_code == 302
    interval = OpeningInterval.objects.get(hours__channel=channel_a)
    assert (interval.start.hour, interval.end.hour) == (22, 6)


def test_an_unknown_region_is_refused(client, manager, channel_a):
    client.force_login(manager)
    url = reverse("console:hours_edit", args=[channel_a.pk])
    page = client.post(url, _grid([(0, "08:00", "12:00")], region="ZZ-TOP"))
    assert page.status_code == 422
    assert b"Closed on the public holidays of" in page.content
    assert not StaffedHours.objects.exists()


def test_closures_are_added_shown_in_the_week_and_removed(client, manager, channel_a, hours_a):
    client.force_login(manager)
    tomorrow = datetime.now(LONDON).date() + timedelta(days=1)
    add = reverse("console:hours_exception_add", args=[channel_a.pk])
    response = client.post(
        add, {"kind": "closed", "reason": "Team training", "starts_on": tomorrow.isoformat()}
    )
    assert response.status_code == 302
    page = client.get(reverse("console:hours_edit", args=[channel_a.pk])).content.decode()
    row = page[page.index(f'data-day="{tomorrow.isoformat()}"') :]
    row = row[: row.index("</tr>")]
    assert "Not staffed" in row and "Team training" in row
    closure = HoursException.objects.get()
    remove = reverse("console:hours_exception_remove", args=[channel_a.pk, closure.pk])
    assert client.post(remove).status_code == 302
    assert not HoursException.objects.exists()


def test_a_closure_without_a_reason_is_explained(client, manager, channel_a, hours_a):
    client.force_login(manager)
    add = reverse("console:hours_exception_add", args=[channel_a.pk])
    page = client.post(add, {"kind": "closed", "reason": "", "starts_on": "2026-12-24"})
    assert page.status_code == 422
    assert b"There is a problem" in page.content
    assert not HoursException.objects.exists()


def test_the_page_shows_seven_days_and_whether_staffed_now(client, manager, channel_a, hours_a):
    client.force_login(manager)
    page = client.get(reverse("console:hours_edit", args=[channel_a.pk])).content.decode()
    assert "Staffed now" in page or "Not staffed now" in page
    assert page.count("data-day=") == 7


def test_officers_get_403_and_other_managers_404_and_nothing_changes(
    client, officer, other_manager, channel_a, hours_a
):
    urls = [
        ("get", reverse("console:hours_edit", args=[channel_a.pk])),
        ("post", reverse("console:hours_edit", args=[channel_a.pk])),
        ("post", reverse("console:hours_exception_add", args=[channel_a.pk])),
        ("post", reverse("console:hours_clear", args=[channel_a.pk])),
    ]
    data = _grid([(1, "09:00", "10:00")], region="")
    for user, expected in ((officer, 403), (other_manager, 404)):
        client.force_login(user)
        for method, url in urls:
            response = getattr(client, method)(url, data) if method == "post" else client.get(url)
            assert response.status_code == expected, (user, url)
    client.force_login(officer)
    assert client.get(reverse("console:hours")).status_code == 403
    assert OpeningInterval.objects.filter(hours=hours_a).count() == 11
    assert StaffedHours.objects.get(channel=channel_a).holiday_region == "GB-ENG"
    assert Event.objects.filter(type__startswith="hours.").count() == 1


def test_a_manager_gives_the_same_hours_to_another_of_their_channels(
    client, manager, channel_a, team_a
):
    from tests.factories import ChannelFactory

    second = ChannelFactory(name="Council Facebook", network="facebook", covered_by=[team_a])
    client.force_login(manager)
    url = reverse("console:hours_edit", args=[channel_a.pk])
    page = client.get(url)
    assert b"Also give these channels the same hours" in page.content
    data = _grid([(0, "09:00", "17:00")], also_channels=[str(second.pk)])
    assert client.post(url, data).status_code == 302
    assert StaffedHours.objects.filter(channel__in=[channel_a, second]).count() == 2
