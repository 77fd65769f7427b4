"""The one access rule: who may see and act on which channel and conversation.

Every view, API endpoint and task that reads the inbox goes through here.

A role belongs to a membership, so it holds in that team only: on a channel,
a person acts with the highest role of their memberships in the teams that
cover it (``role_for_channel``). A manager of team A is an officer, or
nobody, on team B's channels.

- Admin is the one global role: an admin membership in any team, or a
  superuser, is admin on every channel and team. Admins configure channels
  and teams; an organisation has few of them and they need to see it all.
- Managers manage (settings, approvals, legal holds...) the channels of the
  teams they manage, and act there like officers.
- Officers see and act on the channels of their teams.
- Viewers (auditors) see the channels of their teams and act on nothing.

``role_of`` (the highest role anywhere) is for the navigation and for
organisation-wide things only (MFA policy, shared labels and house rules);
never use it to decide about a channel, conversation or team.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from accounts.models import ROLE_RANK, Membership, Role

if TYPE_CHECKING:
    from accounts.models import User
    from inbox.models import Channel, Conversation


# The roles that may change a conversation (reply, assign, note, label...).
ACTING_ROLES = frozenset({Role.OFFICER, Role.MANAGER, Role.ADMIN})
MANAGING_ROLES = frozenset({Role.MANAGER, Role.ADMIN})
# The roles that read a team's dashboards and audit trail.
OVERSEEING_ROLES = frozenset({Role.MANAGER, Role.VIEWER, Role.ADMIN})


def highest_role(roles: Iterable[str]) -> str | None:
    return max(roles, key=lambda r: ROLE_RANK[Role(r)], default=None)


class _Reach:
    """What one person may reach, read once per request: their role in each
    team and the channels those teams cover. Kept on the request-bound user
    object, so the access rule below is literal ids in each statement rather
    than the same membership subquery compiled again and again (issue 16:
    building the conversation's statement cost more than running it), and a
    per-channel role costs no query at all."""

    __slots__ = ("channel_ids", "channel_roles", "role", "team_roles")

    def __init__(self, rows: Sequence[tuple[str, int, int | None]]):
        self.role = highest_role(role for role, _, _ in rows)
        self.team_roles: dict[int, str] = {}
        by_channel: dict[int, list[str]] = {}
        for role, team, channel in rows:
            self.team_roles[team] = role  # one membership per (user, team)
            if channel is not None:
                by_channel.setdefault(channel, []).append(role)
        # On a channel two of the person's teams cover, the higher role holds.
        self.channel_roles: dict[int, str] = {
            channel: highest_role(roles) or "" for channel, roles in by_channel.items()
        }
        self.channel_ids = sorted(self.channel_roles)

    def channels_with(self, roles: frozenset[str]) -> list[int]:
        return [c for c in self.channel_ids if self.channel_roles[c] in roles]

    def teams_with(self, roles: frozenset[str]) -> list[int]:
        return sorted(t for t, role in self.team_roles.items() if role in roles)


def _reach(user: User) -> _Reach:
    cached = getattr(user, "_socialdesk_reach", None)
    if cached is None:
        rows = list(
            Membership.objects.filter(user_id=user.pk).values_list(
                "role", "team_id", "team__channels"
            )
        )
        cached = user._socialdesk_reach = _Reach(rows)  # type: ignore[attr-defined]
    return cached


def forget(user: User) -> None:
    """Drop what ``role_of`` and the visibility rules remembered about this
    user object (after changing their memberships or a channel's teams in the
    same request)."""
    for name in ("_socialdesk_reach", "_socialdesk_all_teams"):
        user.__dict__.pop(name, None)


def role_of(user: User) -> str | None:
    """The highest role the user holds anywhere; superusers count as admins.
    For the navigation and organisation-wide things only (module docstring)."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    return _reach(user).role


def is_admin(user: User) -> bool:
    """Admin is global on purpose: an admin membership in any team, or a
    superuser, is admin on every channel and team (see the module docstring)."""
    return role_of(user) == Role.ADMIN


def is_manager_or_admin(user: User) -> bool:
    """A manager of some team, or an admin. For organisation-wide things only
    (shared labels, house rules, the abuse word list): a team's resources are
    checked with ``can_manage_team``/``can_manage_channel``."""
    return role_of(user) in MANAGING_ROLES


def can_configure_channels(user: User) -> bool:
    return is_admin(user)


def _all_team_ids(user: User) -> list[int]:
    from accounts.models import Team

    cached = getattr(user, "_socialdesk_all_teams", None)
    if cached is None:
        cached = user._socialdesk_all_teams = list(  # type: ignore[attr-defined]
            Team.objects.order_by("pk").values_list("pk", flat=True)
        )
    return cached


def _team_ids_with(user: User, roles: frozenset[str]) -> list[int]:
    if not user.is_authenticated or not user.is_active:
        return []
    if is_admin(user):
        return _all_team_ids(user)
    return _reach(user).teams_with(roles)


def managed_team_ids(user: User) -> list[int]:
    """The teams whose settings this person may change: every team for an
    admin, the teams they manage for a manager (a manager of team A is not a
    manager of team B). Read from the per-request memo."""
    return _team_ids_with(user, MANAGING_ROLES)


def overseen_team_ids(user: User) -> list[int]:
    """Teams whose dashboards and audit trail the user may read: the teams
    they manage or audit (viewer); every team for an admin."""
    return _team_ids_with(user, OVERSEEING_ROLES)


def role_in_team(user: User, team_id: int) -> str | None:
    """The user's role in one team (admin everywhere for an admin)."""
    if not user.is_authenticated or not user.is_active:
        return None
    if is_admin(user):
        return Role.ADMIN
    return _reach(user).team_roles.get(team_id)


def can_manage_team(user: User, team_id: int) -> bool:
    return role_in_team(user, team_id) in MANAGING_ROLES


def role_for_channel(user: User, channel: Channel | int) -> str | None:
    """The role the user acts with on this channel: admin for an admin, else
    the highest role among their memberships in the teams covering it (None
    when no team of theirs covers it). No query: read from the memo."""
    if not user.is_authenticated or not user.is_active:
        return None
    if is_admin(user):
        return Role.ADMIN
    channel_id = channel if isinstance(channel, int) else channel.pk
    return _reach(user).channel_roles.get(channel_id)


def role_for_conversation(user: User, conversation: Conversation) -> str | None:
    return role_for_channel(user, conversation.channel_id)


def can_manage_channel(user: User, channel: Channel) -> bool:
    """Admins, and managers of a team that covers the channel."""
    return role_for_channel(user, channel) in MANAGING_ROLES


def channels_with_role(user: User, roles: frozenset[str]) -> QuerySet[Channel]:
    """The channels on which the user holds one of ``roles`` (through a team
    that covers them); every channel for an admin."""
    from inbox.models import Channel

    if not user.is_authenticated or not user.is_active:
        return Channel.objects.none()
    if is_admin(user):
        return Channel.objects.all()
    return Channel.objects.filter(pk__in=_reach(user).channels_with(roles))


def channels_managed_by(user: User) -> QuerySet[Channel]:
    return channels_with_role(user, MANAGING_ROLES)


def channels_actionable_by(user: User) -> QuerySet[Channel]:
    """The channels whose conversations the user may change (not a viewer's)."""
    return channels_with_role(user, ACTING_ROLES)


def acts_anywhere(user: User) -> bool:
    """Whether the user may change conversations on some channel (a viewer
    may not): the inbox offers its bulk actions only then. No query beyond
    the request's memo."""
    if not user.is_authenticated or not user.is_active:
        return False
    return is_admin(user) or bool(_reach(user).channels_with(ACTING_ROLES))


def channels_overseen_by(user: User) -> QuerySet[Channel]:
    """The channels of the teams whose dashboards and audit trail the user
    reads (see ``overseen_team_ids``)."""
    from inbox.models import Channel

    if is_admin(user):
        return Channel.objects.all()
    return Channel.objects.filter(teams__in=overseen_team_ids(user)).distinct()


def channels_visible_to(user: User) -> QuerySet[Channel]:
    """Every channel covered by one of the user's teams, whatever the role
    there (viewers included); every channel for an admin."""
    from inbox.models import Channel

    role = role_of(user)
    if role is None:
        return Channel.objects.none()
    if role == Role.ADMIN:
        return Channel.objects.all()
    return Channel.objects.filter(pk__in=_reach(user).channel_ids)


def conversations_visible_to(user: User) -> QuerySet[Conversation]:
    from inbox.models import Conversation

    role = role_of(user)
    if role is None:
        return Conversation.objects.none()
    if role == Role.ADMIN:
        return Conversation.objects.all()
    return Conversation.objects.filter(channel_id__in=_reach(user).channel_ids)


def conversations_actionable_by(user: User) -> QuerySet[Conversation]:
    from inbox.models import Conversation

    role = role_of(user)
    if role is None:
        return Conversation.objects.none()
    if role == Role.ADMIN:
        return Conversation.objects.all()
    return Conversation.objects.filter(channel_id__in=_reach(user).channels_with(ACTING_ROLES))


def can_see_channel(user: User, channel: Channel) -> bool:
    return role_for_channel(user, channel) is not None


def can_act_on_channel(user: User, channel: Channel) -> bool:
    return role_for_channel(user, channel) in ACTING_ROLES


def can_act_on(user: User, conversation: Conversation) -> bool:
    """May change the conversation: an officer, manager or admin of a team
    covering its channel. A viewer may read it and nothing more."""
    return role_for_conversation(user, conversation) in ACTING_ROLES


def can_manage_conversation(user: User, conversation: Conversation) -> bool:
    """Manager-only actions on one conversation (a legal hold, approving as
    a manager): a manager of a team covering its channel, or an admin."""
    return role_for_conversation(user, conversation) in MANAGING_ROLES


def ensure_can_act(user: User, conversation: Conversation) -> None:
    """Raise PermissionDenied unless the user may act on the conversation."""
    if not can_act_on(user, conversation):
        if role_for_conversation(user, conversation) is not None:
            raise PermissionDenied("You can read this conversation but not change it.")
        raise PermissionDenied("You do not cover this conversation's channel.")
