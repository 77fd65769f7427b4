"""The escalation keyword lists (threats, self-harm, emergencies): add and
remove terms, or put the shipped defaults back. Each change is logged.

The lists are shared by every rule that names them, whatever its channels,
so any manager or admin keeps them (issue 18 asks for managers to); the
rules themselves stay per team. Matching reads the lists afresh at each
evaluation pass (``rules.rules_active``), so an edit applies from the next
pass on; matches already stored stay."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import access
from accounts.models import User
from escalation.defaults import KEYWORD_LIST_DEFAULTS, KEYWORD_LISTS
from escalation.models import KeywordList
from events.services import event_record
from socialdesk.text import validate_single_line

MAX_TERM = 100
MAX_TERMS = 300


def _ensure_may_edit(actor: User) -> None:
    if not access.managed_team_ids(actor):
        raise PermissionDenied("Only managers and admins change the keyword lists.")


def term_clean(term: str) -> str:
    """One term as it is stored: one line, single spaces, lower case (matching
    ignores case, so "Bomb" and "bomb" are the same term)."""
    validate_single_line(term)
    term = " ".join(term.split()).lower()
    if not term:
        raise ValidationError("Enter a word or phrase.")
    if len(term) > MAX_TERM:
        raise ValidationError(f"A word or phrase can be at most {MAX_TERM} characters.")
    return term


def _save(*, kl: KeywordList, actor: User, terms: list[str], change: dict) -> KeywordList:
    kl.terms = terms
    kl.updated_by = actor
    kl.save(update_fields=["terms", "updated_by", "updated_at"])
    event_record(
        type="escalation.keywords_changed",
        actor=actor,
        data={"list": kl.key, "name": kl.name, **change, "target": f"keyword_list:{kl.pk}"},
    )
    return kl


def _locked(kl: KeywordList) -> KeywordList:
    return KeywordList.objects.select_for_update().get(pk=kl.pk)


def keyword_list_term_add(*, keyword_list: KeywordList, actor: User, term: str) -> KeywordList:
    _ensure_may_edit(actor)
    term = term_clean(term)
    with transaction.atomic():
        kl = _locked(keyword_list)
        if term in kl.terms:
            raise ValidationError(f"“{term}” is already on the {kl.name} list.")
        if len(kl.terms) >= MAX_TERMS:
            raise ValidationError(f"A list can hold at most {MAX_TERMS} words or phrases.")
        return _save(kl=kl, actor=actor, terms=[*kl.terms, term], change={"added": term})


def keyword_list_term_remove(*, keyword_list: KeywordList, actor: User, term: str) -> KeywordList:
    _ensure_may_edit(actor)
    with transaction.atomic():
        kl = _locked(keyword_list)
        if term not in kl.terms:
            raise ValidationError(f"“{term}” is not on the {kl.name} list.")
        kept = [t for t in kl.terms if t != term]
        return _save(kl=kl, actor=actor, terms=kept, change={"removed": term})


def keyword_list_restore(*, keyword_list: KeywordList, actor: User) -> KeywordList:
    """Put the shipped terms back (terms added since are dropped)."""
    _ensure_may_edit(actor)
    defaults = KEYWORD_LIST_DEFAULTS.get(keyword_list.key)
    if defaults is None:
        raise ValidationError("This list has no shipped defaults.")
    with transaction.atomic():
        kl = _locked(keyword_list)
        before = list(kl.terms)
        return _save(
            kl=kl,
            actor=actor,
            terms=list(defaults),
            change={"restored": True, "before": before},
        )


def keyword_lists_missing_create(*, actor: User) -> list[KeywordList]:
    """Create any shipped list that is missing (the migration creates them;
    a database restored from before it, or emptied by hand, may lack one)."""
    _ensure_may_edit(actor)
    created = []
    with transaction.atomic():
        for key, name, description, terms in KEYWORD_LISTS:
            kl, new = KeywordList.objects.get_or_create(
                key=key, defaults={"name": name, "description": description, "terms": list(terms)}
            )
            if new:
                event_record(
                    type="escalation.keywords_changed",
                    actor=actor,
                    data={"list": key, "name": name, "restored": True, "before": []},
                )
                created.append(kl)
    return created
