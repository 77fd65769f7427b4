"""Teams and memberships settings (issue 18): admins create and rename teams,
add and remove people, set each person's role per team and the channels a
team covers, through services that log each change; pages and API alike.
Officers and managers (of this team or another) are refused and change nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import access
from accounts.models import Membership, Role, Team
from accounts.services import teams
from channels.services.coverage import team_channels_set
from events.models import Event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        sorted(Team.objects.values_list("pk", "name", "slug")),
        sorted(Membership.objects.values_list("team_id", "user_id", "role")),
        sorted(Team.channels.through.objects.values_list("team_id", "channel_id")),
        Event.objects.count(),
    )


# --- services ---------------------------------------------------------------------------


def test_an_admin_creates_and_renames_a_team_with_events(admin_user):
    team = teams.team_create(actor=admin_user, name="  Waste   and recycling ")
    assert (team.name, team.slug) == ("Waste and recycling", "waste-and-recycling")
    teams.team_rename(actor=admin_user, team=team, name="Waste")
    team.refresh_from_db()
    assert (team.name, team.slug) == ("Waste", "waste")
    types = list(Event.objects.order_by("pk").values_list("type", flat=True))
    assert types == ["team.created", "team.renamed"]
    assert Event.objects.get(type="team.renamed").data["from"] == "Waste and recycling"


def test_team_names_are_unique_whatever_the_case(admin_user, team_a):
    with pytest.raises(ValidationError):
        teams.team_create(actor=admin_user, name=team_a.name.upper())
    with pytest.raises(ValidationError):
        teams.team_create(actor=admin_user, name="Two\nlines")


def test_an_admin_sets_roles_per_team(admin_user, officer, team_a, team_b):
    teams.membership_set(actor=admin_user, team=team_b, user=officer, role=Role.VIEWER)
    teams.membership_set(actor=admin_user, team=team_a, user=officer, role=Role.MANAGER)
    roles = dict(Membership.objects.filter(user=officer).values_list("team_id", "role"))
    assert roles == {team_a.pk: Role.MANAGER, team_b.pk: Role.VIEWER}
    added = Event.objects.get(type="team.member_added")
    assert added.data["role"] == "viewer" and added.data["team_id"] == team_b.pk
    changed = Event.objects.get(type="team.role_changed")
    assert (changed.data["previous"], changed.data["role"]) == ("officer", "manager")
    # Setting the same role again changes and logs nothing.
    teams.membership_set(actor=admin_user, team=team_a, user=officer, role=Role.MANAGER)
    assert Event.objects.filter(type__startswith="team.").count() == 2


def test_removing_a_member_is_logged(admin_user, officer, team_a):
    teams.membership_remove(actor=admin_user, team=team_a, user=officer)
    assert not Membership.objects.filter(user=officer).exists()
    assert Event.objects.get(type="team.member_removed").data["user_id"] == officer.pk


def test_the_last_admin_cannot_be_demoted_or_removed(admin_user, team_a):
    with pytest.raises(ValidationError):
        teams.membership_set(actor=admin_user, team=team_a, user=admin_user, role=Role.OFFICER)
    with pytest.raises(ValidationError):
        teams.membership_remove(actor=admin_user, team=team_a, user=admin_user)
    assert Membership.objects.get(user=admin_user).role == Role.ADMIN
    second = UserFactory(username="second-admin")
    teams.membership_set(actor=admin_user, team=team_a, user=second, role=Role.ADMIN)
    teams.membership_set(actor=admin_user, team=team_a, user=admin_user, role=Role.OFFICER)
    assert Membership.objects.get(user=admin_user).role == Role.OFFICER


def test_coverage_changes_are_logged_on_each_channel(admin_user, team_a, channel_a, channel_b):
    changed = team_channels_set(actor=admin_user, team=team_a, channels=[channel_b])
    assert {c.pk for c in changed} == {channel_a.pk, channel_b.pk}
    assert list(team_a.channels.all()) == [channel_b]
    events = {e.channel_id: e.data["change"] for e in Event.objects.filter(type__contains="cover")}
    assert events == {channel_a.pk: "removed", channel_b.pk: "added"}


@pytest.mark.parametrize("who", ["officer", "manager", "other_officer"])
def test_only_admins_change_teams(request, who, team_a, team_b, channel_b, teammate):
    actor = request.getfixturevalue(who)
    before = _snapshot()
    attempts = [
        lambda: teams.team_create(actor=actor, name="Mine"),
        lambda: teams.team_rename(actor=actor, team=team_a, name="Mine"),
        lambda: teams.membership_set(actor=actor, team=team_a, user=teammate, role="manager"),
        lambda: teams.membership_remove(actor=actor, team=team_a, user=teammate),
        lambda: team_channels_set(actor=actor, team=team_a, channels=[channel_b]),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert _snapshot() == before


# --- the role follows the team covering the channel ----------------------------------------


def test_a_manager_of_one_team_is_an_officer_on_another(
    manager, team_b, conversation_a, conversation_b
):
    Membership.objects.create(user=manager, team=team_b, role=Role.OFFICER)
    assert access.role_for_conversation(manager, conversation_a) == Role.MANAGER
    assert access.role_for_conversation(manager, conversation_b) == Role.OFFICER
    assert access.can_manage_conversation(manager, conversation_a)
    assert not access.can_manage_conversation(manager, conversation_b)
    assert access.can_act_on(manager, conversation_b)


def test_a_viewer_sees_but_cannot_act(team_a, conversation_a, conversation_b):
    auditor = UserFactory(username="audrey")
    Membership.objects.create(user=auditor, team=team_a, role=Role.VIEWER)
    assert list(access.conversations_visible_to(auditor)) == [conversation_a]
    assert access.role_for_conversation(auditor, conversation_a) == Role.VIEWER
    assert not access.can_act_on(auditor, conversation_a)
    assert not access.conversations_actionable_by(auditor).exists()
    with pytest.raises(PermissionDenied, match="read this conversation"):
        access.ensure_can_act(auditor, conversation_a)


def test_admin_is_admin_on_every_channel(admin_user, conversation_b, django_user_model):
    assert access.role_for_conversation(admin_user, conversation_b) == Role.ADMIN
    root = django_user_model.objects.create_superuser("root", "root@council.example", "x" * 14)
    assert access.role_for_conversation(root, conversation_b) == Role.ADMIN


# --- pages -----------------------------------------------------------------------------------


def test_the_admin_manages_a_team_through_the_pages(
    client, admin_user, team_a, channel_b, teammate
):
    client.force_login(admin_user)
    page = client.get(reverse("console:teams"))
    assert page.status_code == 200 and b"Customer Services" in page.content
    created = client.post(reverse("console:teams"), {"name": "Parks"})
    parks = Team.objects.get(name="Parks")
    assert created.url == reverse("console:team", args=[parks.pk])
    client.post(
        reverse("console:member_add", args=[parks.pk]),
        {"add-user": teammate.pk, "add-role": "viewer"},
    )
    assert Membership.objects.get(team=parks, user=teammate).role == "viewer"
    client.post(reverse("console:member_role", args=[parks.pk, teammate.pk]), {"role": "manager"})
    assert Membership.objects.get(team=parks, user=teammate).role == "manager"
    client.post(reverse("console:team_channels", args=[parks.pk]), {"channels": [channel_b.pk]})
    assert list(parks.channels.all()) == [channel_b]
    client.post(reverse("console:team_rename", args=[parks.pk]), {"name": "Parks and gardens"})
    detail = client.get(reverse("console:team", args=[parks.pk]))
    assert (
        b"Parks and gardens" in detail.content and teammate.display_name.encode() in detail.content
    )
    client.post(reverse("console:member_remove", args=[parks.pk, teammate.pk]))
    assert not Membership.objects.filter(team=parks, user=teammate).exists()


def test_a_bad_name_is_shown_back(client, admin_user, team_a):
    client.force_login(admin_user)
    page = client.post(reverse("console:teams"), {"name": team_a.name})
    assert page.status_code == 400 and b"There is a problem" in page.content


def test_demoting_the_last_admin_is_refused_with_a_message(client, admin_user, team_a):
    client.force_login(admin_user)
    page = client.post(
        reverse("console:member_role", args=[team_a.pk, admin_user.pk]),
        {"role": "officer"},
        follow=True,
    )
    assert b"last admin" in page.content
    assert Membership.objects.get(user=admin_user).role == "admin"


@pytest.mark.parametrize("who", ["officer", "manager", "other_officer"])
def test_pages_refuse_everyone_but_admins(client, request, who, team_a, teammate, channel_b):
    client.force_login(request.getfixturevalue(who))
    before = _snapshot()
    assert client.get(reverse("console:teams")).status_code == 403
    assert client.get(reverse("console:team", args=[team_a.pk])).status_code == 403
    posts = [
        (reverse("console:teams"), {"name": "Mine"}),
        (reverse("console:team_rename", args=[team_a.pk]), {"name": "Mine"}),
        (
            reverse("console:member_add", args=[team_a.pk]),
            {"add-user": teammate.pk, "add-role": "admin"},
        ),
        (reverse("console:member_role", args=[team_a.pk, teammate.pk]), {"role": "admin"}),
        (reverse("console:member_remove", args=[team_a.pk, teammate.pk]), {}),
        (reverse("console:team_channels", args=[team_a.pk]), {"channels": [channel_b.pk]}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert _snapshot() == before


def test_the_section_is_listed_for_admins_only(client, admin_user, manager):
    client.force_login(admin_user)
    assert b"Teams and roles" in client.get(reverse("console:index")).content
    client.force_login(manager)
    assert b"Teams and roles" not in client.get(reverse("console:index")).content


# --- API -------------------------------------------------------------------------------------


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_the_api_does_what_the_pages_do(admin_user, officer, team_b, channel_a):
    api = _api(admin_user)
    made = api.post(reverse("settings_api:team_create"), {"name": "Parks"}, format="json")
    assert made.status_code == 201
    pk = made.json()["id"]
    api.post(
        reverse("settings_api:member_set", args=[pk]),
        {"user": officer.pk, "role": "viewer"},
        format="json",
    )
    body = api.post(
        reverse("settings_api:channels_set", args=[pk]), {"channels": [channel_a.pk]}, format="json"
    ).json()
    assert body["channels"] == [channel_a.pk]
    assert body["members"] == [
        {"user": officer.pk, "username": "olivia", "name": officer.label, "role": "viewer"}
    ]
    listed = api.get(reverse("settings_api:team_list")).json()
    assert {t["name"]: t["member_count"] for t in listed}["Parks"] == 1
    renamed = api.post(
        reverse("settings_api:team_rename", args=[pk]), {"name": "Parks"}, format="json"
    )
    assert renamed.status_code == 200
    removed = api.post(
        reverse("settings_api:member_remove", args=[pk]), {"user": officer.pk}, format="json"
    ).json()
    assert removed["members"] == []
    bad = api.post(
        reverse("settings_api:channels_set", args=[pk]), {"channels": [0]}, format="json"
    )
    assert bad.status_code == 400
    last = api.post(
        reverse("settings_api:member_set", args=[team_b.pk]),
        {"user": admin_user.pk, "role": "viewer"},
        format="json",
    )
    assert last.status_code == 200  # a second membership, not a demotion


@pytest.mark.parametrize("who", ["officer", "manager", "other_officer"])
def test_the_api_refuses_everyone_but_admins(request, who, team_a, teammate, channel_b):
    api = _api(request.getfixturevalue(who))
    before = _snapshot()
    assert api.get(reverse("settings_api:team_list")).status_code == 403
    assert api.get(reverse("settings_api:team_detail", args=[team_a.pk])).status_code == 403
    posts = [
        ("settings_api:team_create", [], {"name": "Mine"}),
        ("settings_api:team_rename", [team_a.pk], {"name": "Mine"}),
        ("settings_api:member_set", [team_a.pk], {"user": teammate.pk, "role": "admin"}),
        ("settings_api:member_remove", [team_a.pk], {"user": teammate.pk}),
        ("settings_api:channels_set", [team_a.pk], {"channels": [channel_b.pk]}),
    ]
    for name, args, data in posts:
        assert api.post(reverse(name, args=args), data, format="json").status_code == 403, name
    assert _snapshot() == before
