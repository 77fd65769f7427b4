"""Changing escalation policy from the managers' page and the admin: each
save is checked against the access rule and logged as an Event."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts import access
from accounts.models import User
from escalation.models import EscalationRule
from events.services import event_record


def _check(actor: User, channels) -> None:
    if access.is_admin(actor):
        return
    if not access.managed_team_ids(actor):
        raise PermissionDenied("Only managers and admins can change escalation rules.")
    if not channels:
        raise PermissionDenied("Only an admin can set a rule for every channel.")
    managed = set(access.channels_managed_by(actor).values_list("pk", flat=True))
    if any(c.pk not in managed for c in channels):
        raise PermissionDenied("You do not manage a team covering every one of these channels.")


def rule_save(*, actor: User, form, levels) -> EscalationRule:
    """Save a validated rule form and its levels formset in one transaction,
    with an ``escalation.rule_created``/``rule_updated`` event."""
    _check(actor, form.cleaned_data.get("channels"))
    creating = form.instance.pk is None
    with transaction.atomic():
        rule = form.save(commit=False)
        if creating:
            rule.created_by = actor
        rule.save()
        form.save_m2m()
        levels.instance = rule
        levels.save()
        rule_logged(rule=rule, actor=actor, created=creating, changed=form.changed_data)
    return rule


def rule_logged(
    *, rule: EscalationRule, actor: User | None, created: bool, changed: list[str]
) -> None:
    event_record(
        type="escalation.rule_created" if created else "escalation.rule_updated",
        actor=actor,
        data={
            "rule_id": rule.pk,
            "name": rule.name,
            "changed": list(changed),
            "active": rule.is_active,
        },
    )


def rule_set_active(*, rule: EscalationRule, actor: User, active: bool) -> EscalationRule:
    _check(actor, list(rule.channels.all()))
    with transaction.atomic():
        if (
            EscalationRule.objects.filter(pk=rule.pk)
            .exclude(is_active=active)
            .update(is_active=active)
        ):
            rule.is_active = active
            rule_logged(rule=rule, actor=actor, created=False, changed=["is_active"])
    rule.refresh_from_db()
    return rule
