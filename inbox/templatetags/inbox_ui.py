"""Small presentation helpers for the inbox templates."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

from inbox.models import Status

register = template.Library()

SOON_MINUTES = 15


def _span(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{minutes // (24 * 60)} days"


def due_clock(conversation, now: datetime | None = None) -> dict[str, str] | None:
    """The response-target clock as words and an urgency level. The words
    carry the meaning; the colour only repeats it (WCAG 1.4.1)."""
    due = getattr(conversation, "due_at", None)
    if due is None or conversation.status == Status.RESOLVED:
        return None
    if conversation.awaiting_since is None:
        return None  # answered: no clock running
    now = now or timezone.now()
    seconds = (due - now).total_seconds()
    minutes = max(0, int(abs(seconds) // 60))
    if seconds < 0:
        return {"level": "overdue", "label": f"Overdue by {_span(minutes)}"}
    level = "soon" if minutes < SOON_MINUTES else "ok"
    return {"level": level, "label": f"Due in {_span(minutes)}"}


@register.filter
def initials(user) -> str:
    # Letters and digits only: a direction override, emoji or punctuation in a
    # name must not become half of the avatar.
    words = str(user or "").replace(".", " ").split()
    parts = [p for p in ("".join(c for c in w if c.isalnum()) for w in words) if p]
    if not parts:
        return "?"
    if len(parts) == 1:
        return parts[0][:2].upper()
    return (parts[0][0] + parts[-1][0]).upper()


@register.filter
def approvable_by(message, user) -> bool:
    """May this person approve or reject this held reply? (Only asked for
    replies awaiting approval, so the access check runs rarely.)"""
    from inbox.services.approvals import can_approve

    return message.state == "awaiting_approval" and can_approve(user=user, message=message)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@register.filter(expects_localtime=True)
def short_time(value) -> str:
    """What ``|date:"j M, H:i"`` gives ("5 Mar, 09:07"), for the list's rows:
    Django's general formatter looked up its formats on each of them."""
    if not isinstance(value, datetime):
        return ""
    return f"{value.day} {_MONTHS[value.month - 1]}, {value.hour:02d}:{value.minute:02d}"


@register.filter(expects_localtime=True)
def machine_time(value) -> str:
    """A ``<time datetime>`` value: what ``|date:'c'`` gives, without Django's
    general date formatter (four of them on every list row added up)."""
    if not isinstance(value, datetime):
        return ""
    return value.isoformat()
