"""Personal saved views: the services, their events and who sees what."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict

from events.models import Event
from inbox import selectors
from inbox.services.saved_views import (
    MAX_PER_OWNER,
    saved_view_create,
    saved_view_delete,
    saved_view_params,
    saved_view_rename,
)


def test_params_are_normalised_through_the_lists_filters():
    raw = QueryDict(
        "view=mine&channel=7&status=bogus&priority=3&label=x&needs_reply=on&sort=recent&page=4&q=zz"
    )
    assert saved_view_params(raw) == {
        "view": "mine",
        "channel": "7",
        "priority": "3",
        "needs_reply": "on",
    }
    assert saved_view_params(QueryDict("view=all&sort=due")) == {"sort": "due"}


@pytest.mark.django_db
def test_creating_keeps_the_filters_and_records_an_event(officer, team_a):
    view = saved_view_create(
        owner=officer,
        name="  My   Facebook  ",
        params={"network": "facebook", "sort": "due", "page": "3"},
        team=team_a,
    )
    assert view.name == "My Facebook"
    assert view.query == {"network": "facebook", "sort": "due"}
    event = Event.objects.get(type="saved_view.created")
    assert event.actor_id == officer.pk
    assert event.data["saved_view_id"] == view.pk and event.data["team_id"] == team_a.pk


@pytest.mark.django_db
def test_names_are_unique_per_owner_ignoring_case(officer, teammate):
    saved_view_create(owner=officer, name="Bins", params={})
    with pytest.raises(ValidationError, match="already have a view called"):
        saved_view_create(owner=officer, name="bins", params={})
    # Another person may use the same name.
    saved_view_create(owner=teammate, name="Bins", params={})
    with pytest.raises(ValidationError, match="name"):
        saved_view_create(owner=officer, name="   ", params={})


@pytest.mark.django_db
def test_a_view_is_shared_only_with_one_of_the_owners_teams(officer, team_b):
    with pytest.raises(ValidationError, match="team you belong to"):
        saved_view_create(owner=officer, name="Roads", params={}, team=team_b)


@pytest.mark.django_db
def test_an_owner_has_at_most_so_many_views(officer):
    for n in range(MAX_PER_OWNER):
        saved_view_create(owner=officer, name=f"v{n}", params={})
    with pytest.raises(ValidationError, match="delete one first"):
        saved_view_create(owner=officer, name="one more", params={})


@pytest.mark.django_db
def test_members_of_the_team_see_a_shared_view_and_nobody_else_a_private_one(
    officer, teammate, other_officer, team_a
):
    shared = saved_view_create(owner=officer, name="Team queue", params={}, team=team_a)
    private = saved_view_create(owner=officer, name="Mine only", params={"view": "mine"})
    own = saved_view_create(owner=teammate, name="Tom's", params={})
    assert [v.pk for v in selectors.saved_views_for(user=officer)] == [private.pk, shared.pk]
    # Own views first, then the shared ones.
    assert [v.pk for v in selectors.saved_views_for(user=teammate)] == [own.pk, shared.pk]
    assert selectors.saved_views_for(user=other_officer) == []
    assert selectors.saved_view_get_for_user(user=teammate, pk=shared.pk) == shared
    with pytest.raises(Http404):
        selectors.saved_view_get_for_user(user=teammate, pk=private.pk)
    with pytest.raises(Http404):
        selectors.saved_view_get_for_user(user=other_officer, pk=shared.pk)


@pytest.mark.django_db
def test_only_the_owner_renames_or_deletes(officer, teammate, team_a):
    view = saved_view_create(owner=officer, name="Queue", params={}, team=team_a)
    with pytest.raises(PermissionDenied):
        saved_view_rename(saved_view=view, actor=teammate, name="Mine now")
    with pytest.raises(PermissionDenied):
        saved_view_delete(saved_view=view, actor=teammate)
    saved_view_rename(saved_view=view, actor=officer, name="Morning queue")
    view.refresh_from_db()
    assert view.name == "Morning queue"
    renamed = Event.objects.get(type="saved_view.renamed")
    assert renamed.data["from"] == "Queue" and renamed.data["to"] == "Morning queue"
    saved_view_delete(saved_view=view, actor=officer)
    assert selectors.saved_views_for(user=officer) == []
    assert Event.objects.get(type="saved_view.deleted").data["name"] == "Morning queue"


@pytest.mark.django_db
def test_renaming_onto_another_of_ones_views_is_refused(officer):
    saved_view_create(owner=officer, name="Bins", params={})
    other = saved_view_create(owner=officer, name="Roads", params={})
    with pytest.raises(ValidationError, match="already have a view called"):
        saved_view_rename(saved_view=other, actor=officer, name="BINS")
    # A change of case of its own name is a rename, not a clash.
    saved_view_rename(saved_view=other, actor=officer, name="ROADS")
