"""Per-team roles (issue 18): a person acts on a channel with the role they
hold in the teams covering it; admin is global; a viewer reads and changes
nothing. The role per channel and per team is read from the per-request memo
(accounts.access._reach), so asking it costs no query."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts import access
from accounts.models import Role, User
from tests.factories import MembershipFactory


def _fresh(user) -> User:
    # A new object: nothing memoised from earlier calls.
    return User.objects.get(pk=user.pk)


@pytest.mark.django_db
def test_a_manager_of_team_a_is_an_officer_on_team_b(
    manager, team_a, team_b, channel_a, channel_b, conversation_a, conversation_b
):
    MembershipFactory(user=manager, team=team_b, role=Role.OFFICER)
    user = _fresh(manager)
    assert access.role_of(user) == Role.MANAGER  # the navigation's highest role
    assert access.role_for_channel(user, channel_a) == Role.MANAGER
    assert access.role_for_channel(user, channel_b) == Role.OFFICER
    assert access.can_manage_channel(user, channel_a)
    assert not access.can_manage_channel(user, channel_b)
    assert access.can_manage_team(user, team_a.pk)
    assert not access.can_manage_team(user, team_b.pk)
    assert access.managed_team_ids(user) == [team_a.pk]
    assert list(access.channels_managed_by(user)) == [channel_a]
    assert access.can_act_on(user, conversation_b)
    assert access.can_manage_conversation(user, conversation_a)
    assert not access.can_manage_conversation(user, conversation_b)


@pytest.mark.django_db
def test_on_a_channel_two_teams_cover_the_higher_role_holds(manager, team_b, channel_a):
    channel_a.teams.add(team_b)
    MembershipFactory(user=manager, team=team_b, role=Role.VIEWER)
    assert access.role_for_channel(_fresh(manager), channel_a) == Role.MANAGER


@pytest.mark.django_db
def test_a_viewer_sees_their_teams_channels_and_acts_on_nothing(
    team_b, channel_a, channel_b, conversation_b, django_user_model
):
    auditor = django_user_model.objects.create_user("auditor", password="x" * 12)
    MembershipFactory(user=auditor, team=team_b, role=Role.VIEWER)
    user = _fresh(auditor)
    assert list(access.channels_visible_to(user)) == [channel_b]
    assert access.can_see_channel(user, channel_b)
    assert not access.can_act_on(user, conversation_b)
    assert not access.channels_actionable_by(user).exists()
    assert not access.conversations_actionable_by(user).exists()
    assert access.overseen_team_ids(user) == [team_b.pk]
    assert access.managed_team_ids(user) == []
    with pytest.raises(PermissionDenied, match="read this conversation but not change it"):
        access.ensure_can_act(user, conversation_b)


@pytest.mark.django_db
def test_admin_is_admin_on_every_team_and_channel(admin_user, team_b, channel_b):
    user = _fresh(admin_user)
    assert access.role_for_channel(user, channel_b) == Role.ADMIN
    assert access.can_manage_team(user, team_b.pk)
    assert team_b.pk in access.managed_team_ids(user)


@pytest.mark.django_db
def test_roles_per_channel_and_team_cost_no_query_once_read(
    manager, team_b, channel_a, channel_b, django_assert_num_queries
):
    MembershipFactory(user=manager, team=team_b, role=Role.OFFICER)
    user = _fresh(manager)
    with django_assert_num_queries(1):
        access.role_for_channel(user, channel_a)
    with django_assert_num_queries(0):
        for _ in range(5):
            access.role_for_channel(user, channel_b)
            access.can_manage_channel(user, channel_a)
            access.can_manage_team(user, team_b.pk)
            access.managed_team_ids(user)
            access.overseen_team_ids(user)


@pytest.mark.django_db
def test_forget_drops_the_memo_after_a_membership_changes(manager, team_b, channel_b):
    user = _fresh(manager)
    assert access.role_for_channel(user, channel_b) is None
    MembershipFactory(user=manager, team=team_b, role=Role.MANAGER)
    assert access.role_for_channel(user, channel_b) is None  # memoised
    access.forget(user)
    assert access.role_for_channel(user, channel_b) == Role.MANAGER


@pytest.mark.django_db
def test_a_viewer_reads_the_pane_without_controls_and_an_officer_gets_them(
    client, team_b, other_officer, conversation_b, django_user_model
):
    auditor = django_user_model.objects.create_user("auditor", password="x" * 12)
    MembershipFactory(user=auditor, team=team_b, role=Role.VIEWER)
    url = reverse("inbox:conversation", args=[conversation_b.pk])
    client.force_login(auditor)
    page = client.get(url).content.decode()
    assert "You can read this conversation but not change it" in page
    assert 'id="composer"' not in page and 'id="controls"' not in page
    assert reverse("inbox:note", args=[conversation_b.pk]) not in page
    client.force_login(other_officer)
    page = client.get(url).content.decode()
    assert "You can read this conversation but not change it" not in page
    assert 'id="composer"' in page and 'id="controls"' in page


def test_a_viewer_is_offered_no_bulk_actions_in_the_list(
    client, team_b, other_officer, conversation_b, django_user_model
):
    auditor = django_user_model.objects.create_user("auditor", password="x" * 12)
    MembershipFactory(user=auditor, team=team_b, role=Role.VIEWER)
    client.force_login(auditor)
    page = client.get(reverse("inbox:list")).content.decode()
    fragment = client.get(reverse("inbox:list"), HTTP_HX_REQUEST="true").content.decode()
    assert f'data-id="{conversation_b.pk}"' in page and f'data-id="{conversation_b.pk}"' in fragment
    for body in (page, fragment):
        assert 'id="bulk-form"' not in body and 'class="row-select' not in body
    client.force_login(other_officer)
    page = client.get(reverse("inbox:list")).content.decode()
    assert 'id="bulk-form"' in page and f'id="sel-{conversation_b.pk}"' in page
