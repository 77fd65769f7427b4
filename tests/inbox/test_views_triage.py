"""The header's triage controls through the pages: each posts to one view,
which calls one service (one event per change) and answers with the controls
(htmx) or a redirect (no JS). Another team's conversation is a 404 with
nothing changed; officers may not create labels."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from inbox.models import Label, Notification, Priority
from tests.factories import LabelFactory
from tests.inbox.ui_data import citizen, conversation_with

HX = {"HTTP_HX_REQUEST": "true"}
pytestmark = pytest.mark.django_db


@pytest.fixture
def conv_a(channel_a):
    return conversation_with(channel_a, author=citizen(81, name="Jo Resident"), messages=2)


@pytest.fixture
def signed_in(client, officer):
    client.force_login(officer)
    return client


def _types_since(before: int) -> list[str]:
    return list(Event.objects.order_by("pk").values_list("type", flat=True)[before:])


def test_the_header_is_menus_not_a_stack_of_forms(signed_in, conv_a, teammate, team_a):
    LabelFactory(name="bins")
    body = signed_in.get(reverse("inbox:conversation", args=[conv_a.pk]), **HX).content.decode()
    for menu in ("assign-menu", "status-menu", "priority-menu", "snooze-menu", "labels-menu"):
        assert f'<details class="triage-menu" id="{menu}">' in body
    assert f'name="assignee" value="{teammate.pk}"' in body
    assert f'name="team" value="{team_a.pk}"' in body
    assert 'name="priority" value="3"' in body and 'name="preset" value="tomorrow"' in body
    assert 'type="checkbox" name="labels"' in body
    assert 'id="label-new"' not in body  # officers create no labels
    assert "<select" not in body.split('id="controls"')[1].split("</section>")[0]


def test_managers_see_the_new_label_field(client, manager, conv_a):
    client.force_login(manager)
    body = client.get(reverse("inbox:conversation", args=[conv_a.pk]), **HX).content.decode()
    assert 'id="label-new"' in body


def test_priority_from_the_menu(signed_in, conv_a):
    before = Event.objects.count()
    response = signed_in.post(reverse("inbox:priority", args=[conv_a.pk]), {"priority": "3"}, **HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="controls"')
    assert "Priority set to urgent." in body
    assert 'name="priority" value="3" id="priority-3" class="secondary" aria-current="true"' in body
    conv_a.refresh_from_db()
    assert conv_a.priority == Priority.URGENT
    assert _types_since(before) == ["conversation.priority_changed"]
    bad = signed_in.post(reverse("inbox:priority", args=[conv_a.pk]), {"priority": "7"}, **HX)
    assert bad.status_code == 422


def test_the_row_shows_an_urgent_badge(signed_in, conv_a):
    signed_in.post(reverse("inbox:priority", args=[conv_a.pk]), {"priority": "3"}, **HX)
    body = signed_in.get(reverse("inbox:list"), **HX).content.decode()
    assert '<strong class="govuk-tag app-tag govuk-tag--red">Urgent priority</strong>' in body


def test_snooze_with_a_preset_then_wake(signed_in, conv_a):
    before = Event.objects.count()
    response = signed_in.post(
        reverse("inbox:snooze", args=[conv_a.pk]), {"preset": "tomorrow"}, **HX
    )
    assert response.status_code == 200 and "Snoozed until" in response.content.decode()
    conv_a.refresh_from_db()
    local = timezone.localtime(conv_a.snoozed_until)
    assert (local.hour, local.minute) == (9, 0)
    assert local.date() == timezone.localdate() + timedelta(days=1)
    assert 'id="wake-button"' in response.content.decode()
    listed = signed_in.get(reverse("inbox:list"), **HX).content.decode()
    assert "Jo Resident" not in listed
    snoozed = signed_in.get(reverse("inbox:list"), {"view": "snoozed"}, **HX).content.decode()
    assert "Jo Resident" in snoozed and "Snoozed until" in snoozed

    signed_in.post(reverse("inbox:wake", args=[conv_a.pk]), **HX)
    conv_a.refresh_from_db()
    assert conv_a.snoozed_until is None
    assert _types_since(before) == ["conversation.snoozed", "conversation.woken"]


def test_snooze_until_a_typed_time_in_local_time(signed_in, conv_a):
    when = timezone.localtime() + timedelta(days=2)
    typed = when.strftime("%Y-%m-%dT%H:%M")
    signed_in.post(reverse("inbox:snooze", args=[conv_a.pk]), {"until": typed}, **HX)
    conv_a.refresh_from_db()
    assert timezone.localtime(conv_a.snoozed_until).strftime("%Y-%m-%dT%H:%M") == typed


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({}, "Choose how long to snooze for"),
        ({"until": "yesterday"}, "Enter a date and time"),
        ({"until": "2001-01-01T09:00"}, "Choose a time in the future"),
    ],
)
def test_a_bad_snooze_says_why_and_changes_nothing(signed_in, conv_a, data, said):
    before = Event.objects.count()
    response = signed_in.post(reverse("inbox:snooze", args=[conv_a.pk]), data, **HX)
    assert response.status_code == 422 and said in response.content.decode()
    conv_a.refresh_from_db()
    assert conv_a.snoozed_until is None and Event.objects.count() == before


def test_saving_labels_sets_the_set(signed_in, conv_a):
    bins, roads = LabelFactory(name="bins"), LabelFactory(name="roads")
    conv_a.labels.add(bins)
    before = Event.objects.count()
    response = signed_in.post(
        reverse("inbox:labels", args=[conv_a.pk]), {"labels": [str(roads.pk)]}, **HX
    )
    assert "Labels saved: roads." in response.content.decode()
    assert list(conv_a.labels.values_list("name", flat=True)) == ["roads"]
    assert sorted(_types_since(before)) == ["conversation.labelled", "conversation.unlabelled"]
    signed_in.post(reverse("inbox:labels", args=[conv_a.pk]), {}, **HX)  # none ticked
    assert not conv_a.labels.exists()


def test_a_manager_creates_a_label_inline_and_an_officer_is_refused(
    client, signed_in, manager, conv_a
):
    refused = signed_in.post(
        reverse("inbox:label_create", args=[conv_a.pk]), {"name": "Potholes"}, **HX
    )
    assert refused.status_code == 403 and not Label.objects.exists()
    client.force_login(manager)
    response = client.post(
        reverse("inbox:label_create", args=[conv_a.pk]), {"name": "Potholes"}, **HX
    )
    assert "Label “Potholes” created and added." in response.content.decode()
    assert list(conv_a.labels.values_list("name", flat=True)) == ["Potholes"]
    again = client.post(reverse("inbox:label_create", args=[conv_a.pk]), {"name": "potholes"}, **HX)
    assert again.status_code == 422 and Label.objects.count() == 1


def test_assigning_a_colleague_from_the_menu_notifies_them(signed_in, conv_a, teammate):
    signed_in.post(reverse("inbox:assign", args=[conv_a.pk]), {"assignee": str(teammate.pk)}, **HX)
    [note] = Notification.objects.filter(user=teammate)
    assert note.url == reverse("inbox:conversation", args=[conv_a.pk])
    signed_in.post(reverse("inbox:assign_me", args=[conv_a.pk]), **HX)
    assert Notification.objects.count() == 1  # taking it yourself tells nobody


def test_a_team_from_the_menu_clears_the_person(signed_in, conv_a, officer, team_a):
    signed_in.post(reverse("inbox:assign_me", args=[conv_a.pk]), **HX)
    signed_in.post(reverse("inbox:assign", args=[conv_a.pk]), {"team": str(team_a.pk)}, **HX)
    conv_a.refresh_from_db()
    assert conv_a.assignee_id is None and conv_a.team_id == team_a.pk


def test_without_js_each_control_redirects_back_with_a_message(signed_in, conv_a):
    url = reverse("inbox:conversation", args=[conv_a.pk])
    response = signed_in.post(
        reverse("inbox:priority", args=[conv_a.pk]), {"priority": "2", "back": "view=mine"}
    )
    assert response.status_code == 302 and response["Location"] == f"{url}?view=mine"
    page = signed_in.get(response["Location"]).content.decode()
    assert "Priority set to high." in page


def test_another_teams_conversation_is_a_404_and_nothing_changes(client, other_officer, conv_a):
    label = LabelFactory(name="bins")
    client.force_login(other_officer)
    before = Event.objects.count()
    posts = [
        ("inbox:priority", {"priority": "3"}),
        ("inbox:snooze", {"preset": "1h"}),
        ("inbox:wake", {}),
        ("inbox:labels", {"labels": [str(label.pk)]}),
        ("inbox:label_create", {"name": "Theirs"}),
    ]
    for name, data in posts:
        assert client.post(reverse(name, args=[conv_a.pk]), data, **HX).status_code == 404, name
    conv_a.refresh_from_db()
    assert conv_a.priority == Priority.NORMAL and conv_a.snoozed_until is None
    assert not conv_a.labels.exists() and Label.objects.count() == 1
    assert Event.objects.count() == before
