"""Whether a reply approval rule applies to one person replying on one channel.

One function, used both by the outbound path (does this reply wait?) and by
the settings page's preview (whose replies will wait?), so the preview cannot
drift from what really happens. It reads nothing from the database: callers
load the rules, the person's memberships and the channel's teams once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from accounts.models import Membership, ReplyApprovalRule


@dataclass(frozen=True)
class Replier:
    """What the rules look at about the person replying."""

    user_id: int
    joined_at: datetime
    # team id -> that membership (role, and when it started)
    memberships: Mapping[int, Membership]


def rule_applies(
    rule: ReplyApprovalRule,
    *,
    replier: Replier,
    channel_id: int,
    covering_team_ids: Iterable[int],
    now: datetime,
) -> bool:
    """Every condition the rule sets must hold (see ReplyApprovalRule)."""
    covering = set(covering_team_ids)
    if rule.channel_id and rule.channel_id != channel_id:
        return False
    if rule.user_id and rule.user_id != replier.user_id:
        return False
    if rule.team_id:
        # A team's rule covers its members on the team's own channels only: a
        # manager of team A cannot hold replies on team B's channels.
        membership = replier.memberships.get(rule.team_id)
        if rule.team_id not in covering or membership is None:
            return False
        relevant = [membership]
    else:
        relevant = [m for team_id, m in replier.memberships.items() if team_id in covering]
    if rule.role:
        # The role held in the team that covers the channel, not the highest
        # role anywhere: a manager elsewhere is an officer here.
        relevant = [m for m in relevant if m.role == rule.role]
        if not relevant:
            return False
    if rule.new_starter_days:
        cutoff = now - timedelta(days=rule.new_starter_days)
        if rule.team_id:
            return any(m.created_at > cutoff for m in relevant)
        return replier.joined_at > cutoff
    return True
