"""Settings, house rules, abuse shield and escalation rules: the sections are
registered and reached from the settings navigation; the API does what the
pages do and refuses officers; the rules list shows a manager only the rules
of the channels of the teams they manage."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership
from console.sections import SECTIONS, sections_for
from escalation.models import EscalationRule, KeywordList
from events.models import Event
from inbox.models import AbuseTerm, HouseRule

pytestmark = pytest.mark.django_db

CONTENT_SECTIONS = {
    "canned",
    "labels",
    "house_rules",
    "abuse_terms",
    "keywords",
    "escalation_rules",
}
HOSTILE = "<script>alert(1)</script>"


def test_the_content_sections_are_registered_for_managers(manager, officer):
    keys = {s.key for s in SECTIONS}
    assert keys >= CONTENT_SECTIONS
    assert {s.key for s in sections_for(manager)} >= CONTENT_SECTIONS
    assert sections_for(officer) == []


def test_every_content_page_opens_for_a_manager_with_the_side_navigation(client, manager):
    client.force_login(manager)
    for section in SECTIONS:
        if section.key not in CONTENT_SECTIONS:
            continue
        page = client.get(reverse(section.url_name))
        assert page.status_code == 200, section.key
        body = page.content.decode()
        assert 'aria-current="location"' in body and section.title in body


def test_the_main_navigation_drops_the_abuse_shield_and_keeps_house_rules(client, officer):
    client.force_login(officer)
    page = client.get(reverse("inbox:house_rules"))
    keys = [item.key for item in page.context["sd_navigation"]]
    assert "house_rules" in keys and "abuse_terms" not in keys


# --- house rules and the abuse word list through the API -------------------------------------


def test_the_api_keeps_the_house_rules(api, manager):
    client = api(manager)
    made = client.post(
        reverse("settings_api:house_rule_create"),
        {"title": "No spam", "text": HOSTILE},
        format="json",
    )
    assert made.status_code == 201
    pk = made.json()["id"]
    changed = client.post(
        reverse("settings_api:house_rule_update", args=[pk]),
        {"title": "No spam", "text": "We hide adverts."},
        format="json",
    )
    assert changed.json()["text"] == "We hide adverts."
    listed = client.get(reverse("settings_api:house_rule_list")).json()
    assert [r["title"] for r in listed] == ["No spam"]
    empty = client.post(
        reverse("settings_api:house_rule_create"), {"title": "", "text": ""}, format="json"
    )
    assert empty.status_code == 400 and "needs a title" in empty.json()["detail"]
    assert client.post(reverse("settings_api:house_rule_delete", args=[pk])).status_code == 204
    assert not HouseRule.objects.exists()
    assert Event.objects.filter(type__startswith="house_rule.").count() == 3


def test_hostile_house_rule_text_is_escaped_on_both_pages(client, manager):
    HouseRule.objects.create(title=HOSTILE, text=HOSTILE)
    client.force_login(manager)
    for url in (reverse("console:house_rules"), reverse("inbox:house_rules")):
        body = client.get(url).content.decode()
        assert HOSTILE not in body and "&lt;script&gt;" in body


def test_the_api_refuses_officers_house_rule_changes(api, officer):
    rule = HouseRule.objects.create(title="No abuse", text="We hide abuse.")
    client = api(officer)
    assert client.get(reverse("settings_api:house_rule_list")).status_code == 403
    made = client.post(
        reverse("settings_api:house_rule_create"), {"title": "x", "text": "y"}, format="json"
    )
    assert made.status_code == 403
    assert client.post(reverse("settings_api:house_rule_delete", args=[rule.pk])).status_code == 403
    assert list(HouseRule.objects.values_list("title", flat=True)) == ["No abuse"]
    assert not Event.objects.filter(type__startswith="house_rule.").exists()


def test_the_api_lets_admins_alone_change_the_abuse_list(api, admin_user, manager, officer):
    url = reverse("settings_api:abuse_term_create")
    assert api(officer).get(reverse("settings_api:abuse_term_list")).status_code == 403
    assert api(manager).get(reverse("settings_api:abuse_term_list")).status_code == 200
    assert api(manager).post(url, {"term": "idiot"}, format="json").status_code == 403
    made = api(admin_user).post(url, {"term": "Idiot"}, format="json")
    assert made.status_code == 201 and made.json()["term"] == "idiot"
    again = api(admin_user).post(url, {"term": "idiot"}, format="json")
    assert again.status_code == 400 and "already on the list" in again.json()["detail"]
    pk = made.json()["id"]
    delete = reverse("settings_api:abuse_term_delete", args=[pk])
    assert api(manager).post(delete).status_code == 403
    assert api(admin_user).post(delete).status_code == 204
    assert not AbuseTerm.objects.exists()


def test_hostile_abuse_terms_are_escaped(client, admin_user):
    AbuseTerm.objects.create(term=HOSTILE)
    client.force_login(admin_user)
    body = client.get(reverse("console:abuse_terms")).content.decode()
    assert HOSTILE not in body and "&lt;script&gt;" in body


# --- escalation rules ---------------------------------------------------------------------


@pytest.fixture
def rules(channel_a, channel_b):
    mine = EscalationRule.objects.create(name="Threats on A", keywords="bomb")
    mine.channels.add(channel_a)
    mine.keyword_lists.set(KeywordList.objects.filter(key="threats"))
    theirs = EscalationRule.objects.create(name="Potholes on B", keywords="pothole")
    theirs.channels.add(channel_b)
    EscalationRule.objects.create(name="Everywhere", keywords="fire")
    return mine, theirs


def test_the_rules_list_shows_a_manager_their_teams_rules_only(client, manager, manager_b, rules):
    client.force_login(manager)
    body = client.get(reverse("console:escalation_rules")).content.decode()
    assert "Threats on A" in body and "Potholes on B" not in body and "Everywhere" not in body
    assert reverse("escalation:rule_edit", args=[rules[0].pk]) in body
    client.force_login(manager_b)
    body = client.get(reverse("console:escalation_rules")).content.decode()
    assert "Potholes on B" in body and "Threats on A" not in body


def test_a_manager_who_is_an_officer_elsewhere_does_not_keep_those_rules(
    client, manager, team_b, rules
):
    Membership.objects.create(user=manager, team=team_b, role="officer")
    client.force_login(manager)
    body = client.get(reverse("console:escalation_rules")).content.decode()
    assert "Potholes on B" not in body
    assert client.get(reverse("escalation:rule_edit", args=[rules[1].pk])).status_code == 404


def test_the_rules_list_api(api, manager, officer, admin_user, rules):
    rows = api(manager).get(reverse("settings_api:escalation_rule_list")).json()
    assert [(r["name"], r["keyword_lists"]) for r in rows] == [("Threats on A", ["threats"])]
    everyone = api(admin_user).get(reverse("settings_api:escalation_rule_list")).json()
    assert len(everyone) == 3
    assert api(officer).get(reverse("settings_api:escalation_rule_list")).status_code == 403


def test_officers_are_refused_the_rules_list(client, officer, rules):
    client.force_login(officer)
    assert client.get(reverse("console:escalation_rules")).status_code == 403
