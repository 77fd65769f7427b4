"""Reads of teams and memberships for the settings area, through the access rule."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from accounts import access
from accounts.models import Membership, Team, User


def _ensure_admin(user: User) -> None:
    if not access.is_admin(user):
        raise PermissionDenied("Teams and their members are set by admins.")


def teams_for_settings(*, user: User) -> QuerySet[Team]:
    """Every team with its number of members and channels. Admins only."""
    _ensure_admin(user)
    return Team.objects.annotate(
        member_count=Count("memberships", distinct=True),
        channel_count=Count("channels", distinct=True),
    ).order_by("name")


def team_get_for_settings(*, user: User, pk: int) -> Team:
    """One team, its memberships (with people) and channels. Refuses
    non-admins before looking the team up, so a refusal says nothing about
    which teams exist."""
    _ensure_admin(user)
    members = Membership.objects.select_related("user").order_by(
        "user__display_name", "user__username"
    )
    try:
        return Team.objects.prefetch_related(
            Prefetch("memberships", queryset=members), "channels"
        ).get(pk=pk)
    except Team.DoesNotExist as exc:
        raise Http404("No such team") from exc


def person_get_for_settings(*, user: User, pk: int) -> User:
    _ensure_admin(user)
    try:
        return User.objects.get(pk=pk)
    except User.DoesNotExist as exc:
        raise Http404("No such person") from exc
