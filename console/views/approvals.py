"""Settings: reply approval. Rules (whose replies wait, with a preview of the
rule's effect before it is saved) and approvers per team."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import access
from accounts.http import AuthedRequest
from console.forms.approvals import ApprovalRuleForm
from inbox import approval_selectors
from inbox.services import approval_rules

SECTION = "approvals"


def _managers_only(request: AuthedRequest) -> None:
    if not access.managed_team_ids(request.user):
        raise PermissionDenied("Reply approval settings are for managers and admins.")


@login_required
def approvals(request: AuthedRequest) -> HttpResponse:
    _managers_only(request)
    form = ApprovalRuleForm(request.POST or None, actor=request.user)
    effect = preview = None
    if request.method == "POST" and form.is_valid():
        try:
            if request.POST.get("action") == "save":
                rule = approval_rules.approval_rule_create(actor=request.user, **form.cleaned_data)
                messages.success(request, f"Saved: replies by {rule.describe()} need approval.")
                return redirect("console:approvals")
            preview, effect = approval_rules.approval_rule_preview(
                actor=request.user, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, str(exc) if isinstance(exc, PermissionDenied) else exc)
    return render(
        request,
        "console/approvals.html",
        {
            "settings_section": SECTION,
            "form": form,
            "effect": effect,
            "preview": preview,
            "rules": approval_selectors.approval_rules_for(user=request.user),
            "approvers": approval_selectors.approver_memberships_for(user=request.user),
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def approval_rule_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    _managers_only(request)
    rule = approval_selectors.approval_rule_get_for_user(user=request.user, pk=pk)
    approval_rules.approval_rule_delete(rule=rule, actor=request.user)
    messages.success(request, f"Removed the rule for {rule.describe()}.")
    return redirect("console:approvals")


@login_required
@require_POST
def approver_set(request: AuthedRequest, pk: int) -> HttpResponse:
    _managers_only(request)
    membership = approval_selectors.approver_membership_get_for_user(user=request.user, pk=pk)
    grant = request.POST.get("can_approve") == "yes"
    approval_rules.approver_set(membership=membership, can_approve=grant, actor=request.user)
    who = f"{membership.user} in {membership.team}"
    messages.success(
        request, f"{who} {'may now approve' if grant else 'no longer approves'} held replies."
    )
    return redirect("console:approvals")
