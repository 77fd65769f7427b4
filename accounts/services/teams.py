"""Teams and memberships, changed from the settings area and its API.

Admins only: a team's membership decides what its people see and do on every
channel the team covers, and admin is a global role (accounts.access). Each
change writes an Event in the same transaction. Which channels a team covers
is channels.services.coverage (the channel's side of the same relation).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from accounts import access
from accounts.models import Membership, Role, Team, User
from events.services import event_record
from socialdesk.text import validate_single_line

MAX_NAME = 120


def _ensure_admin(actor: User) -> None:
    if not access.is_admin(actor):
        raise PermissionDenied("Only admins change teams and their members.")


def _clean_name(name: str) -> str:
    validate_single_line(name)
    name = " ".join(name.split())
    if not name:
        raise ValidationError("A team needs a name.")
    if len(name) > MAX_NAME:
        raise ValidationError(f"A team's name can be at most {MAX_NAME} characters.")
    return name


def _others(exclude_pk: int | None):
    """Every team but the one being renamed (none when creating)."""
    teams = Team.objects.all()
    return teams if exclude_pk is None else teams.exclude(pk=exclude_pk)


def _unique_slug(name: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:100] or "team"
    taken = set(_others(exclude_pk).filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _ensure_name_free(name: str, *, exclude_pk: int | None = None) -> None:
    if _others(exclude_pk).filter(name__iexact=name).exists():
        raise ValidationError(f"There is already a team called “{name}”.")


def team_create(*, actor: User, name: str) -> Team:
    _ensure_admin(actor)
    name = _clean_name(name)
    _ensure_name_free(name)
    try:
        with transaction.atomic():
            team = Team.objects.create(name=name, slug=_unique_slug(name))
            event_record(
                type="team.created",
                actor=actor,
                data={"target": f"team:{team.pk}", "team": team.name},
            )
    except IntegrityError as exc:  # a colleague created it at the same moment
        raise ValidationError(f"There is already a team called “{name}”.") from exc
    return team


def team_rename(*, actor: User, team: Team, name: str) -> Team:
    """Rename a team; its slug follows, so links and filters read the new name."""
    _ensure_admin(actor)
    name = _clean_name(name)
    if name == team.name:
        return team
    _ensure_name_free(name, exclude_pk=team.pk)
    old = team.name
    try:
        with transaction.atomic():
            team.name = name
            team.slug = _unique_slug(name, exclude_pk=team.pk)
            team.save(update_fields=["name", "slug"])
            event_record(
                type="team.renamed",
                actor=actor,
                data={"target": f"team:{team.pk}", "from": old, "to": name},
            )
    except IntegrityError as exc:
        raise ValidationError(f"There is already a team called “{name}”.") from exc
    return team


def _admins_left(*, without: Membership) -> bool:
    """Whether someone can still administer SocialDesk once ``without`` is
    gone or demoted: another admin membership of an active person, or an
    active superuser."""
    others = Membership.objects.filter(role=Role.ADMIN, user__is_active=True).exclude(pk=without.pk)
    return others.exists() or User.objects.filter(is_superuser=True, is_active=True).exists()


def membership_set(*, actor: User, team: Team, user: User, role: str) -> Membership:
    """Add ``user`` to ``team`` with ``role``, or change their role there.
    Refuses to take away the last admin (nobody could undo it)."""
    _ensure_admin(actor)
    if role not in Role.values:
        raise ValidationError("Choose a role.")
    if not user.is_active:
        raise ValidationError("This person's account is switched off.")
    with transaction.atomic():
        # Locked, so two admins demoting the last two admins at once cannot
        # both see "another admin is left".
        current = Membership.objects.select_for_update().filter(team=team, user=user).first()
        if current is None:
            membership = Membership.objects.create(team=team, user=user, role=role)
            event_record(
                type="team.member_added",
                actor=actor,
                data=_membership_data(membership, role=role),
            )
            return membership
        if current.role == role:
            return current
        if current.role == Role.ADMIN and not _admins_left(without=current):
            raise ValidationError("This is the last admin: make someone else an admin first.")
        old = current.role
        current.role = role
        current.save(update_fields=["role"])
        event_record(
            type="team.role_changed",
            actor=actor,
            data=_membership_data(current, role=role, previous=old),
        )
    return current


def membership_remove(*, actor: User, team: Team, user: User) -> None:
    _ensure_admin(actor)
    with transaction.atomic():
        current = Membership.objects.select_for_update().filter(team=team, user=user).first()
        if current is None:
            return
        if current.role == Role.ADMIN and not _admins_left(without=current):
            raise ValidationError("This is the last admin: make someone else an admin first.")
        data = _membership_data(current, role=current.role)
        current.delete()
        event_record(type="team.member_removed", actor=actor, data=data)


def _membership_data(membership: Membership, **extra) -> dict:
    return {
        "target": f"user:{membership.user_id}",
        "team": membership.team.name,
        "team_id": membership.team_id,
        "user_id": membership.user_id,
        **extra,
    }
