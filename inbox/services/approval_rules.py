"""Changing who needs reply approval and who approves: the settings page's
and the API's one way in. Each change writes an event in its transaction.

Managers change rules scoped to a team they manage or a channel one of their
teams covers, and name approvers in the teams they manage; admins do all of
that and alone make rules that apply on every channel."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import access
from accounts.models import REPLYING_ROLE_CHOICES, Membership, ReplyApprovalRule, Team, User
from events.services import event_record
from inbox.approval_selectors import RuleEffect, approval_rule_effect
from inbox.models import Channel

MAX_NEW_STARTER_DAYS = 365


def approval_rule_ensure_may_manage(
    *, actor: User, team: Team | None, channel: Channel | None
) -> None:
    if access.is_admin(actor):
        return
    if not access.managed_team_ids(actor):
        raise PermissionDenied("Only managers and admins change reply approval.")
    if team is None and channel is None:
        raise PermissionDenied(
            "Only admins make rules for every channel: choose one of your teams or channels."
        )
    if team is not None and not access.can_manage_team(actor, team.pk):
        raise PermissionDenied("You do not manage that team.")
    if channel is not None and not access.can_manage_channel(actor, channel):
        raise PermissionDenied("None of your teams covers that channel.")


def approval_rule_validate(
    *,
    team: Team | None,
    channel: Channel | None,
    user: User | None,
    role: str,
    new_starter_days: int | None,
) -> None:
    """Refuse a rule that names nothing, or that could never match anyone."""
    if not (team or channel or user or role or new_starter_days):
        raise ValidationError("Say whose replies need approval, or where.")
    if role and role not in dict(REPLYING_ROLE_CHOICES):
        raise ValidationError("Choose a role from the list.")
    if new_starter_days is not None and not 1 <= new_starter_days <= MAX_NEW_STARTER_DAYS:
        raise ValidationError(f"New starters: between 1 and {MAX_NEW_STARTER_DAYS} days.")
    if team and channel and not channel.teams.filter(pk=team.pk).exists():
        raise ValidationError(f"{team} does not cover {channel}, so this rule would hold nothing.")
    if team and user and not Membership.objects.filter(team=team, user=user).exists():
        raise ValidationError(f"{user} is not in {team}, so this rule would hold nothing.")


def approval_rule_create(
    *,
    actor: User,
    team: Team | None = None,
    channel: Channel | None = None,
    user: User | None = None,
    role: str = "",
    new_starter_days: int | None = None,
    note: str = "",
) -> ReplyApprovalRule:
    approval_rule_ensure_may_manage(actor=actor, team=team, channel=channel)
    approval_rule_validate(
        team=team, channel=channel, user=user, role=role, new_starter_days=new_starter_days
    )
    with transaction.atomic():
        rule = ReplyApprovalRule.objects.create(
            team=team,
            channel=channel,
            user=user,
            role=role,
            new_starter_days=new_starter_days,
            note=note.strip(),
            created_by=actor,
        )
        event_record(
            type="approval.rule_created",
            actor=actor,
            channel=channel,
            data={"target": f"approval_rule:{rule.pk}", **_rule_data(rule)},
        )
    return rule


def approval_rule_delete(*, rule: ReplyApprovalRule, actor: User) -> None:
    """Held replies already waiting stay held: an approver still decides them."""
    approval_rule_ensure_may_manage(actor=actor, team=rule.team, channel=rule.channel)
    with transaction.atomic():
        data = {"target": f"approval_rule:{rule.pk}", **_rule_data(rule)}
        deleted, _ = ReplyApprovalRule.objects.filter(pk=rule.pk).delete()
        if deleted:
            event_record(
                type="approval.rule_deleted", actor=actor, channel=rule.channel_id, data=data
            )


def approval_rule_preview(
    *,
    actor: User,
    team: Team | None = None,
    channel: Channel | None = None,
    user: User | None = None,
    role: str = "",
    new_starter_days: int | None = None,
    note: str = "",
) -> tuple[ReplyApprovalRule, RuleEffect]:
    """The rule as it would be saved (unsaved) and whose replies it would
    hold, under the same checks as saving it. Writes nothing."""
    approval_rule_ensure_may_manage(actor=actor, team=team, channel=channel)
    approval_rule_validate(
        team=team, channel=channel, user=user, role=role, new_starter_days=new_starter_days
    )
    rule = ReplyApprovalRule(
        team=team,
        channel=channel,
        user=user,
        role=role or "",
        new_starter_days=new_starter_days,
        note=note.strip(),
    )
    return rule, approval_rule_effect(rule=rule)


def _rule_data(rule: ReplyApprovalRule) -> dict:
    return {
        "rule": rule.pk,
        "description": rule.describe(),
        "team": rule.team_id,
        "channel": rule.channel_id,
        "user": rule.user_id,
        "role": rule.role,
        "new_starter_days": rule.new_starter_days,
        "note": rule.note,
    }


def approver_set(*, membership: Membership, can_approve: bool, actor: User) -> Membership:
    """Name (or stop naming) a team member an approver of held replies on the
    team's channels. Managers and admins approve anyway; this is for others."""
    if not access.can_manage_team(actor, membership.team_id):
        raise PermissionDenied("You do not manage that team.")
    with transaction.atomic():
        changed = Membership.objects.filter(
            pk=membership.pk, can_approve_replies=not can_approve
        ).update(can_approve_replies=can_approve)
        if changed:
            event_record(
                type="approval.approver_granted" if can_approve else "approval.approver_removed",
                actor=actor,
                data={
                    "target": f"user:{membership.user_id}",
                    "team": membership.team_id,
                    "membership": membership.pk,
                },
            )
    membership.refresh_from_db()
    return membership
