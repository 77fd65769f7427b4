"""Canned responses as managers keep them (issue 18): create, change and
delete, each checked against the teams the person manages and logged.

A canned response is offered to the members of its teams, or to everyone
when it has no team. A manager keeps the responses of the teams they manage
(every team of the response must be theirs, so a manager of team A cannot
take a response away from team B); a response for everyone is an admin's.
The composer fills the placeholders with ``replies.canned_render``."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import access
from accounts.models import Team, User
from events.services import event_record
from inbox.models import CannedResponse
from socialdesk.text import validate_multi_line, validate_single_line

# What each placeholder becomes in the composer, and the sample the settings
# preview shows. ``replies.PLACEHOLDER`` substitutes exactly these names.
PLACEHOLDERS: dict[str, tuple[str, str]] = {
    "first_name": ("The citizen's first name (or “there”)", "Sam"),
    "officer": ("Your name, as colleagues see it", "Alex Officer"),
    "channel": ("The channel's name", "Riverside Council"),
}
# Anything in braces counts as an attempted placeholder: "{name}" or "{ officer }".
_BRACED = re.compile(r"\{([^{}\n]*)\}")
MAX_TITLE = 120
MAX_TEXT = 2000


def canned_text_problem(text: str) -> str | None:
    """Why ``text`` cannot be a canned response's text, or None."""
    for found in _BRACED.finditer(text):
        name = found.group(1)
        if name not in PLACEHOLDERS:
            allowed = ", ".join("{" + n + "}" for n in PLACEHOLDERS)
            return f"Unknown placeholder “{{{name}}}”: use {allowed}."
    return None


def canned_preview(text: str) -> str:
    """The text with sample values in place of the placeholders: plain text,
    escaped by the template that shows it."""
    from inbox.services.replies import PLACEHOLDER

    return PLACEHOLDER.sub(lambda m: PLACEHOLDERS[m.group(1)][1], text)


def _clean(title: str, text: str) -> tuple[str, str]:
    validate_single_line(title)
    validate_multi_line(text)
    title, text = " ".join(title.split()), text.strip()
    if not title:
        raise ValidationError("Enter a title.")
    if len(title) > MAX_TITLE:
        raise ValidationError(f"A title can be at most {MAX_TITLE} characters.")
    if not text:
        raise ValidationError("Enter the response's text.")
    if len(text) > MAX_TEXT:
        raise ValidationError(f"The text can be at most {MAX_TEXT:,} characters.")
    problem = canned_text_problem(text)
    if problem:
        raise ValidationError(problem)
    return title, text


def _ensure_may_offer_to(actor: User, team_ids: set[int]) -> None:
    """The teams a response is offered to must all be the actor's to manage;
    no team at all (everyone) is for admins."""
    if access.is_admin(actor):
        return
    managed = set(access.managed_team_ids(actor))
    if not managed:
        raise PermissionDenied("Only managers and admins keep canned responses.")
    if not team_ids:
        raise PermissionDenied("Only an admin can offer a canned response to everyone.")
    if not team_ids <= managed:
        raise PermissionDenied("You can only offer canned responses to the teams you manage.")


def canned_may_manage(*, actor: User, canned: CannedResponse) -> bool:
    team_ids = {t.pk for t in canned.teams.all()}
    try:
        _ensure_may_offer_to(actor, team_ids)
    except PermissionDenied:
        return False
    return True


def _snapshot(canned: CannedResponse) -> dict:
    return {
        "title": canned.title,
        "text": canned.text,
        "team_ids": sorted(t.pk for t in canned.teams.all()),
    }


def canned_create(*, actor: User, title: str, text: str, teams: Iterable[Team]) -> CannedResponse:
    teams = list(teams)
    _ensure_may_offer_to(actor, {t.pk for t in teams})
    title, text = _clean(title, text)
    with transaction.atomic():
        canned = CannedResponse.objects.create(title=title, text=text)
        canned.teams.set(teams)
        event_record(
            type="canned.created",
            actor=actor,
            data={"canned_id": canned.pk, **_snapshot(canned)},
        )
    return canned


def canned_update(
    *, canned: CannedResponse, actor: User, title: str, text: str, teams: Iterable[Team]
) -> CannedResponse:
    """Both the teams it had and the teams it gets must be the actor's."""
    teams = list(teams)
    _ensure_may_offer_to(actor, {t.pk for t in canned.teams.all()})
    _ensure_may_offer_to(actor, {t.pk for t in teams})
    title, text = _clean(title, text)
    with transaction.atomic():
        locked = CannedResponse.objects.select_for_update().get(pk=canned.pk)
        before = _snapshot(locked)
        locked.title, locked.text = title, text
        locked.save(update_fields=["title", "text"])
        locked.teams.set(teams)
        event_record(
            type="canned.updated",
            actor=actor,
            data={"canned_id": locked.pk, "before": before, **_snapshot(locked)},
        )
    return locked


def canned_delete(*, canned: CannedResponse, actor: User) -> None:
    """Replies already sent keep their text; a crisis that pinned it as its
    holding statement loses the pin (the foreign key is SET_NULL)."""
    _ensure_may_offer_to(actor, {t.pk for t in canned.teams.all()})
    with transaction.atomic():
        event_record(
            type="canned.deleted",
            actor=actor,
            data={"canned_id": canned.pk, **_snapshot(canned)},
        )
        canned.delete()
