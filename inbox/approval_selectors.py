"""Reads for the reply-approval settings: the rules a person may see and
change, the approvers they may name, and a rule's effect before it is saved."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import access
from accounts.models import Membership, ReplyApprovalRule, User
from inbox.approval_matching import Replier, rule_applies
from inbox.models import Channel

# A preview lists people by name; past this many it says how many more.
EFFECT_LIMIT = 200


@dataclass(frozen=True)
class RuleRow:
    rule: ReplyApprovalRule
    may_change: bool


def approval_rules_for(*, user: User) -> list[RuleRow]:
    """The rules that touch this person's teams or channels (admins: all),
    each with whether they may remove it. Rules for every channel are shown
    to managers too, since they hold their teams' replies; admins change them."""
    qs = ReplyApprovalRule.objects.select_related("team", "channel", "user", "created_by")
    if access.is_admin(user):
        return [RuleRow(rule=r, may_change=True) for r in qs]
    managed = access.managed_team_ids(user)
    if not managed:
        return []
    channels = set(access.channels_managed_by(user).values_list("pk", flat=True))
    qs = qs.filter(
        Q(team__in=managed) | Q(channel__in=channels) | Q(team__isnull=True, channel__isnull=True)
    )
    rows = []
    for rule in qs:
        may = (rule.team_id is None or rule.team_id in managed) and (
            rule.channel_id is None or rule.channel_id in channels
        )
        rows.append(RuleRow(rule=rule, may_change=may and bool(rule.team_id or rule.channel_id)))
    return rows


def approval_rule_get_for_user(*, user: User, pk: int) -> ReplyApprovalRule:
    for row in approval_rules_for(user=user):
        if row.rule.pk == pk:
            return row.rule
    raise Http404("No such approval rule among yours.")


def approver_memberships_for(*, user: User) -> QuerySet[Membership]:
    """The memberships of the teams this person manages (admins: all teams)."""
    return (
        Membership.objects.filter(team_id__in=access.managed_team_ids(user))
        .select_related("user", "team")
        .order_by("team__name", "user__username")
    )


def approver_membership_get_for_user(*, user: User, pk: int) -> Membership:
    try:
        return approver_memberships_for(user=user).get(pk=pk)
    except Membership.DoesNotExist:
        raise Http404("No such member in the teams you manage.") from None


@dataclass
class EffectRow:
    person: User
    channels: list[Channel] = field(default_factory=list)


@dataclass
class RuleEffect:
    rows: list[EffectRow]
    more: int
    channels_in_scope: int


def approval_rule_effect(*, rule: ReplyApprovalRule) -> RuleEffect:
    """Whose replies on which channels this (possibly unsaved) rule would hold,
    among the people who can reply there: the members of the teams covering
    each channel. Decided by the same function as a real reply."""
    channels = Channel.objects.prefetch_related("teams").order_by("name")
    if rule.channel_id:
        channels = channels.filter(pk=rule.channel_id)
    elif rule.team_id:
        channels = channels.filter(teams=rule.team_id)
    channels_list = list(channels)
    team_ids = {t.pk for c in channels_list for t in c.teams.all()}
    people_ids = Membership.objects.filter(team_id__in=team_ids).values("user_id")
    if rule.user_id:
        people_ids = people_ids.filter(user_id=rule.user_id)
    memberships: dict[int, dict[int, Membership]] = {}
    users: dict[int, User] = {}
    for m in Membership.objects.filter(user_id__in=people_ids, user__is_active=True).select_related(
        "user"
    ):
        memberships.setdefault(m.user_id, {})[m.team_id] = m
        users[m.user_id] = m.user
    now = timezone.now()
    rows: dict[int, EffectRow] = {}
    for channel in channels_list:
        covering = [t.pk for t in channel.teams.all()]
        for user_id in sorted(memberships, key=lambda pk: users[pk].username):
            if not covering or not set(covering) & memberships[user_id].keys():
                continue  # they cannot reply there at all
            replier = Replier(
                user_id=user_id,
                joined_at=users[user_id].date_joined,
                memberships=memberships[user_id],
            )
            if rule_applies(
                rule, replier=replier, channel_id=channel.pk, covering_team_ids=covering, now=now
            ):
                rows.setdefault(user_id, EffectRow(person=users[user_id])).channels.append(channel)
    ordered = sorted(rows.values(), key=lambda r: r.person.username)
    return RuleEffect(
        rows=ordered[:EFFECT_LIMIT],
        more=max(0, len(ordered) - EFFECT_LIMIT),
        channels_in_scope=len(channels_list),
    )
