"""Profile checks per channel (issue 20 point 8, seed 000): read from each
network's profile endpoint in the sandbox over HTTP (tweepy's users/me,
facebook-sdk's Page fields and settings), stored per channel, shown on the
channels page with how to fix each item."""

from __future__ import annotations

import pytest
from django.urls import reverse

from escalation import tasks
from escalation.selectors import hours_statements
from escalation.services.profile_checks import channel_profile_check, profile_checks_run
from events.models import Event
from inbox.models import ProfileCheck
from tests.inbox.facebook_support import (
    PAGE_ID,
    fb_channel_fixture,  # noqa: F401 (fixture)
)

pytestmark = pytest.mark.django_db

LIST = reverse("channels:list")


def statuses(check: ProfileCheck) -> dict[str, bool | None]:
    return {r["key"]: r["ok"] for r in check.results}


def set_profile(sandbox, network: str, account_id: str, **fields) -> None:
    sandbox.post("/_sandbox/profile", {"network": network, "account_id": account_id, **fields})


def test_a_complete_x_profile_passes_every_check(sandbox, x_channel):
    statement = hours_statements(channels=[x_channel])[x_channel.pk]
    set_profile(
        sandbox,
        "x",
        "999",
        verified=True,
        dms_open=True,
        bio=f"Riverside Council. {statement} Report it: riverside.gov.uk",
        picture=True,
        banner=True,
    )
    check = channel_profile_check(channel_id=x_channel.pk)
    assert statuses(check) == {
        "verified": True,
        "dms": True,
        "bio": True,
        "bio_hours": True,
        "picture": True,
        "banner": True,
    }
    assert check.failing == [] and check.error == ""
    assert all(r["fix"] == "" for r in check.results)


def test_an_incomplete_x_profile_says_what_to_fix(sandbox, x_channel):
    set_profile(
        sandbox, "x", "999", verified=False, dms_open=False, bio="", picture=False, banner=False
    )
    check = channel_profile_check(channel_id=x_channel.pk)
    assert set(statuses(check).values()) == {False}
    fixes = {r["key"]: r["fix"] for r in check.results}
    assert "message requests from everyone" in fixes["dms"]
    # The fix for the missing statement quotes the statement itself.
    statement = hours_statements(channels=[x_channel])[x_channel.pk]
    assert statement in fixes["bio_hours"]
    assert Event.objects.filter(type="channel.profile_checked").count() == 1


def test_a_bio_without_the_hours_statement_fails_only_that_check(sandbox, x_channel):
    set_profile(sandbox, "x", "999", verified=True, bio="Official account of Riverside Council")
    result = statuses(channel_profile_check(channel_id=x_channel.pk))
    assert (result["bio"], result["bio_hours"]) == (True, False)


def test_the_facebook_page_is_read_from_graph_fields_and_settings(sandbox, fb_channel):
    statement = hours_statements(channels=[fb_channel])[fb_channel.pk]
    set_profile(
        sandbox,
        "fb",
        PAGE_ID,
        verified=True,
        dms_open=False,
        bio=statement.replace("\u2013", "-"),  # typed with a hyphen: still the statement
        picture=False,
        banner=True,
    )
    check = channel_profile_check(channel_id=fb_channel.pk)
    assert statuses(check) == {
        "verified": True,
        "dms": False,
        "bio": True,
        "bio_hours": True,
        "picture": False,
        "banner": True,
    }
    fixes = {r["key"]: r["fix"] for r in check.results if r["fix"]}
    assert set(fixes) == {"dms", "picture"} and "silhouette" in fixes["picture"]


def test_a_failed_read_keeps_the_last_results_and_says_why(sandbox, x_channel):
    set_profile(sandbox, "x", "999", verified=True)
    first = channel_profile_check(channel_id=x_channel.pk)
    sandbox.post(
        "/_sandbox/faults",
        {"network": "x", "method": "GET", "path": r"/2/users/me", "kind": "server_error"},
    )
    again = channel_profile_check(channel_id=x_channel.pk)
    assert again.results == first.results and again.checked_at == first.checked_at
    assert again.error.startswith("Could not read the profile")


def test_only_changes_are_recorded_as_events(sandbox, x_channel):
    set_profile(sandbox, "x", "999", verified=False)
    channel_profile_check(channel_id=x_channel.pk)
    channel_profile_check(channel_id=x_channel.pk)
    assert Event.objects.filter(type="channel.profile_checked").count() == 1
    set_profile(sandbox, "x", "999", verified=True)
    channel_profile_check(channel_id=x_channel.pk)
    last = Event.objects.filter(type="channel.profile_checked").order_by("pk").last()
    assert "verified" in last.data["fixed"]


def test_the_beat_task_checks_every_active_channel(sandbox, x_channel, fb_channel):
    assert tasks.check_profiles() == {"checked": 2, "failed": 0}
    assert ProfileCheck.objects.count() == 2
    assert profile_checks_run().checked == 2


def test_the_channels_page_shows_each_check_with_how_to_fix_it(
    client, admin_user, sandbox, x_channel
):
    set_profile(sandbox, "x", "999", verified=True, dms_open=False, bio="Hello", banner=False)
    channel_profile_check(channel_id=x_channel.pk)
    client.force_login(admin_user)
    page = client.get(LIST).content.decode()
    assert "Profile: 3 things to fix" in page
    assert "Open to direct messages from everyone" in page
    assert "How to fix it:" in page and "Edit profile: upload a header image" in page


def test_an_admin_asks_for_a_check_now_and_others_may_not(
    client, admin_user, officer, sandbox, x_channel, django_capture_on_commit_callbacks
):
    from socialdesk.celery import app

    url = reverse("channels:profile_check", args=[x_channel.pk])
    client.force_login(officer)
    assert client.post(url).status_code == 403
    client.force_login(admin_user)
    app.conf.task_always_eager = True  # the task runs here, at commit
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url)
    finally:
        app.conf.task_always_eager = False
    assert response.status_code == 302
    assert Event.objects.filter(type="channel.profile_check_requested").count() == 1
    assert ProfileCheck.objects.filter(channel=x_channel).exists()
