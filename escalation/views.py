"""The escalation page: open escalations to acknowledge, each channel's
staffed-hours statement, and (for managers) rules and crisis mode."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import access
from escalation import selectors
from escalation.forms import CrisisForm, LevelFormSet, RuleForm
from escalation.models import EscalationRule
from escalation.services import config, crisis, rules


def _manager_only(request) -> None:
    # A manager of some team; each rule, crisis and channel is then checked
    # against the teams they manage (selectors and services).
    if not access.managed_team_ids(request.user):
        raise Http404("No such page")


@login_required
def index(request):
    user = request.user
    channels = list(access.channels_visible_to(user).order_by("name"))
    crises = selectors.crisis_for_channels(channel_ids=[c.pk for c in channels])
    manager = bool(access.managed_team_ids(user))
    statements = selectors.hours_statements(channels=channels)
    return render(
        request,
        "escalation/index.html",
        {
            "escalations": selectors.escalations_open_for_user(user=user)[:100],
            "channels": [(c, statements[c.pk], crises.get(c.pk)) for c in channels],
            "active_crises": sorted(
                {c.pk: c for c in crises.values()}.values(), key=lambda c: c.started_at
            ),
            "rules": selectors.rules_for_user(user=user) if manager else [],
            "manager": manager,
        },
    )


def _rule_form(request, rule):
    form = RuleForm(request.POST or None, instance=rule, user=request.user)
    levels = LevelFormSet(
        request.POST or None, instance=rule, form_kwargs={"user": request.user}, prefix="levels"
    )
    if request.method == "POST" and form.is_valid() and levels.is_valid():
        try:
            saved = config.rule_save(actor=request.user, form=form, levels=levels)
        except PermissionDenied as exc:
            form.add_error("channels", str(exc))
        else:
            messages.success(request, f"Rule “{saved.name}” saved.")
            return redirect("escalation:index")
    return render(
        request, "escalation/rule_form.html", {"form": form, "levels": levels, "rule": rule}
    )


@login_required
def rule_create(request):
    _manager_only(request)
    return _rule_form(request, EscalationRule())


@login_required
def rule_edit(request, pk: int):
    _manager_only(request)
    return _rule_form(request, selectors.rule_get_for_user(user=request.user, pk=pk))


@login_required
@require_POST
def rule_toggle(request, pk: int):
    _manager_only(request)
    rule = selectors.rule_get_for_user(user=request.user, pk=pk)
    rule = config.rule_set_active(
        rule=rule, actor=request.user, active=request.POST.get("active") == "1"
    )
    state = "switched on" if rule.is_active else "switched off"
    messages.success(request, f"Rule “{rule.name}” {state}.")
    return redirect("escalation:index")


@login_required
@require_POST
def escalation_acknowledge(request, pk: int):
    esc = selectors.escalation_get_for_user(user=request.user, pk=pk)
    rules.escalation_acknowledge(escalation=esc, actor=request.user)
    messages.success(request, f"Acknowledged: {esc.rule.name}.")
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("escalation:index")


@login_required
@require_POST
def escalation_raise(request, pk: int):
    esc = selectors.escalation_get_for_user(user=request.user, pk=pk)
    try:
        esc = rules.escalation_raise_level(escalation=esc, actor=request.user)
        messages.success(request, f"Escalated to level {esc.level}.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("escalation:index")


@login_required
def crisis_start(request):
    _manager_only(request)
    form = CrisisForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "channels"}
        try:
            started = crisis.crisis_start(
                actor=request.user, channels=list(form.cleaned_data["channels"]), **data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Crisis mode started: {started.title}.")
            return redirect("escalation:index")
    return render(request, "escalation/crisis_form.html", {"form": form, "crisis": None})


@login_required
def crisis_edit(request, pk: int):
    _manager_only(request)
    current = selectors.crisis_get_for_user(user=request.user, pk=pk)
    if not current.is_active:
        raise Http404("This crisis has ended")
    form = CrisisForm(request.POST or None, instance=current, user=request.user, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            crisis.crisis_update(crisis=current, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Crisis mode updated.")
            return redirect("escalation:index")
    return render(request, "escalation/crisis_form.html", {"form": form, "crisis": current})


@login_required
@require_POST
def crisis_end(request, pk: int):
    _manager_only(request)
    current = selectors.crisis_get_for_user(user=request.user, pk=pk)
    crisis.crisis_end(crisis=current, actor=request.user)
    messages.success(request, f"Crisis mode ended: {current.title}.")
    return redirect("escalation:index")
