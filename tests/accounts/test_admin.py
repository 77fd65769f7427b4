from __future__ import annotations

import pytest
from django.urls import reverse

from inbox.models import Channel


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer", "manager"])
def test_officers_and_managers_cannot_reach_the_admin(client, request, who):
    user = request.getfixturevalue(who)
    user.is_staff = True  # even with Django's staff flag set
    user.save()
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert client.get(reverse("admin:inbox_channel_changelist")).status_code == 302


@pytest.mark.django_db
def test_admin_reaches_the_admin(client, admin_user):
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:inbox_channel_changelist")).status_code == 200


@pytest.mark.django_db
def test_admin_never_renders_stored_credentials(client, admin_user, channel_a):
    admin_user.is_staff = True
    admin_user.save()
    channel_a.set_credentials(
        {
            "consumer_key": "ck-visible?",
            "consumer_secret": "cs-SECRET-1",
            "access_token": "999-SECRET-2",
            "access_token_secret": "ats-SECRET-3",
        }
    )
    channel_a.save()
    client.force_login(admin_user)
    body = client.get(reverse("admin:inbox_channel_change", args=[channel_a.pk])).content.decode()
    assert "SECRET" not in body
    assert channel_a.credentials_encrypted not in body
    assert "Stored, encrypted" in body


@pytest.mark.django_db
def test_admin_sets_credentials_write_only_and_blank_keeps_them(
    client, admin_user, channel_a, team_a
):
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    url = reverse("admin:inbox_channel_change", args=[channel_a.pk])
    form = {
        "network": "x",
        "name": channel_a.name,
        "handle": channel_a.handle,
        "external_account_id": channel_a.external_account_id,
        "is_active": "on",
        "teams": [team_a.pk],
        "poll_interval_seconds": 60,
        "cred_consumer_key": "ck",
        "cred_consumer_secret": "cs",
        "cred_access_token": "999-tok",
        "cred_access_token_secret": "ats",
    }
    assert client.post(url, form).status_code == 302
    assert Channel.objects.get().get_credentials()["access_token"] == "999-tok"
    from events.models import Event

    changed = Event.objects.get(type="channel.credentials_changed")
    assert changed.actor == admin_user and "999-tok" not in str(changed.data)
    for key in (
        "cred_consumer_key",
        "cred_consumer_secret",
        "cred_access_token",
        "cred_access_token_secret",
    ):
        form[key] = ""
    form["name"] = "Renamed"
    assert client.post(url, form).status_code == 302
    channel = Channel.objects.get()
    assert channel.name == "Renamed"
    assert channel.get_credentials()["access_token"] == "999-tok"


@pytest.mark.django_db
def test_partial_credentials_are_refused(client, admin_user, channel_a, team_a):
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    url = reverse("admin:inbox_channel_change", args=[channel_a.pk])
    response = client.post(
        url,
        {
            "network": "x",
            "name": channel_a.name,
            "handle": channel_a.handle,
            "external_account_id": channel_a.external_account_id,
            "teams": [team_a.pk],
            "poll_interval_seconds": 60,
            "cred_access_token": "999-tok",
        },
    )
    assert response.status_code == 200
    assert "Also needed" in response.content.decode()
    assert not Channel.objects.get().has_credentials
