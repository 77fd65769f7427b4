"""The settings area: managers and admins only, and each sees only the
sections their role may open."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import access

pytestmark = pytest.mark.django_db


def test_officer_is_refused_the_settings_area(client, officer):
    client.force_login(officer)
    assert client.get(reverse("console:index")).status_code == 403


def test_manager_and_admin_open_the_settings_area(client, manager, admin_user):
    for user in (manager, admin_user):
        client.force_login(user)
        page = client.get(reverse("console:index"))
        assert page.status_code == 200
        assert b"<h1" in page.content and b"Settings" in page.content


def test_a_manager_manages_only_their_own_teams(manager, admin_user, team_a, team_b):
    assert access.managed_team_ids(manager) == [team_a.pk]
    assert not access.can_manage_team(manager, team_b.pk)
    assert sorted(access.managed_team_ids(admin_user)) == sorted([team_a.pk, team_b.pk])


def test_a_manager_manages_channels_of_their_teams_only(manager, channel_a, channel_b):
    assert access.can_manage_channel(manager, channel_a)
    assert not access.can_manage_channel(manager, channel_b)
    assert list(access.channels_managed_by(manager)) == [channel_a]
