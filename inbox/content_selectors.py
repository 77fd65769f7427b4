"""Reads for the settings pages of canned responses and labels (issue 18),
scoped by the teams the person manages (``accounts.access.managed_team_ids``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.http import Http404

from accounts import access
from accounts.models import Team, User
from inbox.models import CannedResponse, Conversation, Label


def canned_managed_by(*, user: User) -> QuerySet[CannedResponse]:
    """The canned responses this person keeps: every one for an admin; for a
    manager, those offered only to teams they manage (a response for everyone,
    or shared with a team they do not manage, is not theirs to change)."""
    qs = CannedResponse.objects.prefetch_related(
        Prefetch("teams", queryset=Team.objects.order_by("name"))
    ).order_by("title", "pk")
    if access.is_admin(user):
        return qs
    managed = access.managed_team_ids(user)
    if not managed:
        return qs.none()
    through = CannedResponse.teams.through
    elsewhere = through.objects.filter(cannedresponse_id=OuterRef("pk")).exclude(
        team_id__in=managed
    )
    return qs.filter(Exists(through.objects.filter(cannedresponse_id=OuterRef("pk")))).exclude(
        Exists(elsewhere)
    )


def canned_get_managed(*, user: User, pk: int) -> CannedResponse:
    canned = canned_managed_by(user=user).filter(pk=pk).first()
    if canned is None:
        raise Http404("No such canned response")
    return canned


def teams_managed_by(*, user: User) -> QuerySet[Team]:
    return Team.objects.filter(pk__in=access.managed_team_ids(user)).order_by("name")


def _elsewhere_q(user: User) -> Q:
    """Label rows tagging a conversation on a channel ``user`` does not manage."""
    managed = access.channels_managed_by(user).values("pk")
    return Q(conversations__in=Conversation.objects.exclude(channel__in=managed).values("pk"))


def _labels_usage(user: User) -> QuerySet[Label]:
    labels = Label.objects.annotate(uses=Count("conversations", distinct=True))
    if access.is_admin(user):
        return labels.annotate(uses_elsewhere=Value(0))
    return labels.annotate(
        uses_elsewhere=Count("conversations", filter=_elsewhere_q(user), distinct=True)
    )


def labels_with_usage(*, user: User) -> list[Label]:
    """Every label (labels are shared by all teams) with ``uses``: how many
    conversations it tags, and ``uses_elsewhere``: how many of those are on
    channels this person does not manage (a manager may change a label only
    when that is none)."""
    return list(_labels_usage(user).order_by("name"))


def label_get_for_settings(*, user: User, pk: int) -> Label:
    """A label with ``uses`` and ``uses_elsewhere`` (as ``labels_with_usage``),
    for managers and admins; anyone else gets a 404."""
    if not access.managed_team_ids(user):
        raise Http404("No such label")
    label = _labels_usage(user).filter(pk=pk).first()
    if label is None:
        raise Http404("No such label")
    return label


def teams_by_ids(*, ids: list[int]) -> list[Team]:
    """The teams named by an API call; whether the caller may use them is the
    service's check (so another team's id is refused with the same words as
    on the page)."""
    teams = list(Team.objects.filter(pk__in=set(ids)).order_by("name"))
    missing = sorted(set(ids) - {t.pk for t in teams})
    if missing:
        raise ValidationError(f"There is no team {missing[0]}.")
    return teams
