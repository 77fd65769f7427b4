"""Labels as the settings page keeps them (issue 18): rename, recolour and
delete. Creating one is ``triage.label_create``, the same service managers
use inline in a conversation.

Labels are shared by every team. A manager may change or delete a label only
while every conversation it tags is on a channel they manage: renaming or
deleting it changes what another team sees, so that is an admin's call."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import access
from accounts.models import User
from events.models import Event
from events.services import event_record, events_record_bulk
from inbox.models import Conversation, Label
from inbox.services.triage import label_create
from socialdesk.text import validate_single_line

__all__ = ["LABEL_COLOURS", "label_create", "label_delete", "label_update"]

# The colours offered on the page: the design system's tag colours, each with
# white text at 4.5:1 or better. Any other #rrggbb is accepted from the API.
LABEL_COLOURS: dict[str, str] = {
    "#505a5f": "Grey",
    "#1d70b8": "Blue",
    "#003078": "Dark blue",
    "#005a30": "Green",
    "#4c2c92": "Purple",
    "#912b88": "Pink",
    "#942514": "Red",
    "#6f3800": "Brown",
}
_HEX = re.compile(r"^#[0-9a-f]{6}$")


def _ensure_may_change(actor: User, label: Label) -> None:
    if access.is_admin(actor):
        return
    if not access.managed_team_ids(actor):
        raise PermissionDenied("Only managers and admins change labels.")
    managed = access.channels_managed_by(actor).values("pk")
    elsewhere = Conversation.objects.filter(labels=label).exclude(channel__in=managed).exists()
    if elsewhere:
        raise PermissionDenied(
            "This label tags conversations on channels of teams you do not manage: "
            "ask an admin to change it."
        )


def _clean_name(name: str) -> str:
    validate_single_line(name)
    name = " ".join(name.split())
    if not name:
        raise ValidationError("A label needs a name.")
    if len(name) > Label._meta.get_field("name").max_length:  # type: ignore[operator]
        raise ValidationError("A label name can be at most 60 characters.")
    return name


def _clean_colour(colour: str) -> str:
    colour = colour.strip().lower()
    if not _HEX.match(colour):
        raise ValidationError("Choose a colour (a hex value such as #1d70b8).")
    return colour


def label_update(*, label: Label, actor: User, name: str, colour: str) -> Label:
    """Rename and recolour. The events of earlier labelling keep the old name
    (they copied it), so the history reads as it was."""
    _ensure_may_change(actor, label)
    name, colour = _clean_name(name), _clean_colour(colour)
    if Label.objects.filter(name__iexact=name).exclude(pk=label.pk).exists():
        raise ValidationError(f"There is already a label “{name}”.")
    try:
        with transaction.atomic():
            locked = Label.objects.select_for_update().get(pk=label.pk)
            before = {"name": locked.name, "colour": locked.colour}
            if before == {"name": name, "colour": colour}:
                return locked
            locked.name, locked.colour = name, colour
            locked.save(update_fields=["name", "colour"])
            event_record(
                type="label.updated",
                actor=actor,
                data={
                    "label_id": locked.pk,
                    "label": name,
                    "colour": colour,
                    "before": before,
                    "target": f"label:{locked.pk}",
                },
            )
    except IntegrityError as exc:  # renamed to a name a colleague took a moment ago
        raise ValidationError(f"There is already a label “{name}”.") from exc
    return locked


def label_delete(*, label: Label, actor: User) -> int:
    """Delete the label. The conversations it tagged stay, without it: each
    gets a ``conversation.unlabelled`` event (so its history says so and the
    inbox list redraws), and escalation rules that added it add nothing.
    Returns how many conversations it was taken off."""
    _ensure_may_change(actor, label)
    with transaction.atomic():
        locked = Label.objects.select_for_update().get(pk=label.pk)
        tagged = list(Conversation.objects.filter(labels=locked).values_list("pk", "channel_id"))
        data = {"label": locked.name, "label_id": locked.pk, "reason": "label deleted"}
        now = timezone.now()
        events_record_bulk(
            events=[
                Event(
                    type="conversation.unlabelled",
                    at=now,
                    actor=actor,
                    conversation_id=pk,
                    channel_id=channel_id,
                    data={**data, "target": f"conversation:{pk}"},
                )
                for pk, channel_id in tagged
            ],
            batch_size=1000,
        )
        event_record(
            type="label.deleted",
            actor=actor,
            data={
                "label_id": locked.pk,
                "label": locked.name,
                "conversations": len(tagged),
                "target": f"label:{locked.pk}",
            },
        )
        locked.delete()
    return len(tagged)
