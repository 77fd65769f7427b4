from __future__ import annotations

import pytest

from accounts import access
from tests.factories import MembershipFactory


@pytest.mark.django_db
def test_officer_sees_only_channels_of_their_teams(officer, channel_a, channel_b):
    assert list(access.channels_visible_to(officer)) == [channel_a]


@pytest.mark.django_db
def test_officer_cannot_see_other_teams_conversations(officer, conversation_a, conversation_b):
    assert list(access.conversations_visible_to(officer)) == [conversation_a]
    assert access.can_act_on(officer, conversation_a)
    assert not access.can_act_on(officer, conversation_b)


@pytest.mark.django_db
def test_manager_sees_their_teams_channels_only(manager, channel_a, channel_b):
    assert list(access.channels_visible_to(manager)) == [channel_a]
    assert access.is_manager_or_admin(manager)
    assert not access.can_configure_channels(manager)


@pytest.mark.django_db
def test_member_of_two_teams_sees_both(officer, team_b, channel_a, channel_b):
    MembershipFactory(user=officer, team=team_b)
    assert set(access.channels_visible_to(officer)) == {channel_a, channel_b}


@pytest.mark.django_db
def test_admin_sees_every_channel_and_configures(admin_user, channel_a, channel_b):
    assert set(access.channels_visible_to(admin_user)) == {channel_a, channel_b}
    assert access.can_configure_channels(admin_user)


@pytest.mark.django_db
def test_inactive_user_sees_nothing(officer, channel_a):
    officer.is_active = False
    officer.save()
    assert not access.channels_visible_to(officer).exists()


@pytest.mark.django_db
def test_user_without_team_sees_nothing(channel_a, django_user_model):
    loner = django_user_model.objects.create_user("loner", password="x" * 12)
    assert not access.conversations_visible_to(loner).exists()
