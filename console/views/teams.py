"""Teams and memberships (issue 18): create and rename teams, add and remove
members, each member's role in each team, and the channels each team covers.
Admins only; the writes are accounts.services.teams and
channels.services.coverage, which log each change."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import selectors
from accounts.services import teams as services
from channels.services.coverage import team_channels_set
from console.forms.teams import MemberAddForm, MemberRoleForm, TeamChannelsForm, TeamNameForm


def _errors(form, exc: ValidationError, field: str | None = None) -> None:
    for message in exc.messages:
        form.add_error(field, message)


@login_required
def team_list(request):
    teams = list(selectors.teams_for_settings(user=request.user))
    form = TeamNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            _errors(form, exc, "name")
        else:
            messages.success(request, f"Team “{team.name}” created. Add its people and channels.")
            return redirect("console:team", pk=team.pk)
    status = 400 if form.errors else 200
    return render(
        request,
        "console/teams.html",
        {"settings_section": "teams", "teams": teams, "form": form},
        status=status,
    )


def _team_page(request, team, status: int = 200, **forms):
    channels_initial = {"channels": [c.pk for c in team.channels.all()]}
    context = {
        "settings_section": "teams",
        "team": team,
        "memberships": list(team.memberships.all()),
        "role_form": MemberRoleForm(),
        "rename_form": forms.get("rename_form") or TeamNameForm(initial={"name": team.name}),
        "add_form": forms.get("add_form") or MemberAddForm(team=team, prefix="add"),
        "channels_form": forms.get("channels_form") or TeamChannelsForm(initial=channels_initial),
    }
    return render(request, "console/team.html", context, status=status)


@login_required
def team_detail(request, pk: int):
    team = selectors.team_get_for_settings(user=request.user, pk=pk)
    return _team_page(request, team)


@login_required
@require_POST
def team_rename(request, pk: int):
    team = selectors.team_get_for_settings(user=request.user, pk=pk)
    form = TeamNameForm(request.POST)
    if form.is_valid():
        try:
            services.team_rename(actor=request.user, team=team, name=form.cleaned_data["name"])
        except ValidationError as exc:
            _errors(form, exc, "name")
        else:
            messages.success(request, f"Team renamed to “{team.name}”.")
            return redirect("console:team", pk=team.pk)
    return _team_page(request, team, status=400, rename_form=form)


@login_required
@require_POST
def member_add(request, pk: int):
    team = selectors.team_get_for_settings(user=request.user, pk=pk)
    form = MemberAddForm(request.POST, team=team, prefix="add")
    if form.is_valid():
        person = form.cleaned_data["user"]
        try:
            services.membership_set(
                actor=request.user, team=team, user=person, role=form.cleaned_data["role"]
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, f"{person} added to {team.name}.")
            return redirect("console:team", pk=team.pk)
    return _team_page(request, team, status=400, add_form=form)


def _member_change(request, pk: int, user_pk: int, change) -> object:
    team = selectors.team_get_for_settings(user=request.user, pk=pk)
    person = selectors.person_get_for_settings(user=request.user, pk=user_pk)
    try:
        done = change(team, person)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("console:team", pk=team.pk)


@login_required
@require_POST
def member_role(request, pk: int, user_pk: int):
    form = MemberRoleForm(request.POST)

    def change(team, person):
        if not form.is_valid():
            raise ValidationError("Choose a role.")
        role = form.cleaned_data["role"]
        services.membership_set(actor=request.user, team=team, user=person, role=role)
        return f"{person} is now {role} in {team.name}."

    return _member_change(request, pk, user_pk, change)


@login_required
@require_POST
def member_remove(request, pk: int, user_pk: int):
    def change(team, person):
        services.membership_remove(actor=request.user, team=team, user=person)
        return f"{person} removed from {team.name}."

    return _member_change(request, pk, user_pk, change)


@login_required
@require_POST
def team_channels(request, pk: int):
    team = selectors.team_get_for_settings(user=request.user, pk=pk)
    form = TeamChannelsForm(request.POST)
    if form.is_valid():
        changed = team_channels_set(
            actor=request.user, team=team, channels=form.cleaned_data["channels"]
        )
        messages.success(
            request,
            f"{team.name} now covers {len(form.cleaned_data['channels'])} channels"
            f" ({len(changed)} changed).",
        )
        return redirect("console:team", pk=team.pk)
    return _team_page(request, team, status=400, channels_form=form)
