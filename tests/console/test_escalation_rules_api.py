"""Escalation rules through the settings API: the page's forms and service
behind a JSON body, so the same checks, the same events, and the same refusals
for officers, viewers and other teams' managers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership
from escalation.models import EscalationRule, KeywordList
from events.models import Event

pytestmark = pytest.mark.django_db


def _body(channel, **extra):
    return {
        "name": "Threats",
        "channel_ids": [channel.pk],
        "keywords": "bomb\nknife",
        "keyword_lists": ["threats"],
        "set_priority": 3,
        "levels": [
            {"number": 1, "name": "Duty officer", "team_ids": [channel.teams.first().pk]},
            {"number": 2, "name": "Head of comms", "ack_minutes": 30},
        ],
        **extra,
    }


def test_a_manager_creates_reads_changes_and_switches_off_a_rule(api, manager, channel_a):
    client = api(manager)
    made = client.post(
        reverse("settings_api:rule_create"), _body(channel_a, keyword_lists=[]), format="json"
    )
    assert made.status_code == 201, made.json()
    rule = made.json()
    assert rule["channel_ids"] == [channel_a.pk] and rule["keywords"] == "bomb\nknife"
    assert [(lv["number"], lv["name"], lv["ack_minutes"]) for lv in rule["levels"]] == [
        (1, "Duty officer", 15),
        (2, "Head of comms", 30),
    ]
    created = Event.objects.get(type="escalation.rule_created")
    assert created.actor == manager and created.data["rule_id"] == rule["id"]

    # Level 2 left out is deleted, level 1 renamed in place, a list added.
    changed = client.post(
        reverse("settings_api:rule_update", args=[rule["id"]]),
        {**_body(channel_a), "levels": [{"number": 1, "name": "Team leader"}]},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert [lv["name"] for lv in changed.json()["levels"]] == ["Team leader"]
    assert changed.json()["keyword_lists"] == ["threats"]
    stored = EscalationRule.objects.get(pk=rule["id"])
    assert list(stored.keyword_lists.all()) == [KeywordList.objects.get(key="threats")]
    assert Event.objects.filter(type="escalation.rule_updated").count() == 1

    off = client.post(
        reverse("settings_api:rule_active", args=[rule["id"]]), {"active": False}, format="json"
    )
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert (
        client.get(reverse("settings_api:rule_detail", args=[rule["id"]])).json()["is_active"]
        is False
    )
    assert Event.objects.filter(type="escalation.rule_updated").count() == 2


def test_bad_input_is_refused_in_words_and_nothing_is_stored(api, manager, channel_a):
    client = api(manager)
    url = reverse("settings_api:rule_create")
    # No condition at all: the model's own check, the page's words.
    nothing = client.post(url, {"name": "Empty", "channel_ids": [channel_a.pk]}, format="json")
    assert nothing.status_code == 400 and nothing.json()["detail"]
    unknown = client.post(url, _body(channel_a, keyword_lists=["nope"]), format="json")
    assert unknown.status_code == 400 and "nope" in unknown.json()["detail"]
    twice = client.post(
        url,
        _body(channel_a, levels=[{"number": 1, "name": "A"}, {"number": 1, "name": "B"}]),
        format="json",
    )
    assert twice.status_code == 400 and "own number" in twice.json()["detail"]
    spike = client.post(url, _body(channel_a, spike_count=5), format="json")
    assert spike.status_code == 400 and "minutes" in spike.json()["detail"]
    assert not EscalationRule.objects.exists()
    assert not Event.objects.filter(type__startswith="escalation.rule").exists()


def test_a_rule_for_every_channel_is_an_admins(api, manager, admin_user, channel_a):
    body = _body(channel_a, channel_ids=[])
    refused = api(manager).post(reverse("settings_api:rule_create"), body, format="json")
    assert refused.status_code == 400 and not EscalationRule.objects.exists()
    made = api(admin_user).post(reverse("settings_api:rule_create"), body, format="json")
    assert made.status_code == 201 and made.json()["channel_ids"] == []


def test_officers_viewers_and_other_managers_change_nothing(
    api, officer, manager, manager_b, team_a, channel_a, channel_b
):
    from tests.factories import UserFactory

    viewer = UserFactory(username="vera")
    Membership.objects.create(user=viewer, team=team_a, role="viewer")
    mine = api(manager).post(reverse("settings_api:rule_create"), _body(channel_a), format="json")
    pk = mine.json()["id"]
    before = Event.objects.count()
    for person in (officer, viewer):
        client = api(person)
        assert (
            client.post(
                reverse("settings_api:rule_create"), _body(channel_a), format="json"
            ).status_code
            == 403
        )
        assert client.get(reverse("settings_api:rule_detail", args=[pk])).status_code == 403
    other = api(manager_b)
    # Team B's manager does not see team A's rule, nor set one on team A's channel.
    assert other.get(reverse("settings_api:rule_detail", args=[pk])).status_code == 404
    assert (
        other.post(
            reverse("settings_api:rule_update", args=[pk]), _body(channel_b), format="json"
        ).status_code
        == 404
    )
    assert (
        other.post(
            reverse("settings_api:rule_active", args=[pk]), {"active": False}, format="json"
        ).status_code
        == 404
    )
    onto_a = other.post(reverse("settings_api:rule_create"), _body(channel_a), format="json")
    assert onto_a.status_code == 400 and EscalationRule.objects.count() == 1
    assert EscalationRule.objects.get(pk=pk).is_active
    assert Event.objects.count() == before
