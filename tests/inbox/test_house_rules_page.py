"""The house rules page: everyone reads it here; managers and admins edit
in Settings (``console:house_rules``), each change through the service (and
logged); the API lists them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from events.models import Event
from inbox.models import HouseRule


@pytest.mark.django_db
def test_a_manager_adds_changes_and_removes_a_rule(client, manager):
    client.force_login(manager)
    url = reverse("console:house_rules")
    added = client.post(url, {"title": "No spam", "text": "We hide adverts."})
    assert added.status_code == 302
    rule = HouseRule.objects.get()
    edit = reverse("console:house_rule_edit", args=[rule.pk])
    assert client.post(edit, {"title": "No spam", "text": "We hide ads."}).status_code == 302
    assert HouseRule.objects.get().text == "We hide ads."
    assert "We hide ads." in client.get(reverse("inbox:house_rules")).content.decode()
    remove = reverse("console:house_rule_remove", args=[rule.pk])
    assert client.post(remove).status_code == 302
    assert not HouseRule.objects.exists()
    assert Event.objects.filter(type__startswith="house_rule.").count() == 3


@pytest.mark.django_db
def test_an_empty_rule_is_refused_with_the_problem(client, manager):
    client.force_login(manager)
    response = client.post(reverse("console:house_rules"), {"title": "", "text": ""})
    assert response.status_code == 422
    assert "There is a problem" in response.content.decode()
    assert not HouseRule.objects.exists()


@pytest.mark.django_db
def test_officers_read_the_rules_but_cannot_change_them(client, officer):
    rule = HouseRule.objects.create(title="No abuse", text="We hide abuse of staff.")
    client.force_login(officer)
    page = client.get(reverse("inbox:house_rules"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "We hide abuse of staff." in body and "Add the rule" not in body
    assert "Settings" not in body.split("<main", 1)[1].split("</main>", 1)[0]
    # The read-only page takes no writes; the settings pages refuse officers.
    assert client.post(reverse("inbox:house_rules"), {"title": "x", "text": "y"}).status_code == 405
    settings = reverse("console:house_rules")
    assert client.post(settings, {"title": "x", "text": "y"}).status_code == 403
    remove = reverse("console:house_rule_remove", args=[rule.pk])
    assert client.post(remove).status_code == 403
    edit = reverse("console:house_rule_edit", args=[rule.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"title": "x", "text": "y"}).status_code == 403
    assert HouseRule.objects.get().title == "No abuse"
    assert not Event.objects.filter(type__startswith="house_rule.").exists()


@pytest.mark.django_db
def test_the_api_lists_the_rules(officer):
    HouseRule.objects.create(title="No abuse", text="We hide abuse.")
    api = APIClient()
    api.force_authenticate(officer)
    assert [r["title"] for r in api.get(reverse("api:house_rule_list")).json()] == ["No abuse"]


@pytest.mark.django_db
def test_the_old_change_address_sends_managers_to_settings(client, manager):
    rule = HouseRule.objects.create(title="No abuse", text="We hide abuse.")
    client.force_login(manager)
    response = client.get(reverse("inbox:house_rule_edit", args=[rule.pk]))
    assert response.status_code == 301
    assert response["Location"] == reverse("console:house_rule_edit", args=[rule.pk])
    page = client.get(reverse("inbox:house_rules")).content.decode()
    assert reverse("console:house_rules") in page
