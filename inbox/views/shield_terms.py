"""The abuse shield's page: admins keep the word list that drives the shield;
managers (and admins) see how much shielded text each officer chose to read
per week, to rotate who does it. Officers are refused."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts import access
from accounts.http import AuthedRequest
from inbox.forms import AbuseTermForm
from inbox.models import AbuseTerm
from inbox.moderation_selectors import shield_exposure
from inbox.services.shield import abuse_term_add, abuse_term_remove


@login_required
def abuse_terms(request: AuthedRequest) -> HttpResponse:
    if not access.is_manager_or_admin(request.user):
        raise PermissionDenied("Only managers and admins can open the abuse shield's page.")
    may_edit = access.is_admin(request.user)
    form = AbuseTermForm(request.POST or None)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("Only admins can change the abuse word list.")
        remove = request.POST.get("remove", "")
        if remove.isdigit():
            term = get_object_or_404(AbuseTerm, pk=int(remove))
            abuse_term_remove(term=term, actor=request.user)
            messages.success(request, f"“{term.term}” removed.")
            return redirect("inbox:abuse_terms")
        if form.is_valid():
            try:
                added = abuse_term_add(term=form.cleaned_data["term"], actor=request.user)
                messages.success(request, f"“{added.term}” added.")
                return redirect("inbox:abuse_terms")
            except ValidationError as exc:
                form.add_error("term", exc)
    return render(
        request,
        "inbox/abuse_terms.html",
        {
            "form": form,
            "terms": AbuseTerm.objects.order_by("term"),
            "may_edit": may_edit,
            "exposure": shield_exposure(user=request.user),
        },
        status=422 if form.errors else 200,
    )
