"""Settings, labels: usage counts, create (the same service as the inline
form in a conversation), rename, recolour, delete. A manager changes a label
only while every conversation it tags is on their teams' channels."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.urls import reverse

from events.models import Event
from inbox import content_selectors
from inbox.models import Label
from inbox.services import labels as service
from tests.factories import LabelFactory

pytestmark = pytest.mark.django_db

HOSTILE = "<img src=x onerror=alert(1)>"


def _changes() -> list[str]:
    return list(
        Event.objects.filter(
            Q(type__startswith="label.") | Q(type="conversation.unlabelled")
        ).values_list("type", flat=True)
    )


def _state():
    return sorted(Label.objects.values_list("pk", "name", "colour"))


@pytest.fixture
def complaint(conversation_a):
    label = LabelFactory(name="Complaint")
    conversation_a.labels.add(label)
    return label


@pytest.fixture
def shared(conversation_a, conversation_b):
    label = LabelFactory(name="Roads")
    conversation_a.labels.add(label)
    conversation_b.labels.add(label)
    return label


# --- service and selector -----------------------------------------------------------------


def test_usage_counts_say_how_much_of_it_is_elsewhere(manager, admin_user, complaint, shared):
    rows = {
        lb.name: (lb.uses, lb.uses_elsewhere)
        for lb in content_selectors.labels_with_usage(user=manager)
    }
    assert rows == {"Complaint": (1, 0), "Roads": (2, 1)}
    rows = {
        lb.name: lb.uses_elsewhere for lb in content_selectors.labels_with_usage(user=admin_user)
    }
    assert rows == {"Complaint": 0, "Roads": 0}


def test_a_manager_renames_and_recolours_a_label_of_their_channels(manager, complaint):
    service.label_update(label=complaint, actor=manager, name="Complaints", colour="#1D70B8")
    complaint.refresh_from_db()
    assert (complaint.name, complaint.colour) == ("Complaints", "#1d70b8")
    event = Event.objects.get(type="label.updated")
    assert event.data["before"] == {"name": "Complaint", "colour": "#505a5f"}


@pytest.mark.parametrize(
    ("name", "colour", "problem"),
    [
        ("", "#1d70b8", "needs a name"),
        ("x" * 61, "#1d70b8", "at most 60"),
        ("Roads", "#1d70b8", "already a label"),
        ("Fine", "blue", "Choose a colour"),
        ("Fine", "#12345", "Choose a colour"),
    ],
)
def test_a_bad_name_or_colour_is_refused(manager, complaint, name, colour, problem):
    LabelFactory(name="roads")
    before = _state()
    with pytest.raises(ValidationError) as err:
        service.label_update(label=complaint, actor=manager, name=name, colour=colour)
    assert problem in " ".join(err.value.messages)
    assert _state() == before and not _changes()


def test_deleting_takes_it_off_every_conversation_with_a_trace(admin_user, shared, conversation_a):
    assert service.label_delete(label=shared, actor=admin_user) == 2
    assert not Label.objects.exists()
    assert conversation_a.labels.count() == 0
    off = Event.objects.filter(type="conversation.unlabelled")
    assert off.count() == 2 and {e.data["label"] for e in off} == {"Roads"}
    assert Event.objects.get(type="label.deleted").data["conversations"] == 2


def test_a_manager_cannot_change_a_label_other_teams_use(manager, shared):
    before = _state()
    with pytest.raises(PermissionDenied, match="admin"):
        service.label_update(label=shared, actor=manager, name="Mine", colour="#1d70b8")
    with pytest.raises(PermissionDenied):
        service.label_delete(label=shared, actor=manager)
    assert _state() == before and not _changes()


def test_another_teams_manager_cannot_change_team_as_label(manager_b, complaint):
    before = _state()
    with pytest.raises(PermissionDenied):
        service.label_update(label=complaint, actor=manager_b, name="Mine", colour="#1d70b8")
    with pytest.raises(PermissionDenied):
        service.label_delete(label=complaint, actor=manager_b)
    assert _state() == before and not _changes()


def test_officers_change_nothing(officer, complaint):
    with pytest.raises(PermissionDenied):
        service.label_create(actor=officer, name="Mine")
    with pytest.raises(PermissionDenied):
        service.label_update(label=complaint, actor=officer, name="Mine", colour="#1d70b8")
    with pytest.raises(PermissionDenied):
        service.label_delete(label=complaint, actor=officer)
    assert Label.objects.get().name == "Complaint"


# --- pages -------------------------------------------------------------------------------


def test_the_page_lists_counts_and_creates_a_label_escaped(client, manager, complaint, shared):
    client.force_login(manager)
    url = reverse("console:labels")
    page = client.get(url).content.decode()
    assert "Complaint" in page and "Also used by other teams" in page
    assert reverse("console:label_edit", args=[complaint.pk]) in page
    assert reverse("console:label_edit", args=[shared.pk]) not in page
    assert client.post(url, {"name": HOSTILE}).status_code == 302
    page = client.get(url).content.decode()
    assert HOSTILE not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    duplicate = client.post(url, {"name": "complaint"})
    assert duplicate.status_code == 422 and "already a label" in duplicate.content.decode()


def test_the_page_renames_and_deletes(client, manager, complaint, conversation_a):
    client.force_login(manager)
    edit = reverse("console:label_edit", args=[complaint.pk])
    assert client.get(edit).status_code == 200
    saved = client.post(edit, {"name": "Complaints", "colour": "#005a30"})
    assert saved.status_code == 302
    assert Label.objects.get().colour == "#005a30"
    delete = reverse("console:label_delete", args=[complaint.pk])
    confirm = client.get(delete).content.decode()
    assert "taken off the 1 conversation" in confirm
    assert client.post(delete).status_code == 302
    assert not Label.objects.exists() and conversation_a.labels.count() == 0


def test_pages_refuse_officers_and_other_teams_managers(client, officer, manager_b, complaint):
    before = _state()
    client.force_login(officer)
    assert client.get(reverse("console:labels")).status_code == 403
    assert client.post(reverse("console:labels"), {"name": "x"}).status_code == 403
    edit = reverse("console:label_edit", args=[complaint.pk])
    delete = reverse("console:label_delete", args=[complaint.pk])
    assert client.post(edit, {"name": "x", "colour": "#1d70b8"}).status_code == 403
    assert client.post(delete).status_code == 403
    client.force_login(manager_b)
    assert client.post(edit, {"name": "x", "colour": "#1d70b8"}).status_code == 403
    assert client.post(delete).status_code == 403
    assert _state() == before and not _changes()


# --- API ---------------------------------------------------------------------------------


def test_the_api_lists_creates_updates_and_deletes(api, manager, complaint):
    client = api(manager)
    rows = client.get(reverse("settings_api:label_list")).json()
    assert rows == [
        {
            "id": complaint.pk,
            "name": "Complaint",
            "colour": "#505a5f",
            "uses": 1,
            "uses_elsewhere": 0,
        }
    ]
    made = client.post(reverse("settings_api:label_create"), {"name": "Praise"}, format="json")
    assert made.status_code == 201 and made.json()["uses"] == 0
    changed = client.post(
        reverse("settings_api:label_update", args=[complaint.pk]),
        {"name": "Complaints", "colour": "#4c2c92"},
        format="json",
    )
    assert changed.status_code == 200 and changed.json()["colour"] == "#4c2c92"
    gone = client.post(reverse("settings_api:label_delete", args=[complaint.pk]))
    assert gone.json() == {"conversations": 1}


def test_the_api_refuses_the_same_people(api, officer, manager_b, manager, complaint, shared):
    before = _state()
    assert api(officer).get(reverse("settings_api:label_list")).status_code == 403
    update = {"name": "x", "colour": "#1d70b8"}
    other = api(manager_b)
    url = reverse("settings_api:label_update", args=[complaint.pk])
    assert other.post(url, update, format="json").status_code == 403
    assert other.post(reverse("settings_api:label_delete", args=[complaint.pk])).status_code == 403
    assert (
        api(manager).post(reverse("settings_api:label_delete", args=[shared.pk])).status_code == 403
    )
    bad = api(manager).post(url, {"name": "x", "colour": "red"}, format="json")
    assert bad.status_code == 400 and "Choose a colour" in bad.json()["detail"]
    assert _state() == before and not _changes()
