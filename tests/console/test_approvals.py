"""Reply approval settings: the rules (service, page, preview) and who approves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, ReplyApprovalRule
from events.models import Event
from inbox.approval_selectors import approval_rule_effect
from inbox.services import approval_rules
from inbox.services.approvals import can_approve, reply_needs_approval
from tests.factories import ConversationFactory, MembershipFactory, MessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def conv_a(channel_a):
    return ConversationFactory(channel=channel_a)


@pytest.fixture
def conv_b(channel_b):
    return ConversationFactory(channel=channel_b)


def _needs(user, conversation) -> bool:
    return reply_needs_approval(author=user, conversation=conversation)


def test_a_team_rule_holds_its_members_on_its_own_channels_only(
    manager, team_a, officer, other_officer, conv_a, conv_b, team_b
):
    MembershipFactory(user=officer, team=team_b, role="officer")  # officer is in both teams
    approval_rules.approval_rule_create(actor=manager, team=team_a)
    assert _needs(officer, conv_a)
    assert not _needs(officer, conv_b)  # team B's channel: team A's manager has no say there
    assert not _needs(other_officer, conv_b)
    event = Event.objects.get(type="approval.rule_created")
    assert event.actor == manager and event.data["team"] == team_a.pk


def test_a_role_rule_uses_the_role_held_in_the_team_covering_the_channel(
    admin_user, officer, manager, team_b, conv_a, conv_b
):
    MembershipFactory(user=manager, team=team_b, role="officer")  # manager in A, officer in B
    approval_rules.approval_rule_create(actor=admin_user, role="officer")
    assert _needs(officer, conv_a)
    assert not _needs(manager, conv_a)
    assert _needs(manager, conv_b)


def test_new_starters_wait_for_n_days_from_joining_the_team(manager, team_a, officer, conv_a):
    approval_rules.approval_rule_create(actor=manager, team=team_a, new_starter_days=30)
    assert _needs(officer, conv_a)  # joined today
    Membership.objects.filter(user=officer).update(created_at=timezone.now() - timedelta(days=31))
    assert not _needs(officer, conv_a)


def test_new_starters_without_a_team_count_from_joining_socialdesk(admin_user, officer, conv_a):
    approval_rules.approval_rule_create(actor=admin_user, new_starter_days=14)
    assert _needs(officer, conv_a)
    officer.date_joined = timezone.now() - timedelta(days=15)
    officer.save()
    assert not _needs(officer, conv_a)


def test_a_person_rule_on_a_channel(manager, channel_a, officer, teammate, conv_a):
    approval_rules.approval_rule_create(actor=manager, channel=channel_a, user=officer)
    assert _needs(officer, conv_a) and not _needs(teammate, conv_a)


def test_crisis_still_holds_every_reply_without_a_rule(officer, conv_a, channel_a, manager):
    from escalation.services.crisis import crisis_start

    assert not _needs(officer, conv_a)
    crisis_start(
        actor=manager, channels=[channel_a], title="Flooding", holding_statement="We know."
    )
    assert _needs(officer, conv_a)


def test_officers_and_other_teams_managers_cannot_make_or_remove_rules(
    officer, other_manager, manager, team_a, channel_a
):
    for person in (officer, other_manager):
        for kwargs in ({"team": team_a}, {"channel": channel_a}, {"role": "officer"}):
            with pytest.raises(PermissionDenied):
                approval_rules.approval_rule_create(actor=person, **kwargs)
    with pytest.raises(PermissionDenied, match="every channel"):
        approval_rules.approval_rule_create(actor=manager, role="officer")
    rule = approval_rules.approval_rule_create(actor=manager, team=team_a)
    for person in (officer, other_manager):
        with pytest.raises(PermissionDenied):
            approval_rules.approval_rule_delete(rule=rule, actor=person)
    assert ReplyApprovalRule.objects.count() == 1
    assert Event.objects.filter(type__startswith="approval.").count() == 1


def test_rules_that_could_hold_nobody_are_refused(manager, team_a, channel_b, other_officer):
    with pytest.raises(ValidationError):
        approval_rules.approval_rule_validate(
            team=team_a, channel=channel_b, user=None, role="", new_starter_days=None
        )
    with pytest.raises(ValidationError):
        approval_rules.approval_rule_create(actor=manager, team=team_a, user=other_officer)
    with pytest.raises(ValidationError):
        approval_rules.approval_rule_validate(
            team=None, channel=None, user=None, role="", new_starter_days=None
        )


def test_the_preview_names_the_people_and_channels_a_real_reply_would_wait_on(
    officer, teammate, manager, team_a, channel_a, channel_b, other_officer, conv_a
):
    rule = ReplyApprovalRule(team=team_a, role="officer")
    effect = approval_rule_effect(rule=rule)
    assert [(r.person, r.channels) for r in effect.rows] == [
        (officer, [channel_a]),
        (teammate, [channel_a]),
    ]
    assert not ReplyApprovalRule.objects.exists()  # a preview saves nothing
    rule.save()
    assert _needs(officer, conv_a) and not _needs(manager, conv_a)


def test_a_named_approver_approves_only_on_their_teams_channels(
    manager, officer, teammate, other_manager, channel_a, conv_a
):
    held = MessageFactory(
        conversation=conv_a, direction="out", state="awaiting_approval", author_user=officer
    )
    assert not can_approve(user=teammate, message=held)
    membership = Membership.objects.get(user=teammate)
    with pytest.raises(PermissionDenied):
        approval_rules.approver_set(membership=membership, can_approve=True, actor=other_manager)
    with pytest.raises(PermissionDenied):
        approval_rules.approver_set(membership=membership, can_approve=True, actor=officer)
    approval_rules.approver_set(membership=membership, can_approve=True, actor=manager)
    assert can_approve(user=teammate, message=held)
    assert Event.objects.get(type="approval.approver_granted").data["target"] == (
        f"user:{teammate.pk}"
    )


def test_a_manager_of_another_team_is_no_approver_on_this_one(
    other_manager, team_a, officer, conv_a
):
    MembershipFactory(user=other_manager, team=team_a, role="officer")
    held = MessageFactory(
        conversation=conv_a, direction="out", state="awaiting_approval", author_user=officer
    )
    assert not can_approve(user=other_manager, message=held)


# --- The page -----------------------------------------------------------------------


def test_the_page_previews_then_saves_a_rule(client, manager, team_a, channel_a, officer, teammate):
    client.force_login(manager)
    url = reverse("console:approvals")
    assert client.get(url).status_code == 200
    form = {"team": team_a.pk, "role": "officer", "action": "preview"}
    page = client.post(url, form).content.decode()
    assert "2 people would need approval" in page and str(officer) in page
    assert not ReplyApprovalRule.objects.exists()
    response = client.post(url, {**form, "action": "save", "note": "New team"})
    assert response.status_code == 302
    rule = ReplyApprovalRule.objects.get()
    assert rule.team == team_a and rule.role == "officer" and rule.created_by == manager
    assert "New team" in client.get(url).content.decode()


def test_the_page_refuses_officers_and_another_teams_manager(
    client, officer, other_manager, manager, team_a
):
    rule = approval_rules.approval_rule_create(actor=manager, team=team_a)
    membership = Membership.objects.get(user=officer)
    client.force_login(officer)
    assert client.get(reverse("console:approvals")).status_code == 403
    client.force_login(other_manager)
    response = client.post(reverse("console:approvals"), {"team": team_a.pk, "action": "save"})
    assert response.status_code == 422  # team A is not among their choices
    assert client.post(reverse("console:approval_rule_delete", args=[rule.pk])).status_code == 404
    response = client.post(
        reverse("console:approver_set", args=[membership.pk]), {"can_approve": "yes"}
    )
    assert response.status_code == 404
    assert ReplyApprovalRule.objects.count() == 1
    assert not Membership.objects.get(pk=membership.pk).can_approve_replies


def test_the_page_removes_a_rule_and_names_an_approver(client, manager, team_a, teammate):
    rule = approval_rules.approval_rule_create(actor=manager, team=team_a)
    client.force_login(manager)
    client.post(reverse("console:approval_rule_delete", args=[rule.pk]))
    assert not ReplyApprovalRule.objects.exists()
    membership = Membership.objects.get(user=teammate)
    client.post(reverse("console:approver_set", args=[membership.pk]), {"can_approve": "yes"})
    membership.refresh_from_db()
    assert membership.can_approve_replies
    assert Event.objects.filter(type="approval.rule_deleted").count() == 1
