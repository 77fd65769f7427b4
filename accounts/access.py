"""The one access rule: who may see and act on which channel and conversation.

Every view, API endpoint and task that reads the inbox goes through here.
- Admins see and act on every channel; they alone configure channels.
- Managers and officers see the channels covered by the teams they belong to.
Seeing a conversation and acting on it are the same right today; the two
functions stay separate so approval rules can narrow "act" later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from accounts.models import ROLE_RANK, Membership, Role

if TYPE_CHECKING:
    from accounts.models import User
    from inbox.models import Channel, Conversation


def _membership_roles(user_id: int) -> list[str]:
    return list(Membership.objects.filter(user_id=user_id).values_list("role", flat=True))


def highest_role(roles) -> str | None:
    return max(roles, key=lambda r: ROLE_RANK[Role(r)], default=None)


def remember_roles(user: User, roles: list[str]) -> None:
    """Remember the user's highest role on this (request-bound) user object, so
    ``role_of`` asks the database once per request."""
    user._socialdesk_role = highest_role(roles)


def role_of(user: User) -> str | None:
    """The highest role the user holds; superusers count as admins."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    cached = getattr(user, "_socialdesk_role", "unset")
    if cached != "unset":
        return cached
    remember_roles(user, _membership_roles(user.pk))
    return user._socialdesk_role


def is_admin(user: User) -> bool:
    return role_of(user) == Role.ADMIN


def is_manager_or_admin(user: User) -> bool:
    return role_of(user) in (Role.MANAGER, Role.ADMIN)


def can_configure_channels(user: User) -> bool:
    return is_admin(user)


def channels_visible_to(user: User) -> QuerySet[Channel]:
    from inbox.models import Channel

    role = role_of(user)
    if role is None:
        return Channel.objects.none()
    if role == Role.ADMIN:
        return Channel.objects.all()
    team_ids = Membership.objects.filter(user=user).values("team_id")
    return Channel.objects.filter(
        pk__in=Channel.teams.through.objects.filter(team_id__in=team_ids).values("channel_id")
    )


def conversations_visible_to(user: User) -> QuerySet[Conversation]:
    from inbox.models import Conversation

    if role_of(user) == Role.ADMIN:
        return Conversation.objects.all()
    return Conversation.objects.filter(channel__in=channels_visible_to(user).values("pk"))


def can_see_channel(user: User, channel: Channel) -> bool:
    return channels_visible_to(user).filter(pk=channel.pk).exists()


def can_act_on(user: User, conversation: Conversation) -> bool:
    return can_see_channel(user, conversation.channel)


def ensure_can_act(user: User, conversation: Conversation) -> None:
    """Raise PermissionDenied unless the user may act on the conversation."""
    if not can_act_on(user, conversation):
        raise PermissionDenied("You do not cover this conversation's channel.")
