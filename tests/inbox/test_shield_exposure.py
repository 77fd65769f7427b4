"""The abuse shield's exposure: what each officer revealed per week, for
managers (and admins) on the shield page and in the API; officers refused."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from events.models import Event
from inbox.moderation_selectors import shield_exposure
from inbox.services.shield import abuse_term_add
from tests.inbox.ui_data import citizen, conversation_with

LONDON = ZoneInfo("Europe/London")
# A Wednesday; its week starts on Monday 7 December 2026.
NOW = datetime(2026, 12, 9, 12, 0, tzinfo=LONDON)


def _reveal(actor, message, at: datetime) -> None:
    Event.objects.create(
        type="message.revealed",
        at=at,
        actor=actor,
        conversation_id=message.conversation_id,
        message=message,
        data={"message_id": message.pk},
    )


@pytest.fixture
def reveals(officer, teammate, other_officer, admin_user, channel_a, channel_b):
    abuse_term_add(term="scumbag", actor=admin_user)
    ours = conversation_with(channel_a, author=citizen(1), text="scumbag").messages.get()
    theirs = conversation_with(channel_b, author=citizen(2), text="scumbag").messages.get()
    this_week, last_week = NOW - timedelta(days=1), NOW - timedelta(days=8)
    for _ in range(3):
        _reveal(officer, ours, this_week)
    _reveal(officer, ours, last_week)
    _reveal(teammate, ours, last_week)
    # Sunday night is still last week; Monday 00:30 London is this week.
    _reveal(teammate, ours, datetime(2026, 12, 6, 23, 30, tzinfo=LONDON))
    _reveal(teammate, ours, datetime(2026, 12, 7, 0, 30, tzinfo=LONDON))
    # Long ago: outside the table.
    _reveal(officer, ours, NOW - timedelta(days=120))
    # Another team's reveal on another team's channel.
    _reveal(other_officer, theirs, this_week)
    return ours


@pytest.mark.django_db
def test_it_counts_each_officers_reveals_per_week(manager, officer, teammate, reveals):
    exposure = shield_exposure(user=manager, weeks=4, now=NOW)
    assert [w.isoformat() for w in exposure.weeks] == [
        "2026-11-16",
        "2026-11-23",
        "2026-11-30",
        "2026-12-07",
    ]
    table = {row.officer: (row.counts, row.total) for row in exposure.rows}
    assert table == {
        str(officer): ([0, 0, 1, 3], 4),
        str(teammate): ([0, 0, 2, 1], 3),
    }


@pytest.mark.django_db
def test_a_manager_sees_no_other_teams_reveals_and_an_admin_sees_all(
    manager, admin_user, other_officer, reveals
):
    names = [r.officer for r in shield_exposure(user=manager, now=NOW).rows]
    assert str(other_officer) not in names
    names = [r.officer for r in shield_exposure(user=admin_user, now=NOW).rows]
    assert str(other_officer) in names


@pytest.mark.django_db
def test_officers_are_refused(officer, reveals):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        shield_exposure(user=officer)


@pytest.mark.django_db
def test_the_shield_page_shows_the_table_to_managers_only(client, manager, officer, reveals):
    client.force_login(manager)
    body = client.get(reverse("console:abuse_terms")).content.decode()
    assert "Shielded messages revealed, last 8 weeks" in body
    assert f"<bdi>{officer}</bdi>" in body
    client.force_login(officer)
    assert client.get(reverse("console:abuse_terms")).status_code == 403


@pytest.mark.django_db
def test_the_api_gives_managers_the_table_and_refuses_officers(manager, officer, reveals):
    api = APIClient()
    api.force_authenticate(manager)
    data = api.get(reverse("api:shield_exposure")).json()
    assert len(data["weeks"]) == 8
    assert {r["officer"] for r in data["rows"]} >= {str(officer)}
    api.force_authenticate(officer)
    assert api.get(reverse("api:shield_exposure")).status_code == 403
