"""Saved views in the pages and the API: saving the list's filters, the views
navigation, renaming and deleting, and the refusals."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from inbox.models import SavedView
from inbox.services.saved_views import saved_view_create

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def shared(officer, team_a):
    return saved_view_create(
        owner=officer,
        name="Facebook, due first",
        params={"network": "facebook", "sort": "due"},
        team=team_a,
    )


@pytest.fixture
def private(officer):
    return saved_view_create(owner=officer, name="My unassigned", params={"view": "unassigned"})


@pytest.mark.django_db
def test_saving_from_the_list_keeps_its_filters(client, officer, team_a, channel_a):
    client.force_login(officer)
    response = client.post(
        reverse("inbox:saved_view_save"),
        {
            "name": "Council due",
            "team": team_a.pk,
            "channel": channel_a.pk,
            "sort": "due",
            "page": 2,
        },
    )
    view = SavedView.objects.get(owner=officer)
    assert (view.name, view.team, view.query) == (
        "Council due",
        team_a,
        {"channel": str(channel_a.pk), "sort": "due"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('inbox:list')}?channel={channel_a.pk}&sort=due"


@pytest.mark.django_db
def test_saving_with_another_teams_share_or_no_name_is_refused(client, officer, team_b):
    client.force_login(officer)
    client.post(reverse("inbox:saved_view_save"), {"name": "x", "team": team_b.pk})
    client.post(reverse("inbox:saved_view_save"), {"name": ""})
    assert not SavedView.objects.exists()
    body = client.get(reverse("inbox:list")).content.decode()
    assert "Give the view a name." in body


@pytest.mark.django_db
def test_the_navigation_lists_saved_views_after_the_built_in_ones(
    client, officer, teammate, shared, private
):
    client.force_login(officer)
    body = client.get(reverse("inbox:sidebar"), {"view": "unassigned"}, **HX).content.decode()
    assert body.index("Resolved") < body.index("Facebook, due first") < body.index("My unassigned")
    # The saved view that matches the list is the current one, not the built-in one.
    assert '<a href="/inbox/?view=unassigned" aria-current="page">' in body
    assert '<a href="/inbox/?view=unassigned">' in body
    client.force_login(teammate)
    body = client.get(reverse("inbox:sidebar"), **HX).content.decode()
    assert "Facebook, due first" in body and "shared by" in body
    assert "My unassigned" not in body


@pytest.mark.django_db
def test_the_counts_poll_keeps_the_saved_view_marked(client, officer, private):
    client.force_login(officer)
    views = client.get(reverse("inbox:counts"), {"view": "unassigned"}).context["my_views"]
    assert [(v["name"], v["current"]) for v in views] == [("My unassigned", True)]


@pytest.mark.django_db
def test_rename_and_delete_from_the_manage_page(client, officer, shared, private):
    client.force_login(officer)
    page = client.get(reverse("inbox:saved_views")).content.decode()
    assert "My unassigned" in page and "Facebook, due first" in page
    response = client.post(
        reverse("inbox:saved_view_rename", args=[private.pk]), {f"v{private.pk}-name": "Nobody's"}
    )
    assert response.status_code == 302
    private.refresh_from_db()
    assert private.name == "Nobody's"
    clash = client.post(
        reverse("inbox:saved_view_rename", args=[private.pk]),
        {f"v{private.pk}-name": "facebook, DUE first"},
    )
    assert clash.status_code == 400 and "already have a view called" in clash.content.decode()
    client.post(reverse("inbox:saved_view_delete", args=[private.pk]))
    assert not SavedView.objects.filter(pk=private.pk).exists()


@pytest.mark.django_db
def test_others_cannot_change_a_view(client, teammate, other_officer, shared, private):
    client.force_login(teammate)
    # Shared with the teammate: visible, but not theirs to change.
    assert client.post(reverse("inbox:saved_view_delete", args=[shared.pk])).status_code == 403
    assert (
        client.post(
            reverse("inbox:saved_view_rename", args=[shared.pk]), {f"v{shared.pk}-name": "x"}
        ).status_code
        == 403
    )
    # Private: not even there.
    assert client.post(reverse("inbox:saved_view_delete", args=[private.pk])).status_code == 404
    client.force_login(other_officer)
    assert client.post(reverse("inbox:saved_view_delete", args=[shared.pk])).status_code == 404
    assert "Facebook, due first" not in client.get(reverse("inbox:saved_views")).content.decode()
    assert SavedView.objects.count() == 2


# --- the API ----------------------------------------------------------------------------


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.mark.django_db
def test_api_creates_lists_renames_and_deletes(officer, teammate, team_a, channel_a):
    api = api_for(officer)
    created = api.post(
        reverse("api:saved_view_create"),
        {"name": "Due on the council", "channel": channel_a.pk, "sort": "due", "team": team_a.pk},
        format="json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["query"] == {"channel": str(channel_a.pk), "sort": "due"}
    assert body["team"]["id"] == team_a.pk and body["mine"] is True
    pk = body["id"]
    theirs = api_for(teammate).get(reverse("api:saved_view_list")).json()
    assert [(v["id"], v["mine"]) for v in theirs] == [(pk, False)]
    renamed = api.post(
        reverse("api:saved_view_rename", args=[pk]), {"name": "Council, due"}, format="json"
    )
    assert renamed.json()["name"] == "Council, due"
    assert api.post(reverse("api:saved_view_delete", args=[pk])).status_code == 204
    assert api.get(reverse("api:saved_view_list")).json() == []


@pytest.mark.django_db
def test_api_refusals(officer, teammate, other_officer, team_b, shared, private):
    api = api_for(officer)
    bad_team = api.post(
        reverse("api:saved_view_create"), {"name": "x", "team": team_b.pk}, format="json"
    )
    assert bad_team.status_code == 400 and "team you belong to" in bad_team.json()["detail"]
    clash = api.post(reverse("api:saved_view_create"), {"name": "MY UNASSIGNED"}, format="json")
    assert clash.status_code == 400 and "already have" in clash.json()["detail"]
    mate = api_for(teammate)
    assert mate.get(reverse("api:saved_view_detail", args=[private.pk])).status_code == 404
    assert mate.get(reverse("api:saved_view_detail", args=[shared.pk])).status_code == 200
    assert mate.post(reverse("api:saved_view_delete", args=[shared.pk])).status_code == 403
    stranger = api_for(other_officer)
    assert stranger.get(reverse("api:saved_view_detail", args=[shared.pk])).status_code == 404
    assert stranger.post(reverse("api:saved_view_delete", args=[private.pk])).status_code == 404
    assert SavedView.objects.count() == 2
