"""Personal saved views: an officer's filters and sort under a name, shared
with one of their teams if they choose. Each change is an event.

Only the owner renames or deletes a view; team members only use a shared one.
The filters are normalised through ``inbox_filters`` on the way in, so a view
never holds a value the list would not understand.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Membership, Team, User
from events.services import event_record
from inbox.forms import filters_params, inbox_filters
from inbox.models import SavedView

MAX_PER_OWNER = 50
MAX_NAME = 60


def saved_view_params(params: Mapping[str, object]) -> dict[str, str]:
    """The normal form of a query string's filters (page and unknown values
    dropped). Values may come typed from code (an id as an int): read as text."""
    return filters_params(inbox_filters({str(k): str(v) for k, v in params.items()})[0])


def _clean_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ValidationError("Give the view a name.")
    if len(name) > MAX_NAME:
        raise ValidationError(f"A view's name can be at most {MAX_NAME} characters.")
    return name


def _taken(owner: User, name: str, *, exclude: int | None = None) -> bool:
    return (
        SavedView.objects.filter(owner=owner, name__iexact=name).exclude(pk=exclude or 0).exists()
    )


def _save_named(view: SavedView) -> None:
    # The unique constraint settles two tabs saving the same name at once.
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError as exc:
        raise ValidationError(f"You already have a view called “{view.name}”.") from exc


def saved_view_create(
    *, owner: User, name: str, params: Mapping[str, object], team: Team | None = None
) -> SavedView:
    name = _clean_name(name)
    if team is not None and not Membership.objects.filter(user=owner, team=team).exists():
        raise ValidationError("You can share a view only with a team you belong to.")
    if SavedView.objects.filter(owner=owner).count() >= MAX_PER_OWNER:
        raise ValidationError(f"You have {MAX_PER_OWNER} saved views; delete one first.")
    if _taken(owner, name):
        raise ValidationError(f"You already have a view called “{name}”.")
    with transaction.atomic():
        view = SavedView(owner=owner, name=name, query=saved_view_params(params), team=team)
        _save_named(view)
        event_record(
            type="saved_view.created",
            actor=owner,
            data={
                "saved_view_id": view.pk,
                "name": view.name,
                "query": view.query,
                "team_id": team.pk if team else None,
                "target": f"saved_view:{view.pk}",
            },
        )
    return view


def _owned(view: SavedView, actor: User) -> None:
    if view.owner_id != actor.pk:
        raise PermissionDenied("Only the person who saved this view can change it.")


def saved_view_rename(*, saved_view: SavedView, actor: User, name: str) -> SavedView:
    _owned(saved_view, actor)
    name = _clean_name(name)
    if name == saved_view.name:
        return saved_view
    if _taken(actor, name, exclude=saved_view.pk):
        raise ValidationError(f"You already have a view called “{name}”.")
    with transaction.atomic():
        before, saved_view.name = saved_view.name, name
        _save_named(saved_view)
        event_record(
            type="saved_view.renamed",
            actor=actor,
            data={
                "saved_view_id": saved_view.pk,
                "from": before,
                "to": name,
                "target": f"saved_view:{saved_view.pk}",
            },
        )
    return saved_view


def saved_view_delete(*, saved_view: SavedView, actor: User) -> None:
    _owned(saved_view, actor)
    with transaction.atomic():
        pk = saved_view.pk
        event_record(
            type="saved_view.deleted",
            actor=actor,
            data={"saved_view_id": pk, "name": saved_view.name, "target": f"saved_view:{pk}"},
        )
        saved_view.delete()
