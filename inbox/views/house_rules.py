"""The organisation's house rules for comments: everyone reads them (hiding
a comment names one), managers and admins add, change and remove them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from accounts import access
from accounts.http import AuthedRequest
from inbox import moderation_selectors
from inbox.contact_forms import HouseRuleForm
from inbox.services import moderation


@login_required
def house_rules(request: AuthedRequest) -> HttpResponse:
    may_edit = access.is_manager_or_admin(request.user)
    if access.role_of(request.user) is None:
        raise PermissionDenied("You are not a member of any team.")
    form = HouseRuleForm(request.POST or None)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("Only managers and admins can change the house rules.")
        remove = request.POST.get("remove", "")
        if remove.isdigit():
            rule = moderation_selectors.house_rule_get(pk=int(remove))
            moderation.house_rule_remove(rule=rule, actor=request.user)
            messages.success(request, f"“{rule.title}” removed.")
            return redirect("inbox:house_rules")
        if form.is_valid():
            try:
                added = moderation.house_rule_create(actor=request.user, **form.cleaned_data)
                messages.success(request, f"“{added.title}” added.")
                return redirect("inbox:house_rules")
            except ValidationError as exc:
                form.add_error(None, exc)
    return render(
        request,
        "inbox/house_rules.html",
        {"form": form, "rules": moderation_selectors.house_rules(), "may_edit": may_edit},
        status=422 if form.errors else 200,
    )


@login_required
def house_rule_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    if not access.is_manager_or_admin(request.user):
        raise PermissionDenied("Only managers and admins can change the house rules.")
    rule = moderation_selectors.house_rule_get(pk=pk)
    form = HouseRuleForm(request.POST or None, initial={"title": rule.title, "text": rule.text})
    if request.method == "POST" and form.is_valid():
        try:
            moderation.house_rule_update(rule=rule, actor=request.user, **form.cleaned_data)
            messages.success(request, f"“{rule.title}” saved.")
            return redirect("inbox:house_rules")
        except ValidationError as exc:
            form.add_error(None, exc)
    return render(
        request,
        "inbox/house_rule_edit.html",
        {"form": form, "rule": rule},
        status=422 if form.errors else 200,
    )
