"""Settings, escalation keywords: the shipped threats, self-harm and
emergencies lists, edited (add, remove, restore the defaults) with clear
refusals, and matched by the rules that use them as edited."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from escalation.defaults import EMERGENCIES, THREATS
from escalation.models import Escalation, EscalationRule, KeywordList
from escalation.services import keyword_lists as service
from escalation.services.evaluation import evaluation_run
from events.models import Event
from tests.escalation.conftest import dm, ingest, london

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>"


def _threats() -> KeywordList:
    return KeywordList.objects.get(key="threats")


def _terms() -> dict[str, list[str]]:
    return {kl.key: list(kl.terms) for kl in KeywordList.objects.all()}


def _changes() -> bool:
    return Event.objects.filter(type="escalation.keywords_changed").exists()


# --- shipped defaults and the service -------------------------------------------------------


def test_every_installation_starts_with_the_three_shipped_lists():
    terms = _terms()
    assert set(terms) == {"threats", "self-harm", "emergencies"}
    assert terms["threats"] == list(THREATS) and terms["emergencies"] == list(EMERGENCIES)


def test_a_manager_adds_and_removes_terms_and_restores_the_defaults(manager):
    kl = service.keyword_list_term_add(
        keyword_list=_threats(), actor=manager, term="  Petrol   BOMB "
    )
    assert kl.terms[-1] == "petrol bomb" and kl.updated_by == manager
    kl = service.keyword_list_term_remove(keyword_list=kl, actor=manager, term="bomb")
    assert "bomb" not in _threats().terms
    kl = service.keyword_list_restore(keyword_list=kl, actor=manager)
    assert _threats().terms == list(THREATS)
    changes = Event.objects.filter(type="escalation.keywords_changed").order_by("pk")
    assert [e.data.get("added") or e.data.get("removed") or "restored" for e in changes] == [
        "petrol bomb",
        "bomb",
        "restored",
    ]


@pytest.mark.parametrize(
    ("term", "problem"),
    [
        ("", "Enter a word or phrase."),
        ("   ", "Enter a word or phrase."),
        ("BOMB", "already on the Threats list"),
        ("x" * 101, "at most 100 characters"),
        ("two\nlines", "a line break"),
    ],
)
def test_empty_duplicate_and_too_long_terms_are_refused(manager, term, problem):
    before = _terms()
    with pytest.raises(ValidationError) as err:
        service.keyword_list_term_add(keyword_list=_threats(), actor=manager, term=term)
    assert problem in " ".join(err.value.messages)
    assert _terms() == before and not _changes()


def test_removing_a_term_not_on_the_list_says_so(manager):
    with pytest.raises(ValidationError, match="not on the Threats list"):
        service.keyword_list_term_remove(keyword_list=_threats(), actor=manager, term="pothole")


def test_officers_change_nothing(officer):
    before = _terms()
    for call in (
        lambda: service.keyword_list_term_add(keyword_list=_threats(), actor=officer, term="x"),
        lambda: service.keyword_list_term_remove(
            keyword_list=_threats(), actor=officer, term="bomb"
        ),
        lambda: service.keyword_list_restore(keyword_list=_threats(), actor=officer),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert _terms() == before and not _changes()


# --- matching uses the edited lists -----------------------------------------------------------


def _rule_on_lists(channel, *keys: str) -> EscalationRule:
    rule = EscalationRule.objects.create(name="Listed")
    rule.channels.add(channel)
    rule.keyword_lists.set(KeywordList.objects.filter(key__in=keys))
    return rule


def test_a_rule_matches_the_lists_as_edited(manager, channel_a):
    _rule_on_lists(channel_a, "emergencies")
    emergencies = KeywordList.objects.get(key="emergencies")
    service.keyword_list_term_add(keyword_list=emergencies, actor=manager, term="sinkhole")
    service.keyword_list_term_remove(keyword_list=emergencies, actor=manager, term="gas leak")
    with time_machine.travel(london(2026, 11, 18, 10, 0), tick=False):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 0), text="There is a gas leak on Elm Road"))
        evaluation_run()
    assert not Escalation.objects.exists()
    with time_machine.travel(london(2026, 11, 18, 10, 1), tick=False):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 1), text="A SINKHOLE opened on Elm Road"))
        evaluation_run()
    assert Escalation.objects.get().reason == "Matched “SINKHOLE”"


def test_a_rule_with_only_a_list_is_a_keyword_rule(channel_a):
    rule = _rule_on_lists(channel_a, "threats")
    assert rule.phrases() == list(THREATS)
    assert rule.conversation_conditions() == ["keywords"]


def test_the_rule_page_saves_a_rule_that_only_uses_a_list(client, manager, officer, channel_a):
    client.force_login(manager)
    form = client.get(reverse("escalation:rule_create")).content.decode()
    assert "Keyword lists" in form and "Self-harm" in form
    data = {
        "name": "Self-harm watch",
        "is_active": "on",
        "channels": [channel_a.pk],
        "keywords": "",
        "keyword_lists": [KeywordList.objects.get(key="self-harm").pk],
        "levels-TOTAL_FORMS": "1",
        "levels-INITIAL_FORMS": "0",
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "5",
        "levels-0-number": "1",
        "levels-0-name": "Duty officer",
        "levels-0-ack_minutes": "5",
        "levels-0-users": [officer.pk],
    }
    saved = client.post(reverse("escalation:rule_create"), data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    rule = EscalationRule.objects.get()
    assert [kl.key for kl in rule.keyword_lists.all()] == ["self-harm"]


# --- pages ---------------------------------------------------------------------------------


def test_the_page_adds_removes_and_restores(client, manager):
    client.force_login(manager)
    page = client.get(reverse("console:keyword_lists"))
    body = page.content.decode()
    assert page.status_code == 200 and "Threats" in body and "kill myself" in body
    assert "Restore the shipped" not in body  # all three are as shipped
    add = reverse("console:keyword_term_add", args=["threats"])
    assert client.post(add, {"term": HOSTILE}).status_code == 302
    body = client.get(reverse("console:keyword_lists")).content.decode()
    assert HOSTILE not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "Restore the shipped threats list" in body
    duplicate = client.post(add, {"term": "Bomb"})
    assert duplicate.status_code == 422
    assert "already on the Threats list" in duplicate.content.decode()
    remove = reverse("console:keyword_term_remove", args=["threats"])
    assert client.post(remove, {"term": "bomb"}).status_code == 302
    assert "bomb" not in _threats().terms
    restore = reverse("console:keyword_list_restore", args=["threats"])
    assert client.post(restore).status_code == 302
    assert _threats().terms == list(THREATS)


def test_the_page_refuses_officers(client, officer):
    before = _terms()
    client.force_login(officer)
    assert client.get(reverse("console:keyword_lists")).status_code == 403
    for name in ("console:keyword_term_add", "console:keyword_term_remove"):
        assert client.post(reverse(name, args=["threats"]), {"term": "bomb"}).status_code == 403
    assert client.post(reverse("console:keyword_list_restore", args=["threats"])).status_code == 403
    assert _terms() == before and not _changes()


def test_an_unknown_list_is_not_found(client, manager):
    client.force_login(manager)
    assert (
        client.post(reverse("console:keyword_term_add", args=["nope"]), {"term": "x"}).status_code
        == 404
    )


def test_missing_shipped_lists_can_be_created_again(client, manager):
    KeywordList.objects.filter(key="emergencies").delete()
    client.force_login(manager)
    assert (
        "Create the missing lists" in client.get(reverse("console:keyword_lists")).content.decode()
    )
    client.post(reverse("console:keyword_lists_create_missing"))
    assert _terms()["emergencies"] == list(EMERGENCIES)


# --- API -----------------------------------------------------------------------------------


def test_the_api_lists_adds_removes_and_restores(api, manager):
    client = api(manager)
    lists = client.get(reverse("settings_api:keyword_list_list")).json()
    assert [kl["key"] for kl in lists] == ["emergencies", "self-harm", "threats"]
    added = client.post(
        reverse("settings_api:keyword_term_add", args=["threats"]), {"term": "Arson"}, format="json"
    )
    assert added.status_code == 200 and added.json()["terms"][-1] == "arson"
    removed = client.post(
        reverse("settings_api:keyword_term_remove", args=["threats"]),
        {"term": "arson"},
        format="json",
    )
    assert "arson" not in removed.json()["terms"]
    restored = client.post(reverse("settings_api:keyword_list_restore", args=["threats"]))
    assert restored.json()["terms"] == list(THREATS)


def test_the_api_refuses_with_clear_errors(api, manager, officer):
    before = _terms()
    bad = api(manager).post(
        reverse("settings_api:keyword_term_add", args=["threats"]), {"term": " "}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["detail"] == "Enter a word or phrase."
    long = api(manager).post(
        reverse("settings_api:keyword_term_add", args=["threats"]),
        {"term": "x" * 101},
        format="json",
    )
    assert long.status_code == 400 and "at most 100" in long.json()["detail"]
    refused = api(officer).post(
        reverse("settings_api:keyword_term_add", args=["threats"]), {"term": "x"}, format="json"
    )
    assert refused.status_code == 403
    assert api(officer).get(reverse("settings_api:keyword_list_list")).status_code == 403
    assert _terms() == before and not _changes()
