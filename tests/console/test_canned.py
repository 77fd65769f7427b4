"""Settings, canned responses: a manager keeps their own teams' responses, an
admin all; placeholders are checked and previewed with sample values; the
page and the API go through the same service and refuse the same people."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from events.models import Event
from inbox.models import CannedResponse
from inbox.services import canned as service

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'


def _canned(title: str, *teams, text: str = "Hi {first_name}, {officer} here.") -> CannedResponse:
    item = CannedResponse.objects.create(title=title, text=text)
    item.teams.set(teams)
    return item


def _changes():
    # Signing in writes events of its own; these are the canned responses' ones.
    return Event.objects.filter(type__startswith="canned.").exists()


def _snapshot():
    return sorted(
        (c.title, c.text, tuple(sorted(t.pk for t in c.teams.all())))
        for c in CannedResponse.objects.all()
    )


# --- service -----------------------------------------------------------------------------


def test_a_manager_creates_changes_and_deletes_a_response_for_their_team(manager, team_a):
    item = service.canned_create(
        actor=manager, title="  Thanks  ", text="Hi {first_name}. {channel}", teams=[team_a]
    )
    assert item.title == "Thanks" and list(item.teams.all()) == [team_a]
    service.canned_update(
        canned=item, actor=manager, title="Thanks", text="Hello {first_name}", teams=[team_a]
    )
    assert CannedResponse.objects.get().text == "Hello {first_name}"
    service.canned_delete(canned=item, actor=manager)
    assert not CannedResponse.objects.exists()
    kinds = list(Event.objects.order_by("pk").values_list("type", flat=True))
    assert kinds == ["canned.created", "canned.updated", "canned.deleted"]
    updated = Event.objects.get(type="canned.updated")
    assert updated.actor == manager and updated.data["before"]["text"].startswith("Hi")


def test_an_unknown_placeholder_is_refused_by_name(manager, team_a):
    with pytest.raises(ValidationError) as err:
        service.canned_create(
            actor=manager, title="Typo", text="Hi {firstname}, {officer}", teams=[team_a]
        )
    assert "{firstname}" in err.value.messages[0] and "{first_name}" in err.value.messages[0]
    with pytest.raises(ValidationError):
        service.canned_create(
            actor=manager, title="Dunder", text="{officer.__class__}", teams=[team_a]
        )
    assert not CannedResponse.objects.exists() and not _changes()


@pytest.mark.parametrize(
    ("title", "text", "problem"),
    [
        ("", "Hello", "Enter a title."),
        ("Hello", "   ", "Enter the response's text."),
        ("x" * 121, "Hello", "at most 120"),
        ("Hello", "x" * 2001, "at most 2,000"),
        ("Two\nlines", "Hello", "a line break"),
    ],
)
def test_empty_or_too_long_is_refused(manager, team_a, title, text, problem):
    with pytest.raises(ValidationError) as err:
        service.canned_create(actor=manager, title=title, text=text, teams=[team_a])
    assert problem in " ".join(err.value.messages)


def test_the_preview_fills_sample_values_and_leaves_the_rest(manager):
    assert service.canned_preview("Hi {first_name}, {officer} at {channel}. {x}") == (
        "Hi Sam, Alex Officer at Riverside Council. {x}"
    )


def test_another_teams_manager_changes_nothing(manager_b, team_a, team_b):
    item = _canned("A only", team_a)
    before = _snapshot()
    with pytest.raises(PermissionDenied):
        service.canned_update(canned=item, actor=manager_b, title="B", text="B", teams=[team_b])
    with pytest.raises(PermissionDenied):
        service.canned_delete(canned=item, actor=manager_b)
    with pytest.raises(PermissionDenied):
        service.canned_create(actor=manager_b, title="Sneak", text="x", teams=[team_a])
    assert _snapshot() == before and not _changes()


def test_a_manager_cannot_offer_to_everyone_or_take_a_shared_response(manager, team_a, team_b):
    with pytest.raises(PermissionDenied, match="admin"):
        service.canned_create(actor=manager, title="All", text="x", teams=[])
    shared = _canned("Shared", team_a, team_b)
    everyone = _canned("Everyone")
    for item in (shared, everyone):
        with pytest.raises(PermissionDenied):
            service.canned_delete(canned=item, actor=manager)
    assert CannedResponse.objects.count() == 2


def test_officers_change_nothing(officer, team_a):
    with pytest.raises(PermissionDenied):
        service.canned_create(actor=officer, title="x", text="x", teams=[team_a])


def test_an_admin_keeps_every_response(admin_user, team_b):
    item = service.canned_create(actor=admin_user, title="All", text="Hi", teams=[])
    service.canned_update(canned=item, actor=admin_user, title="B", text="Hi", teams=[team_b])
    assert list(CannedResponse.objects.get().teams.all()) == [team_b]


# --- pages -------------------------------------------------------------------------------


def test_the_list_shows_only_the_managers_own_with_an_escaped_preview(
    client, manager, team_a, team_b
):
    _canned("Mine", team_a, text=f"Hi {{first_name}} {HOSTILE}")
    _canned("Roads", team_b)
    _canned("Everyone")
    client.force_login(manager)
    page = client.get(reverse("console:canned_list"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Mine" in body and "Roads" not in body and "Everyone" not in body
    assert "Hi Sam" in body
    assert HOSTILE not in body and "&lt;script&gt;" in body


def test_a_manager_previews_then_saves_through_the_page(client, manager, team_a):
    client.force_login(manager)
    url = reverse("console:canned_create")
    data = {"title": "Thanks", "text": f"Hi {{first_name}} {HOSTILE}", "teams": [team_a.pk]}
    preview = client.post(url, {**data, "action": "preview"})
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "Hi Sam" in body and HOSTILE not in body and "&lt;script&gt;" in body
    assert not CannedResponse.objects.exists()
    assert client.post(url, data).status_code == 302
    assert CannedResponse.objects.get().title == "Thanks"


def test_the_page_says_what_is_wrong(client, manager, team_a):
    client.force_login(manager)
    url = reverse("console:canned_create")
    bad = client.post(url, {"title": "T", "text": "Hi {name}", "teams": [team_a.pk]})
    assert bad.status_code == 422
    assert "Unknown placeholder" in bad.content.decode()
    none = client.post(url, {"title": "T", "text": "Hi"})
    assert none.status_code == 422 and "Choose at least one team." in none.content.decode()
    assert not CannedResponse.objects.exists()


def test_another_teams_manager_is_refused_on_the_pages(client, manager_b, team_a, team_b):
    item = _canned("A only", team_a)
    before = _snapshot()
    client.force_login(manager_b)
    assert client.get(reverse("console:canned_edit", args=[item.pk])).status_code == 404
    edit = {"title": "Mine now", "text": "x", "teams": [team_b.pk]}
    assert client.post(reverse("console:canned_edit", args=[item.pk]), edit).status_code == 404
    assert client.post(reverse("console:canned_delete", args=[item.pk])).status_code == 404
    # Offering a new one to team A is refused by the form's choices.
    create = client.post(
        reverse("console:canned_create"), {"title": "x", "text": "x", "teams": [team_a.pk]}
    )
    assert create.status_code == 422
    assert _snapshot() == before and not _changes()


def test_officers_are_refused_every_page(client, officer, team_a):
    item = _canned("A only", team_a)
    client.force_login(officer)
    for url in (
        reverse("console:canned_list"),
        reverse("console:canned_create"),
        reverse("console:canned_edit", args=[item.pk]),
        reverse("console:canned_delete", args=[item.pk]),
    ):
        assert client.get(url).status_code == 403
        assert (
            client.post(url, {"title": "x", "text": "x", "teams": [team_a.pk]}).status_code == 403
        )
    assert CannedResponse.objects.get().title == "A only" and not _changes()


def test_a_response_saved_here_fills_in_the_composer(client, manager, team_a, conversation_a):
    conversation_a.channel.teams.add(team_a)
    client.force_login(manager)
    client.post(
        reverse("console:canned_create"),
        {"title": "Thanks", "text": "Hi {first_name}, {channel}", "teams": [team_a.pk]},
    )
    item = CannedResponse.objects.get()
    composer = client.get(
        reverse("inbox:composer", args=[conversation_a.pk]),
        {"canned": item.pk},
        HTTP_HX_REQUEST="true",
    )
    assert composer.status_code == 200
    assert f", {conversation_a.channel.name}" in composer.context["reply_form"]["text"].value()


# --- API ---------------------------------------------------------------------------------


def test_the_api_creates_lists_updates_and_deletes(api, manager, team_a):
    client = api(manager)
    created = client.post(
        reverse("settings_api:canned_create"),
        {"title": "Thanks", "text": "Hi {first_name}", "team_ids": [team_a.pk]},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["preview"] == "Hi Sam"
    assert [c["title"] for c in client.get(reverse("settings_api:canned_list")).json()] == [
        "Thanks"
    ]
    updated = client.post(
        reverse("settings_api:canned_update", args=[pk]),
        {"title": "Thanks!", "text": "Hello", "team_ids": [team_a.pk]},
        format="json",
    )
    assert updated.status_code == 200 and updated.json()["title"] == "Thanks!"
    assert client.post(reverse("settings_api:canned_delete", args=[pk])).status_code == 204
    assert not CannedResponse.objects.exists()
    assert Event.objects.filter(type__startswith="canned.").count() == 3


def test_the_api_refuses_with_the_services_words(api, manager, manager_b, officer, team_a, team_b):
    item = _canned("A only", team_a)
    before = _snapshot()
    bad = api(manager).post(
        reverse("settings_api:canned_create"),
        {"title": "T", "text": "{nope}", "team_ids": [team_a.pk]},
        format="json",
    )
    assert bad.status_code == 400 and "Unknown placeholder" in bad.json()["detail"]
    other = api(manager_b)
    assert other.get(reverse("settings_api:canned_detail", args=[item.pk])).status_code == 404
    assert other.post(reverse("settings_api:canned_delete", args=[item.pk])).status_code == 404
    sneak = other.post(
        reverse("settings_api:canned_create"),
        {"title": "x", "text": "x", "team_ids": [team_a.pk]},
        format="json",
    )
    assert sneak.status_code == 403
    unknown = other.post(
        reverse("settings_api:canned_create"),
        {"title": "x", "text": "x", "team_ids": [999999]},
        format="json",
    )
    assert unknown.status_code == 400
    assert api(officer).get(reverse("settings_api:canned_list")).status_code == 403
    assert _snapshot() == before and not _changes()


def test_the_api_preview_escapes_nothing_and_refuses_unknown_placeholders(api, manager):
    client = api(manager)
    ok = client.post(
        reverse("settings_api:canned_preview"), {"text": f"{HOSTILE} {{officer}}"}, format="json"
    )
    # JSON carries the text as typed; escaping is the page's job.
    assert ok.json() == {"preview": f"{HOSTILE} Alex Officer"}
    bad = client.post(reverse("settings_api:canned_preview"), {"text": "{x}"}, format="json")
    assert bad.status_code == 400
