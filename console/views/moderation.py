"""Settings: the house rules for hiding comments, and the abuse shield's word
list with each officer's exposure. Officers keep reading the house rules on
``inbox:house_rules``; changing them lives here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import access
from accounts.http import AuthedRequest
from console.views._common import ensure_manager
from inbox import moderation_selectors
from inbox.contact_forms import HouseRuleForm
from inbox.forms import AbuseTermForm
from inbox.services import moderation, shield


@login_required
@require_http_methods(["GET", "POST"])
def house_rules(request: AuthedRequest) -> HttpResponse:
    ensure_manager(request)
    form = HouseRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = moderation.house_rule_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"“{added.title}” added.")
            return redirect("console:house_rules")
    return render(
        request,
        "console/house_rules.html",
        {
            "settings_section": "house_rules",
            "form": form,
            "rules": moderation_selectors.house_rules(),
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def house_rule_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    ensure_manager(request)
    rule = moderation_selectors.house_rule_get(pk=pk)
    form = HouseRuleForm(request.POST or None, initial={"title": rule.title, "text": rule.text})
    if request.method == "POST" and form.is_valid():
        try:
            moderation.house_rule_update(rule=rule, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"“{rule.title}” saved.")
            return redirect("console:house_rules")
    return render(
        request,
        "console/house_rule_edit.html",
        {"settings_section": "house_rules", "form": form, "rule": rule},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def house_rule_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    ensure_manager(request)
    rule = moderation_selectors.house_rule_get(pk=pk)
    moderation.house_rule_remove(rule=rule, actor=request.user)
    messages.success(request, f"“{rule.title}” removed.")
    return redirect("console:house_rules")


@login_required
@require_http_methods(["GET", "POST"])
def abuse_terms(request: AuthedRequest) -> HttpResponse:
    """Managers see the list and the exposure; admins change the list."""
    ensure_manager(request)
    may_edit = access.is_admin(request.user)
    form = AbuseTermForm(request.POST or None)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("Only admins can change the abuse word list.")
        if form.is_valid():
            try:
                added = shield.abuse_term_add(term=form.cleaned_data["term"], actor=request.user)
            except ValidationError as exc:
                form.add_error("term", exc)
            else:
                messages.success(request, f"“{added.term}” added.")
                return redirect("console:abuse_terms")
    return render(
        request,
        "console/abuse_terms.html",
        {
            "settings_section": "abuse_terms",
            "form": form,
            "terms": moderation_selectors.abuse_terms(),
            "may_edit": may_edit,
            "exposure": moderation_selectors.shield_exposure(user=request.user),
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def abuse_term_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    ensure_manager(request)
    term = moderation_selectors.abuse_term_get(pk=pk)
    shield.abuse_term_remove(term=term, actor=request.user)
    messages.success(request, f"“{term.term}” removed.")
    return redirect("console:abuse_terms")
