"""The response-target, out-of-hours and bio pages, with their refusals."""

from __future__ import annotations

import pytest
from django.urls import reverse

from escalation.models import ResponseTarget, StaffedHours
from escalation.services.target_settings import response_target_set
from events.models import Event

pytestmark = pytest.mark.django_db


def _target(channel, **extra):
    data = {
        "channel": str(channel.pk) if channel else "",
        "priority": "",
        "target_minutes": "20",
        "limit_minutes": "45",
        "warning_percent": "75",
        "clock": "staffed",
    }
    data.update(extra)
    return data


def test_a_manager_sets_changes_and_removes_a_channel_target(client, manager, channel_a):
    client.force_login(manager)
    page = client.get(reverse("console:targets"))
    assert page.status_code == 200 and b"No targets set" in page.content
    assert client.post(reverse("console:targets"), _target(channel_a)).status_code == 302
    target = ResponseTarget.objects.get(channel=channel_a, priority=None)
    assert (target.target_minutes, target.limit_minutes) == (20, 45)
    # Saving the same scope again changes it rather than adding a second.
    client.post(reverse("console:targets"), _target(channel_a, target_minutes="10"))
    assert ResponseTarget.objects.get().target_minutes == 10
    edit = client.get(reverse("console:targets"), {"edit": target.pk})
    assert b'value="10"' in edit.content
    assert client.post(reverse("console:target_remove", args=[target.pk])).status_code == 302
    assert not ResponseTarget.objects.exists()
    assert list(
        Event.objects.filter(type__startswith="target.policy").values_list("type", flat=True)
    ) == ["target.policy_set", "target.policy_set", "target.policy_removed"]


def test_the_default_target_is_an_admins(client, manager, admin_user, channel_a):
    client.force_login(manager)
    page = client.post(reverse("console:targets"), _target(None))
    assert page.status_code == 422 and b"There is a problem" in page.content
    assert not ResponseTarget.objects.exists()
    client.force_login(admin_user)
    assert client.post(reverse("console:targets"), _target(None)).status_code == 302
    default = ResponseTarget.objects.get(channel=None)
    client.force_login(manager)
    listing = client.get(reverse("console:targets")).content.decode()
    assert "Every channel (default)" in listing and "Set by an admin" in listing
    assert client.post(reverse("console:target_remove", args=[default.pk])).status_code == 403


def test_a_limit_shorter_than_the_target_is_explained(client, manager, channel_a):
    client.force_login(manager)
    page = client.post(reverse("console:targets"), _target(channel_a, limit_minutes="5"))
    assert page.status_code == 422
    assert "The outer limit cannot be shorter than the target." in page.content.decode()


def test_targets_refused_to_officers_and_other_teams(
    client, manager, officer, other_manager, channel_a, channel_b
):
    target = response_target_set(
        actor=manager,
        channel=channel_a,
        priority=None,
        target_minutes=20,
        limit_minutes=40,
        warning_percent=80,
        clock="staffed",
    )
    client.force_login(officer)
    assert client.get(reverse("console:targets")).status_code == 403
    assert client.post(reverse("console:targets"), _target(channel_a)).status_code == 403
    client.force_login(other_manager)
    # Team B's manager cannot pick team A's channel, nor remove its target.
    page = client.post(reverse("console:targets"), _target(channel_a, target_minutes="1"))
    assert page.status_code == 422
    assert client.post(reverse("console:target_remove", args=[target.pk])).status_code == 404
    assert "Riverside Council" not in client.get(reverse("console:targets")).content.decode()
    target.refresh_from_db()
    assert target.target_minutes == 20


def test_out_of_hours_page_saves_and_previews(client, manager, channel_a, hours_a):
    client.force_login(manager)
    url = reverse("console:out_of_hours_edit", args=[channel_a.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"Preview" in page.content
    data = {
        "reply": "on",
        "text": "Sorry, nobody is here. Back {reopens}. {emergency}",
        "emergency_text": "Call 999 if life is at risk.",
    }
    assert client.post(url, data).status_code == 302
    page = client.get(url).content.decode()
    assert "Sorry, nobody is here. Back " in page and "Call 999 if life is at risk." in page
    bad = client.post(url, {**data, "text": "Back {tomorrow}."})
    assert bad.status_code == 422 and "Unknown placeholder" in bad.content.decode()
    assert StaffedHours.objects.get(channel=channel_a).out_of_hours_text == data["text"]


def test_out_of_hours_page_for_a_24_7_channel_points_to_the_hours(client, manager, channel_a):
    client.force_login(manager)
    page = client.get(reverse("console:out_of_hours_edit", args=[channel_a.pk]))
    assert b"Set its staffed hours" in page.content
    assert client.get(reverse("console:out_of_hours")).status_code == 200


def test_out_of_hours_refused_to_officers_and_other_teams(
    client, officer, other_manager, channel_a, hours_a
):
    url = reverse("console:out_of_hours_edit", args=[channel_a.pk])
    data = {"reply": "on", "text": "Gone fishing.", "emergency_text": "999"}
    for user, expected in ((officer, 403), (other_manager, 404)):
        client.force_login(user)
        assert client.get(url).status_code == expected
        assert client.post(url, data).status_code == expected
    assert StaffedHours.objects.get(channel=channel_a).out_of_hours_text != "Gone fishing."
    assert not Event.objects.filter(type="autoreply.texts_changed").exists()


def test_the_bio_page_measures_and_offers_a_copy_button(client, manager, channel_a, hours_a):
    client.force_login(manager)
    page = client.get(reverse("console:bio")).content.decode()
    assert "We aim to reply within 30 minutes while staffed." in page
    assert f'data-copy="bio-{channel_a.pk}"' in page
    assert "characters allowed for a bio on X" in page
    assert "console/copy" in page and "<script>" not in page


def test_the_bio_page_is_refused_to_officers(client, officer, channel_a):
    client.force_login(officer)
    assert client.get(reverse("console:bio")).status_code == 403


def test_the_sections_are_listed_for_managers(client, manager, channel_a):
    client.force_login(manager)
    page = client.get(reverse("console:index")).content.decode()
    for title in ("Staffed hours", "Response targets", "Out-of-hours replies", "Bio statements"):
        assert title in page
