"""Reply approval through /api/settings/: the same services and refusals as
the page (officers and another team's manager change nothing)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import Membership, ReplyApprovalRule
from events.models import Event
from inbox.services import approval_rules

pytestmark = pytest.mark.django_db

RULES = "/api/settings/approval-rules/"
APPROVERS = "/api/settings/approvers/"


def as_(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_manager_previews_makes_lists_and_removes_a_rule(
    manager, team_a, channel_a, officer, teammate
):
    api = as_(manager)
    preview = api.post(f"{RULES}preview/", {"team": team_a.pk, "role": "officer"}, format="json")
    assert preview.status_code == 200
    body = preview.json()
    assert {p["person"] for p in body["people"]} == {officer.pk, teammate.pk}
    assert body["people"][0]["channels"][0]["id"] == channel_a.pk
    assert not ReplyApprovalRule.objects.exists()
    made = api.post(RULES, {"team": team_a.pk, "new_starter_days": 30}, format="json")
    assert made.status_code == 201 and made.json()["new_starter_days"] == 30
    [row] = api.get(RULES).json()
    assert row["may_change"] and row["rule"]["id"] == made.json()["id"]
    assert api.delete(f"{RULES}{row['rule']['id']}/").status_code == 204
    assert not ReplyApprovalRule.objects.exists()
    assert Event.objects.filter(type__startswith="approval.rule_").count() == 2


def test_officers_and_another_teams_manager_are_refused_and_nothing_changes(
    officer, other_manager, manager, team_a, channel_a
):
    rule = approval_rules.approval_rule_create(actor=manager, team=team_a)
    membership = Membership.objects.get(user=officer)
    # An officer manages no team: the settings API refuses them outright
    # (403); another team's manager finds nothing of team A's (404).
    for person, not_theirs in ((officer, 403), (other_manager, 404)):
        api = as_(person)
        for payload in ({"team": team_a.pk}, {"channel": channel_a.pk}, {"role": "officer"}):
            assert api.post(RULES, payload, format="json").status_code == 403
            assert api.post(f"{RULES}preview/", payload, format="json").status_code == 403
        assert api.delete(f"{RULES}{rule.pk}/").status_code == not_theirs
        listed = api.get(RULES)
        assert listed.status_code == 403 or listed.json() == []
        answer = api.put(
            f"{APPROVERS}{membership.pk}/", {"can_approve_replies": True}, format="json"
        )
        assert answer.status_code == not_theirs
        approvers = api.get(APPROVERS)
        assert approvers.status_code == 403 or membership.pk not in [
            m["membership"] for m in approvers.json()
        ]
    assert list(ReplyApprovalRule.objects.values_list("pk", flat=True)) == [rule.pk]
    assert not Membership.objects.get(pk=membership.pk).can_approve_replies
    assert Event.objects.filter(type__startswith="approval.").count() == 1


def test_a_manager_names_an_approver_in_their_team(manager, teammate):
    membership = Membership.objects.get(user=teammate)
    api = as_(manager)
    answer = api.put(f"{APPROVERS}{membership.pk}/", {"can_approve_replies": True}, format="json")
    assert answer.status_code == 200 and answer.json()["can_approve_replies"] is True
    assert Event.objects.filter(type="approval.approver_granted").count() == 1


def test_a_rule_that_holds_nobody_is_a_400(manager, team_a, channel_b):
    api = as_(manager)
    response = api.post(RULES, {"team": team_a.pk, "channel": channel_b.pk}, format="json")
    assert response.status_code in (400, 403)  # channel B is not theirs either
    assert as_(manager).post(RULES, {}, format="json").status_code == 403
    assert not ReplyApprovalRule.objects.exists()
