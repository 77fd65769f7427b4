"""The escalation page: acknowledge, rules and crisis mode for managers,
refused to everyone else."""

from __future__ import annotations

from datetime import time

import pytest
import time_machine
from django.urls import reverse

from escalation.models import (
    CrisisMode,
    Escalation,
    EscalationRule,
    OpeningInterval,
    StaffedHours,
)
from escalation.services.evaluation import evaluation_run
from inbox.models import Contact, Event
from inbox.networks.base import Author
from tests.escalation.conftest import dm, ingest, london
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db

HOSTILE = Author(external_id="666", handle="h4x", display_name="<script>alert(1)</script>")


@pytest.fixture
def escalation(channel_a, threat_rule):
    with time_machine.travel(london(2026, 11, 18, 10, 0), tick=False):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 0), author=HOSTILE, text="a bomb"))
        evaluation_run()
    return Escalation.objects.get()


def test_officers_see_open_escalations_on_their_channels_with_escaped_names(
    client, officer, escalation
):
    client.force_login(officer)
    page = client.get(reverse("escalation:index"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Threats" in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert(1)" not in body
    assert "Escalation rules" not in body  # managers only
    assert "Staffed 24 hours a day" in body


def test_other_teams_see_nothing_and_cannot_acknowledge(client, other_officer, escalation):
    client.force_login(other_officer)
    assert "Threats" not in client.get(reverse("escalation:index")).content.decode()
    url = reverse("escalation:acknowledge", args=[escalation.pk])
    assert client.post(url).status_code == 404
    assert client.post(reverse("escalation:raise", args=[escalation.pk])).status_code == 404
    escalation.refresh_from_db()
    assert escalation.acknowledged_at is None


def test_acknowledge_is_post_only_and_logged(client, officer, escalation):
    client.force_login(officer)
    url = reverse("escalation:acknowledge", args=[escalation.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == reverse("escalation:index")
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == officer
    assert Event.objects.filter(type="escalation.acknowledged").count() == 1
    back = client.post(url, {"next": f"/inbox/c/{escalation.conversation_id}/"})
    assert back.url == f"/inbox/c/{escalation.conversation_id}/"


def test_escalate_now(client, officer, escalation):
    client.force_login(officer)
    client.post(reverse("escalation:raise", args=[escalation.pk]))
    escalation.refresh_from_db()
    assert escalation.level == 2


def _rule_post(channel, **extra):
    data = {
        "name": "Self-harm",
        "is_active": "on",
        "channels": [channel.pk],
        "keywords": "kill myself\nend it all",
        "notify_email": "on",
        "levels-TOTAL_FORMS": "1",
        "levels-INITIAL_FORMS": "0",
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "5",
        "levels-0-number": "1",
        "levels-0-name": "Duty officer",
        "levels-0-ack_minutes": "5",
    }
    data.update(extra)
    return data


def test_a_manager_adds_a_rule_for_their_channel(client, manager, officer, channel_a):
    client.force_login(manager)
    form = client.get(reverse("escalation:rule_create"))
    assert form.status_code == 200 and 'for="id_name"' in form.content.decode()
    response = client.post(
        reverse("escalation:rule_create"), _rule_post(channel_a, **{"levels-0-users": [officer.pk]})
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    rule = EscalationRule.objects.get()
    assert list(rule.channels.all()) == [channel_a] and rule.created_by == manager
    assert list(rule.levels.get().users.all()) == [officer]
    assert Event.objects.get(type="escalation.rule_created").actor == manager
    assert "Self-harm" in client.get(reverse("escalation:index")).content.decode()


def test_a_manager_cannot_pick_another_teams_channel_or_no_channel(
    client, manager, channel_b, channel_a
):
    client.force_login(manager)
    refused = client.post(reverse("escalation:rule_create"), _rule_post(channel_b))
    assert refused.status_code == 200 and "error-summary" in refused.content.decode()
    empty = _rule_post(channel_a)
    del empty["channels"]
    assert client.post(reverse("escalation:rule_create"), empty).status_code == 200
    assert not EscalationRule.objects.exists()


def test_a_rule_without_conditions_is_explained(client, manager, channel_a):
    client.force_login(manager)
    page = client.post(reverse("escalation:rule_create"), _rule_post(channel_a, keywords=""))
    assert "Choose at least one condition" in page.content.decode()


def test_officers_and_other_managers_cannot_reach_rules(client, officer, other_officer, channel_b):
    rule = EscalationRule.objects.create(name="Roads", keywords="pothole")
    rule.channels.add(channel_b)
    client.force_login(officer)
    assert client.get(reverse("escalation:rule_create")).status_code == 404
    assert client.get(reverse("escalation:rule_edit", args=[rule.pk])).status_code == 404
    assert client.post(reverse("escalation:rule_toggle", args=[rule.pk])).status_code == 404


def test_managers_cannot_edit_rules_reaching_other_channels(client, manager, channel_a, channel_b):
    rule = EscalationRule.objects.create(name="Both", keywords="x")
    rule.channels.add(channel_a, channel_b)
    client.force_login(manager)
    assert client.get(reverse("escalation:rule_edit", args=[rule.pk])).status_code == 404


def test_switching_a_rule_off_is_logged(client, manager, channel_a):
    rule = EscalationRule.objects.create(name="Mine", keywords="x")
    rule.channels.add(channel_a)
    client.force_login(manager)
    client.post(reverse("escalation:rule_toggle", args=[rule.pk]), {"active": "0"})
    rule.refresh_from_db()
    assert not rule.is_active
    assert Event.objects.get(type="escalation.rule_updated").data["changed"] == ["is_active"]


def test_a_manager_starts_and_ends_crisis_mode(client, manager, officer, channel_a, team_a):
    client.force_login(manager)
    response = client.post(
        reverse("escalation:crisis_start"),
        {
            "title": "Flood",
            "channels": [channel_a.pk],
            "holding_statement": "We are on it.",
            "keywords": "flood",
            "crisis_team": team_a.pk,
            "auto_reply_text": "",
            "target_minutes": "10",
            "limit_minutes": "20",
        },
    )
    assert response.status_code == 302
    crisis = CrisisMode.objects.get()
    page = client.get(reverse("escalation:index")).content.decode()
    assert "Crisis mode is on" in page and "We are on it." in page
    client.force_login(officer)
    assert client.post(reverse("escalation:crisis_end", args=[crisis.pk])).status_code == 404
    client.force_login(manager)
    client.post(reverse("escalation:crisis_end", args=[crisis.pk]))
    crisis.refresh_from_db()
    assert crisis.ended_by == manager


def test_crisis_form_errors_are_summarised(client, manager, channel_a, team_b):
    client.force_login(manager)
    page = client.post(
        reverse("escalation:crisis_start"),
        {
            "title": "Flood",
            "channels": [channel_a.pk],
            "holding_statement": "x",
            "crisis_team": "",
            "target_minutes": "30",
            "limit_minutes": "10",
        },
    )
    assert page.status_code == 200 and "The limit must be at least the target" in (
        page.content.decode()
    )


def test_the_index_page_query_count_does_not_grow_with_escalations(
    client, officer, channel_a, threat_rule, django_assert_max_num_queries
):
    for n in range(12):
        with time_machine.travel(london(2026, 11, 18, 10, n), tick=False):
            ingest(
                channel_a,
                dm(london(2026, 11, 18, 10, n), author=Author(external_id=f"5{n}"), text="bomb"),
            )
    with time_machine.travel(london(2026, 11, 18, 10, 30), tick=False):
        evaluation_run()
    assert Escalation.objects.count() == 12
    team = channel_a.teams.get()
    for n in range(5):
        hours = StaffedHours.objects.create(channel=ChannelFactory(covered_by=[team]))
        OpeningInterval.objects.create(hours=hours, weekday=n, start=time(9), end=time(17))
    client.force_login(officer)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("escalation:index"))
    assert page.status_code == 200
    assert page.content.decode().count('statement">Staffed ') == 6


def test_admin_pages_are_for_admins(client, admin_user, manager, channel_a):
    client.force_login(admin_user)
    for name in (
        "staffedhours",
        "escalationrule",
        "responsetarget",
        "escalation",
        "crisismode",
        "outofhoursreply",
        "conversationtarget",
    ):
        assert client.get(reverse(f"admin:escalation_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:escalation_staffedhours_add")).status_code == 200
    client.force_login(manager)
    assert client.get(reverse("admin:escalation_escalationrule_changelist")).status_code == 302
    assert Contact.objects.count() == 0
