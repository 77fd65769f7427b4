"""Settings: the escalation keyword lists (shipped defaults, editable) and
the list of escalation rules, which link to the rule pages of the
escalation app (``escalation:rule_create``, ``rule_edit``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import access
from accounts.http import AuthedRequest
from console.forms.content import TermForm
from console.views._common import ensure_manager
from escalation import selectors
from escalation.defaults import KEYWORD_LIST_DEFAULTS
from escalation.services import keyword_lists as service


def _keywords_page(request: AuthedRequest, *, failed_key: str = "", form=None, status=200):
    lists = selectors.keyword_lists_all()
    for kl in lists:
        term_form = TermForm(auto_id=f"id_{kl.key}_%s", list_name=kl.name)
        kl.form = form if kl.key == failed_key else term_form  # type: ignore[attr-defined]
        kl.is_default = kl.terms == list(KEYWORD_LIST_DEFAULTS.get(kl.key, ()))  # type: ignore[attr-defined]
    return render(
        request,
        "console/keyword_lists.html",
        {
            "settings_section": "keywords",
            "lists": lists,
            "missing": len(lists) < len(KEYWORD_LIST_DEFAULTS),
        },
        status=status,
    )


@login_required
def keyword_lists(request: AuthedRequest) -> HttpResponse:
    ensure_manager(request)
    return _keywords_page(request)


@login_required
@require_POST
def keyword_term_add(request: AuthedRequest, key: str) -> HttpResponse:
    ensure_manager(request)
    kl = selectors.keyword_list_get(key=key)
    form = TermForm(request.POST, auto_id=f"id_{kl.key}_%s", list_name=kl.name)
    if form.is_valid():
        try:
            service.keyword_list_term_add(
                keyword_list=kl, actor=request.user, term=form.cleaned_data["term"]
            )
        except ValidationError as exc:
            form.add_error("term", exc)
        else:
            messages.success(request, f"Added to {kl.name}.")
            return redirect("console:keyword_lists")
    return _keywords_page(request, failed_key=kl.key, form=form, status=422)


@login_required
@require_POST
def keyword_term_remove(request: AuthedRequest, key: str) -> HttpResponse:
    ensure_manager(request)
    kl = selectors.keyword_list_get(key=key)
    term = request.POST.get("term", "")
    try:
        service.keyword_list_term_remove(keyword_list=kl, actor=request.user, term=term)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"“{term}” removed from {kl.name}.")
    return redirect("console:keyword_lists")


@login_required
@require_POST
def keyword_list_restore(request: AuthedRequest, key: str) -> HttpResponse:
    ensure_manager(request)
    kl = selectors.keyword_list_get(key=key)
    service.keyword_list_restore(keyword_list=kl, actor=request.user)
    messages.success(request, f"{kl.name}: the shipped words and phrases are back.")
    return redirect("console:keyword_lists")


@login_required
@require_POST
def keyword_lists_create_missing(request: AuthedRequest) -> HttpResponse:
    ensure_manager(request)
    created = service.keyword_lists_missing_create(actor=request.user)
    messages.success(
        request, f"{len(created)} shipped list{'s' if len(created) != 1 else ''} created."
    )
    return redirect("console:keyword_lists")


@login_required
def escalation_rules(request: AuthedRequest) -> HttpResponse:
    ensure_manager(request)
    return render(
        request,
        "console/escalation_rules.html",
        {
            "settings_section": "escalation_rules",
            "rules": selectors.rules_for_user(user=request.user),
            "is_admin": access.is_admin(request.user),
        },
    )
